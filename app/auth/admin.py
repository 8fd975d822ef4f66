"""The project manager's people pages: list and search, invite, deactivate."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..core.database import purge_deleted_data
from ..core.errors import DomainError
from ..core.pagination import paginate
from ..core.security import admin_required
from ..extensions import db
from . import services, two_factor
from .forms import InviteForm
from .models import User

bp = Blueprint("admin", __name__, url_prefix="/admin")

STATUS_FILTERS = {
    "active": User.is_active.is_(True),
    "inactive": User.is_active.is_(False),
    "invited": User.password_hash.is_(None),
}


@bp.get("/users")
@admin_required
def users():
    """All accounts, searchable by name or e-mail and filterable by status."""
    query = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status") or ""
    stmt = (
        sa.select(User)
        .options(selectinload(User.organisation))
        .order_by(sa.func.lower(User.name), User.id)
    )
    if query:
        pattern = f"%{query.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(pattern), User.email.like(pattern)))
    if status in STATUS_FILTERS:
        stmt = stmt.where(STATUS_FILTERS[status])
    page = paginate(stmt, per_page=current_app.config["USERS_PER_PAGE"])
    return render_template("admin/users.html", page=page, query=query, status=status)


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_required
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = services.invite_user(
                current_user,
                form.email.data,
                form.name.data,
                function=form.function.data or "",
                locale=form.locale.data,
                is_admin=form.is_admin.data,
            )
        except services.EmailTaken as error:
            form.email.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("An invitation has been sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form), 400 if form.is_submitted() else 200


def _user_action(user_id: int, action, message: str):
    user = db.get_or_404(User, user_id)
    try:
        action(current_user, user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return users(), error.status_code
    db.session.commit()
    flash(message % {"name": user.name}, "success")
    return redirect(
        request.form.get("back") if _is_local(request.form.get("back")) else url_for("admin.users")
    )


def _is_local(target: str | None) -> bool:
    return bool(target) and target.startswith("/admin/users") and "//" not in target


@bp.post("/users/<int:user_id>/deactivate")
@admin_required
def deactivate(user_id: int):
    return _user_action(user_id, services.deactivate_user, _("%(name)s can no longer sign in."))


@bp.post("/users/<int:user_id>/reactivate")
@admin_required
def reactivate(user_id: int):
    return _user_action(user_id, services.reactivate_user, _("%(name)s can sign in again."))


@bp.post("/users/<int:user_id>/resend-invitation")
@admin_required
def resend_invitation(user_id: int):
    return _user_action(
        user_id, services.send_invitation, _("The invitation to %(name)s has been sent again.")
    )


@bp.post("/users/<int:user_id>/reset-two-factor")
@admin_required
def reset_two_factor(user_id: int):
    """For someone who lost their authenticator app and recovery codes (audited)."""
    return _user_action(
        user_id,
        two_factor.reset_two_factor,
        _("The second factor of %(name)s has been removed; they can set up a new one."),
    )


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@admin_required
def erase_user(user_id: int):
    """Erasing a person's data, after a confirmation page (GDPR art. 17)."""
    from ..reports import personal_data

    person = db.get_or_404(User, user_id)
    return _erase(
        person, personal_data.erase_person, person.name, person.email, "admin.users", "person"
    )


@bp.route("/subscribers/<int:subscriber_id>/erase", methods=["GET", "POST"])
@admin_required
def erase_subscriber(subscriber_id: int):
    from ..newsletter.models import Subscriber
    from ..reports import personal_data

    subscriber = db.get_or_404(Subscriber, subscriber_id)
    return _erase(
        subscriber,
        personal_data.erase_subscriber,
        subscriber.name,
        subscriber.email,
        "newsletter.subscribers",
        "subscriber",
    )


def _erase(target, erase, name: str, email: str, back: str, kind: str):
    """The confirmation page (its explanation fits a person's account or a subscription)
    and the erasure; afterwards no copy of the old data stays in the database files."""
    context = {"name": name, "email": email, "back": back, "kind": kind}
    if request.method == "POST":
        try:
            erase(current_user, target)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "danger")
            page = render_template("admin/erase.html", **context)
            return page, error.status_code
        db.session.commit()
        purge_deleted_data()  # before anything reads again (a reader would hold old pages)
        flash(_("The personal data of %(email)s has been erased.", email=email), "success")
        return redirect(url_for(back))
    return render_template("admin/erase.html", **context)


@bp.route("/users/<int:user_id>/organisation", methods=["GET", "POST"])
@admin_required
def edit_organisation(user_id: int):
    """Which organisation a person works for, their function, and whether they lead it or
    edit its profile in the partner directory."""
    from ..partners import services as partner_services
    from ..partners.forms import AssignPersonForm
    from ..partners.models import Organisation

    person = db.get_or_404(User, user_id)
    organisations = db.session.scalars(
        sa.select(Organisation).order_by(sa.func.lower(Organisation.name))
    ).all()
    form = AssignPersonForm(obj=person)
    form.set_choices(organisations)
    if request.method == "GET":
        form.organisation.data = person.organisation_id or 0
    if form.validate_on_submit():
        organisation = next((o for o in organisations if o.id == form.organisation.data), None)
        partner_services.assign_person(
            current_user,
            person,
            organisation,
            function=form.function.data or "",
            is_leader=form.is_organisation_leader.data,
            is_editor=form.is_organisation_editor.data,
        )
        db.session.commit()
        flash(_("The organisation of %(name)s has been saved.", name=person.name), "success")
        return redirect(url_for("admin.users"))
    return render_template(
        "admin/edit_organisation.html", form=form, person=person
    ), 400 if form.is_submitted() else 200
