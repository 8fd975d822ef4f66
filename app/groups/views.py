"""Working-group pages: thin handlers that load, authorise, validate, call a service and
commit once. A private group that the viewer may not see answers 404, as if it did not
exist; a visible group that the viewer may not manage answers 403."""

import io

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.page_cache import cached_page, kept_html, shared_fragment
from ..core.security import admin_required, public
from ..extensions import db
from ..partners.models import Organisation
from . import bp, filetypes, services
from .forms import (
    VOTING_VALUES,
    AddMemberForm,
    ChangeRoleForm,
    DeleteDocumentForm,
    DocumentForm,
    EndMembershipForm,
    GroupForm,
    NextPhaseForm,
    TermForm,
)
from .models import GroupDocument, GroupKind, Membership, Role, WorkingGroup

OWN_ORGANISATION = -1
NO_ORGANISATION = 0


def _visible_group(slug: str) -> WorkingGroup:
    group = db.one_or_404(sa.select(WorkingGroup).where(WorkingGroup.slug == slug))
    if not group.is_visible_to(current_user):
        abort(404)
    return group


def _managed_group(slug: str) -> WorkingGroup:
    group = _visible_group(slug)
    if not group.can_manage(current_user):
        abort(403)
    return group


def _membership_in(group: WorkingGroup, membership_id: int) -> Membership:
    membership = db.get_or_404(Membership, membership_id)
    if membership.group_id != group.id:
        abort(404)
    return membership


@bp.get("/")
@public
@cached_page
def index():
    stmt = sa.select(WorkingGroup).order_by(WorkingGroup.id)
    if not (current_user.is_authenticated and current_user.is_admin):
        visible = WorkingGroup.is_public.is_(True)
        if current_user.is_authenticated:
            member_of = sa.select(Membership.group_id).where(
                Membership.user_id == current_user.id, Membership.left_on.is_(None)
            )
            visible = sa.or_(visible, WorkingGroup.id.in_(member_of))
        stmt = stmt.where(visible)
    groups = db.session.scalars(stmt).all()
    counts = dict(
        db.session.execute(
            sa.select(Membership.group_id, sa.func.count())
            .where(Membership.left_on.is_(None))
            .group_by(Membership.group_id)
        ).all()
    )
    by_kind = {kind: [g for g in groups if g.kind == kind] for kind in GroupKind}
    return render_template("groups/index.html", by_kind=by_kind, counts=counts)


def _render_group_form(form: GroupForm, group: WorkingGroup | None = None, status=200):
    return render_template("groups/form.html", form=form, group=group), status


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = GroupForm()
    if not form.is_submitted():
        return _render_group_form(form)
    if not form.validate():
        return _render_group_form(form, status=400)
    try:
        group = services.create_group(current_user, **form.group_fields())
    except services.GroupError as error:
        db.session.rollback()
        form.form_errors.append(str(error.message))
        return _render_group_form(form, status=error.status_code)
    db.session.commit()
    flash(_("The group “%(name)s” has been created.", name=str(group.name)), "success")
    return redirect(url_for("groups.show", slug=group.slug))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@admin_required
def edit(slug: str):
    group = db.one_or_404(sa.select(WorkingGroup).where(WorkingGroup.slug == slug))
    form = GroupForm(obj=group)
    if not form.is_submitted():
        form.kind.data = group.kind.name
        return _render_group_form(form, group)
    if not form.validate():
        return _render_group_form(form, group, 400)
    try:
        services.update_group(current_user, group, **form.group_fields())
    except services.GroupError as error:
        db.session.rollback()
        form.form_errors.append(str(error.message))
        group = db.one_or_404(sa.select(WorkingGroup).where(WorkingGroup.slug == slug))
        return _render_group_form(form, group, error.status_code)
    db.session.commit()
    flash(_("The group “%(name)s” has been saved.", name=str(group.name)), "success")
    return redirect(url_for("groups.show", slug=group.slug))


@bp.get("/mine")
def my_groups():
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(Membership.user_id == current_user.id)
        .options(selectinload(Membership.group), selectinload(Membership.organisation))
        .order_by(Membership.left_on.is_not(None), Membership.joined_on.desc(), Membership.id)
    ).all()
    return render_template(
        "groups/mine.html",
        current=[m for m in memberships if m.is_active],
        former=[m for m in memberships if not m.is_active],
    )


def _member_list(group: WorkingGroup) -> tuple[str, int]:
    """The member list (HTML) and the number of current members."""
    memberships = services.member_entries(group)
    html = render_template(
        "groups/_members.html",
        sections=services.members_by_country(memberships),
        former=services.former_members(memberships),
        leaders=services.leaders(memberships),
        role_titles={role: str(role.title) for role in Role},
    )
    return html, sum(1 for m in memberships if m.is_active)


