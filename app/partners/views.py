"""The partner directory: search and filters, an organisation's page, counterparts across
the border, editing, policy fields, CSV and vCard export."""

from datetime import date

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.forms import search_args
from ..core.page_cache import cached_page, kept_html, shared_fragment
from ..core.pagination import paginate_with_kept_count
from ..core.security import admin_required, public
from ..extensions import db
from . import bp, services
from .exports import contact_vcard, organisations_csv
from .forms import CounterpartForm, DirectoryForm, OrganisationForm, PolicyFieldForm
from .models import Country, Organisation, OrganisationKind, PolicyField, fold

PER_PAGE = 20
COUNTERPARTS_SHOWN = 10


def _is_admin() -> bool:
    return bool(current_user.is_authenticated and current_user.is_admin)


def _load_organisation(organisation_id: int) -> Organisation:
    """404 for an unknown organisation, and for an inactive one unless the viewer may edit it."""
    organisation = db.get_or_404(Organisation, organisation_id)
    if not organisation.is_active and not organisation.can_be_edited_by(current_user):
        abort(404)
    return organisation


def _directory_form() -> tuple[DirectoryForm, list[PolicyField], bool]:
    """The directory's search form filled from the URL; False when a value is not valid."""
    policy_fields = services.all_policy_fields()
    form = DirectoryForm(formdata=search_args())
    form.set_choices(policy_fields, services.city_choices(include_inactive=_is_admin()))
    return form, policy_fields, form.validate()


def _criteria(form: DirectoryForm, policy_fields: list[PolicyField]) -> services.DirectoryFilter:
    by_slug = {f.slug: f for f in policy_fields}
    return services.DirectoryFilter(
        query=form.q.data or "",
        country=Country(form.country.data) if form.country.data else None,
        kind=OrganisationKind(form.kind.data) if form.kind.data else None,
        policy_field=by_slug.get(form.field.data or ""),
        city=form.city.data or "",
        sort=form.sort.data or "name",
        include_inactive=_is_admin(),
    )


def _directory() -> tuple[str, int]:
    """The search form and a page of results (HTML) and the page's status."""
    form, policy_fields, valid = _directory_form()
    if not valid:
        return render_template("partners/_directory.html", form=form, page=None), 400
    criteria = _criteria(form, policy_fields)
    page = paginate_with_kept_count(
        services.directory_statement(criteria),
        count_key=f"partners:{criteria.count_key}",
        page=form.page.data or 1,
        per_page=PER_PAGE,
    )
    html = render_template("partners/_directory.html", form=form, page=page, criteria=criteria)
    return html, 200


def _directory_page(directory: tuple[str, int]):
    html, status = directory
    return render_template("partners/index.html", directory=kept_html(html)), status


@bp.get("/")
@public
@cached_page
def index():
    # The same for everyone of one role (inactive organisations show to the project manager
    # only) with the same URL and language; kept until the next change.
    return _directory_page(
        shared_fragment("partners:directory", (_is_admin(), request.full_path), _directory)
    )