def _overview(group: WorkingGroup) -> tuple[str, str]:
    """The group's purpose and facts, and its phase timeline (HTML)."""
    document_count = db.session.scalar(
        sa.select(sa.func.count()).where(GroupDocument.group_id == group.id)
    )
    return (
        render_template("groups/_purpose.html", group=group, document_count=document_count),
        render_template("groups/_timeline.html", steps=services.timeline(group)),
    )


def _render_group(group: WorkingGroup, phase_form: NextPhaseForm | None = None, status=200):
    # The parts that are the same for everyone who sees them are kept until the next change.
    purpose, timeline = shared_fragment("groups:overview", (group.id,), lambda: _overview(group))
    members, member_count = None, 0
    if group.can_see_members(current_user):
        html, member_count = shared_fragment(
            "groups:members", (group.id,), lambda: _member_list(group)
        )
        members = kept_html(html)
    can_manage, can_move = group.page_rights_of(current_user)
    return render_template(
        "groups/show.html",
        group=group,
        purpose=kept_html(purpose),
        timeline=kept_html(timeline),
        members=members,
        member_count=member_count,
        can_manage=can_manage,
        phase_form=(phase_form or NextPhaseForm()) if can_move and not group.is_closed else None,
    ), status


@bp.get("/<slug>")
@public
def show(slug: str):
    return _render_group(_visible_group(slug))


@bp.post("/<slug>/phase")
def next_phase(slug: str):
    group = _visible_group(slug)
    if not group.can_move_phase(current_user):
        abort(403)
    if group.is_closed:  # no form to correct: the page says why nothing moves
        raise services.NoNextPhase()
    form = NextPhaseForm()
    if not form.validate_on_submit():
        return _render_group(group, form, 400)
    if form.confirmed.data != "yes" and group.phase.next is not None:
        # Moving on cannot be undone: a confirmation step first (works without JavaScript).
        form.confirmed.data = "yes"
        return render_template("groups/confirm_phase.html", group=group, form=form)
    try:
        entry = services.move_to_next_phase(current_user, group, form.note.data or "")
    except services.GroupError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _render_group(_visible_group(slug), status=error.status_code)
    db.session.commit()
    flash(_("The group is now in the phase “%(phase)s”.", phase=entry.phase.title), "success")
    return redirect(url_for("groups.show", slug=group.slug))


def _add_member_form() -> AddMemberForm:
    form = AddMemberForm()
    people = db.session.scalars(
        sa.select(User)
        .where(User.is_active.is_(True))
        .options(selectinload(User.organisation))
        .order_by(sa.func.lower(User.name), User.id)
    ).all()
    form.person.choices = [
        (0, _("Choose a person")),
        *[
            (p.id, f"{p.name} ({p.organisation.name})" if p.organisation else p.name)
            for p in people
        ],
    ]
    organisations = db.session.scalars(
        sa.select(Organisation).order_by(Organisation.country, sa.func.lower(Organisation.name))
    ).all()
    form.organisation.choices = [
        (OWN_ORGANISATION, _("Their own organisation")),
        (NO_ORGANISATION, _("No organisation (external moderator, guest)")),
        *[(o.id, f"{o.name} ({o.country.value})") for o in organisations],
    ]
    if not form.is_submitted():
        form.organisation.data = OWN_ORGANISATION
    return form


def _change_forms(memberships: list[Membership]) -> dict[int, ChangeRoleForm]:
    forms = {}
    for membership in memberships:
        if membership.is_active:
            form = ChangeRoleForm(prefix=f"m{membership.id}", formdata=None)
            form.role.data = membership.role.name
            form.voting.data = "yes" if membership.is_voting else "no"
            forms[membership.id] = form
    return forms


def _render_manage(group: WorkingGroup, add_form: AddMemberForm | None = None, status=200):
    memberships = services.memberships_of(group)
    return render_template(
        "groups/manage.html",
        group=group,
        add_form=add_form or _add_member_form(),
        active=sorted(
            (m for m in memberships if m.is_active),
            key=lambda m: (services.ROLE_ORDER.index(m.role), m.user.name.lower()),
        ),
        former=services.former_members(memberships),
        change_forms=_change_forms(memberships),
        term_forms={
            m.id: TermForm(prefix=f"t{m.id}", formdata=None, term_ends_on=m.term_ends_on)
            for m in memberships
            if m.is_active
        },
        end_form=EndMembershipForm(),
    ), status


@bp.get("/<slug>/manage")
def manage(slug: str):
    return _render_manage(_managed_group(slug))


@bp.post("/<slug>/members")
def add_member(slug: str):
    group = _managed_group(slug)
    form = _add_member_form()
    if not form.validate_on_submit():
        return _render_manage(group, form, 400)
    person = db.session.get(User, form.person.data)
    if form.organisation.data == OWN_ORGANISATION:
        organisation = person.organisation
    elif form.organisation.data == NO_ORGANISATION:
        organisation = None
    else:
        organisation = db.session.get(Organisation, form.organisation.data)
    try:
        membership = services.add_member(
            current_user,
            group,
            person,
            role=Role[form.role.data],
            organisation=organisation,
            is_voting=VOTING_VALUES[form.voting.data],
            term_ends_on=form.term_ends_on.data,
        )
    except services.GroupError as error:
        db.session.rollback()
        form.form_errors.append(str(error.message))
        return _render_manage(_managed_group(slug), form, error.status_code)
    db.session.commit()
    flash(
        _(
            "%(name)s has joined the group as %(role)s.",
            name=person.name,
            role=membership.role.title,
        ),
        "success",
    )
    return redirect(url_for("groups.manage", slug=group.slug))


def _membership_action(slug: str, membership_id: int, action, message: str, form):
    group = _managed_group(slug)
    membership = _membership_in(group, membership_id)
    if not form.validate_on_submit():
        flash(_("The change could not be saved. Please check what you chose."), "danger")
        return _render_manage(group, status=400)
    try:
        action(membership)
    except services.GroupError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
        return _render_manage(_managed_group(slug), status=error.status_code)
    db.session.commit()
    flash(message % {"name": membership.user.name}, "success")
    return redirect(url_for("groups.manage", slug=group.slug))


@bp.post("/<slug>/members/<int:membership_id>")
def change_role(slug: str, membership_id: int):
    form = ChangeRoleForm(prefix=f"m{membership_id}")
    return _membership_action(
        slug,
        membership_id,
        lambda m: services.change_role(
            current_user, m, Role[form.role.data], VOTING_VALUES[form.voting.data]
        ),
        _("The role of %(name)s has been changed."),
        form,
    )


@bp.post("/<slug>/members/<int:membership_id>/term")
def set_term(slug: str, membership_id: int):
    form = TermForm(prefix=f"t{membership_id}")
    return _membership_action(
        slug,
        membership_id,
        lambda m: services.set_term_end(current_user, m, form.term_ends_on.data),
        _("The term of %(name)s has been saved."),
        form,
    )


@bp.post("/<slug>/members/<int:membership_id>/end")
def end_membership(slug: str, membership_id: int):
    return _membership_action(
        slug,
        membership_id,
        lambda m: services.end_membership(current_user, m),
        _("The membership of %(name)s has ended; they remain listed as a former member."),
        EndMembershipForm(),
    )


def _render_documents(group: WorkingGroup, form: DocumentForm | None = None, status=200):
    documents = db.session.scalars(
        sa.select(GroupDocument)
        .where(GroupDocument.group_id == group.id)
        .options(selectinload(GroupDocument.uploaded_by))
        .order_by(GroupDocument.uploaded_at.desc(), GroupDocument.id.desc())
    ).all()
    can_upload = group.can_upload(current_user)
    return render_template(
        "groups/documents.html",
        group=group,
        documents=documents,
        form=(form or DocumentForm()) if can_upload else None,
        deletable=services.deletable_documents(current_user, group, documents),
        allowed_extensions=filetypes.ALLOWED_EXTENSIONS,
        max_size=services.size_label(services.max_document_bytes()),
        size_label=services.size_label,
    ), status


@bp.get("/<slug>/documents")
@public
def documents(slug: str):
    return _render_documents(_visible_group(slug))


@bp.post("/<slug>/documents")
def upload_document(slug: str):
    group = _visible_group(slug)
    if not group.can_upload(current_user):
        abort(403)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _render_documents(group, form, 400)
    upload = form.file.data
    try:
        document = services.store_document(
            current_user,
            group,
            title=form.title.data,
            language=form.language.data,
            filename=upload.filename or "",
            stream=upload.stream,
        )
    except services.GroupError as error:
        db.session.rollback()
        form.file.errors.append(str(error.message))
        return _render_documents(_visible_group(slug), form, error.status_code)
    db.session.commit()
    flash(_("The document “%(title)s” has been added.", title=document.title), "success")
    return redirect(url_for("groups.documents", slug=group.slug))


@bp.post("/<slug>/documents/<int:document_id>/delete")
def delete_document(slug: str, document_id: int):
    group = _visible_group(slug)
    document = db.get_or_404(GroupDocument, document_id)
    if document.group_id != group.id:
        abort(404)
    if not DeleteDocumentForm().validate_on_submit():
        abort(400)
    title = document.title
    try:
        services.delete_document(current_user, document)
    except services.GroupError as error:
        db.session.rollback()
        abort(error.status_code)
    db.session.commit()
    flash(_("The document “%(title)s” has been deleted.", title=title), "success")
    return redirect(url_for("groups.documents", slug=group.slug))


@bp.get("/<slug>/documents/<int:document_id>")
@public
def download_document(slug: str, document_id: int):
    group = _visible_group(slug)
    document = db.get_or_404(GroupDocument, document_id)
    if document.group_id != group.id:
        abort(404)
    return document_response(document, private=not group.is_public)


def document_response(document, *, private: bool):
    """Hands out a stored group or meeting document as a download; 404 if the file is gone."""
    path = services.document_path(document)
    if not path.is_file():
        abort(404)
    # Read whole (documents are size-limited) so no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return response