@bp.get("/export.csv")
@public
def export_csv():
    form, policy_fields, valid = _directory_form()
    if not valid:
        return _directory_page(_directory())
    organisations = db.session.scalars(services.directory_statement(_criteria(form, policy_fields)))
    filename = _("partners") + f"-{date.today().isoformat()}.csv"
    return Response(
        organisations_csv(organisations),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/<int:organisation_id>")
@public
def show(organisation_id: int):
    organisation = db.one_or_404(
        sa.select(Organisation)
        .where(Organisation.id == organisation_id)
        .options(selectinload(Organisation.policy_fields))
    )
    if not organisation.is_active and not organisation.can_be_edited_by(current_user):
        abort(404)
    contacts = (
        services.contacts_of([organisation.id])[organisation.id]
        if current_user.is_authenticated
        else None
    )
    counterparts = services.counterparts_of(organisation, limit=COUNTERPARTS_SHOWN)
    return render_template(
        "partners/show.html",
        organisation=organisation,
        contacts=contacts,
        counterparts=counterparts,
        mine={f.id for f in organisation.policy_fields},
        can_edit=organisation.can_be_edited_by(current_user),
    )


@bp.get("/counterparts")
@public
def counterparts():
    """Choose a policy field (and optionally a city) → organisations across the border."""
    policy_fields = services.all_policy_fields()
    cities = services.cities_by_country()
    args = search_args()
    form = CounterpartForm(formdata=args or None)
    own = current_user.organisation if current_user.is_authenticated else None
    if not args and own is not None:
        form.side.data = own.country.value
    side = Country(form.side.data) if form.side.data in {c.value for c in Country} else None
    other_cities = cities[Country.DE if side == Country.NL else Country.NL] if side else []
    form.set_choices(
        policy_fields, other_cities or sorted({c for cs in cities.values() for c in cs}, key=fold)
    )
    results = contacts = field = None
    status = 200
    if args:
        if form.validate():
            if form.city.data and form.city.data not in other_cities:
                form.city.errors.append(
                    _(
                        "%(city)s is not across the border from %(country)s. Choose a city on the other side or leave the city empty.",
                        city=form.city.data,
                        country=side.title,
                    )
                )
                status = 400
            else:
                field = next(f for f in policy_fields if f.slug == form.field.data)
                results = db.paginate(
                    services.counterpart_statement(field, side, form.city.data or ""),
                    page=form.page.data or 1,
                    per_page=PER_PAGE,
                    error_out=True,
                )
                if current_user.is_authenticated:
                    contacts = services.contacts_of(o.id for o in results.items)
        else:
            status = 400
    return render_template(
        "partners/counterparts.html",
        form=form,
        results=results,
        contacts=contacts,
        policy_field=field,
        side=side,
    ), status


@bp.get("/<int:organisation_id>/contacts/<int:person_id>.vcf")
def contact_card(organisation_id: int, person_id: int):
    organisation = _load_organisation(organisation_id)
    person = db.get_or_404(User, person_id)
    if person.organisation_id != organisation.id or not person.is_active:
        abort(404)
    slug = services.slug_for(person.name) or "contact"
    return Response(
        contact_vcard(person, organisation),
        mimetype="text/vcard",
        headers={"Content-Disposition": f'attachment; filename="{slug}.vcf"'},
    )


# --- editing -------------------------------------------------------------------------------


def _fill_policy_field_choices(form: OrganisationForm) -> dict[int, PolicyField]:
    fields = services.all_policy_fields()
    form.policy_fields.choices = [(f.id, str(f.name)) for f in fields]
    return {f.id: f for f in fields}


def _organisation_values(form: OrganisationForm) -> dict:
    return {
        "name": form.name.data,
        "short_name": form.short_name.data or "",
        "kind": OrganisationKind(form.kind.data),
        "country": Country(form.country.data),
        "city": form.city.data,
        "address": form.address.data or "",
        "website": form.website.data or "",
        "email": form.email.data or "",
        "phone": form.phone.data or "",
        "description_nl": form.description_nl.data or "",
        "description_de": form.description_de.data or "",
        "description_en": form.description_en.data or "",
    }


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = OrganisationForm()
    fields = _fill_policy_field_choices(form)
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(
                current_user,
                policy_fields=[fields[i] for i in form.policy_fields.data or []],
                is_active=form.is_active.data,
                **_organisation_values(form),
            )
        except services.OrganisationNameTaken as error:
            form.name.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("%(name)s has been added.", name=organisation.name), "success")
            return redirect(url_for("partners.show", organisation_id=organisation.id))
    return render_template(
        "partners/edit.html", form=form, organisation=None
    ), 400 if form.is_submitted() else 200


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
def edit(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    if not organisation.can_be_edited_by(current_user):
        abort(403)
    form = OrganisationForm(obj=organisation)
    if not current_user.is_admin:
        del form.is_active
    fields = _fill_policy_field_choices(form)
    if request.method == "GET":
        form.kind.data = organisation.kind.value
        form.country.data = organisation.country.value
        form.policy_fields.data = [f.id for f in organisation.policy_fields]
    if form.validate_on_submit():
        try:
            changed = services.update_organisation(
                current_user,
                organisation,
                policy_fields=[fields[i] for i in form.policy_fields.data or []],
                is_active=form.is_active.data if "is_active" in form else None,
                **_organisation_values(form),
            )
        except services.OrganisationNameTaken as error:
            form.name.errors.append(str(error.message))
        else:
            db.session.commit()
            if changed:
                flash(
                    _("The changes to %(name)s have been saved.", name=organisation.name), "success"
                )
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("partners.show", organisation_id=organisation.id))
    return render_template(
        "partners/edit.html", form=form, organisation=organisation
    ), 400 if form.is_submitted() else 200


# --- policy fields -------------------------------------------------------------------------


@bp.get("/policy-fields")
@admin_required
def policy_fields():
    usage = dict(
        db.session.execute(
            sa.select(
                services.organisation_policy_fields.c.policy_field_id, sa.func.count()
            ).group_by(services.organisation_policy_fields.c.policy_field_id)
        ).all()
    )
    return render_template(
        "partners/policy_fields.html", fields=services.all_policy_fields(), usage=usage
    )


@bp.route("/policy-fields/new", methods=["GET", "POST"])
@admin_required
def create_policy_field():
    form = PolicyFieldForm()
    if form.validate_on_submit():
        try:
            field = services.create_policy_field(current_user, **_names(form))
        except services.PolicyFieldNameTaken as error:
            form.form_errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The policy field %(name)s has been added.", name=field.name), "success")
            return redirect(url_for("partners.policy_fields"))
    return render_template(
        "partners/policy_field_form.html", form=form, policy_field=None
    ), 400 if form.is_submitted() else 200


@bp.route("/policy-fields/<int:field_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_policy_field(field_id: int):
    field = db.get_or_404(PolicyField, field_id)
    form = PolicyFieldForm(obj=field)
    if form.validate_on_submit():
        try:
            services.update_policy_field(current_user, field, **_names(form))
        except services.PolicyFieldNameTaken as error:
            form.form_errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The policy field %(name)s has been saved.", name=field.name), "success")
            return redirect(url_for("partners.policy_fields"))
    return render_template(
        "partners/policy_field_form.html", form=form, policy_field=field
    ), 400 if form.is_submitted() else 200


@bp.post("/policy-fields/<int:field_id>/delete")
@admin_required
def delete_policy_field(field_id: int):
    field = db.get_or_404(PolicyField, field_id)
    name = str(field.name)
    try:
        services.delete_policy_field(current_user, field)
    except services.PolicyFieldInUse as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return policy_fields(), error.status_code
    db.session.commit()
    flash(_("The policy field %(name)s has been removed.", name=name), "success")
    return redirect(url_for("partners.policy_fields"))


def _names(form: PolicyFieldForm) -> dict[str, str]:
    return {
        "name_nl": form.name_nl.data,
        "name_de": form.name_de.data,
        "name_en": form.name_en.data or "",
    }
