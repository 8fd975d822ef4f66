"""Meeting pages: thin handlers that load, authorise, validate, call a service and commit
once. A meeting the viewer may not see answers 404; one they may not manage answers 403."""

import calendar as month_calendar
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from ..auth.models import User
from ..core.errors import DomainError
from ..core.i18n import use_recipient_language
from ..core.page_cache import kept_html, shared_fragment
from ..core.pagination import paginate, paginate_with_kept_count
from ..core.security import public
from ..core.urls import external_url
from ..extensions import db
from ..groups.forms import DeleteDocumentForm, DocumentForm
from ..groups.models import WorkingGroup
from ..groups.services import deletable_documents, max_document_bytes, size_label
from . import bp, services
from .forms import (
    ATTENDANCE_CHOICES,
    PROJECT_WIDE,
    ActionItemForm,
    AgendaItemForm,
    CancelForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    MoveForm,
    RsvpForm,
    SeriesForm,
)
from .models import (
    COACHING_DAYS_PER_CITY,
    LOCAL_ZONE,
    ActionItem,
    AgendaItem,
    Attendance,
    Invitation,
    Meeting,
    MeetingDocument,
    MeetingKind,
    MinutesStatus,
    Response,
)


def _visible_meeting(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not meeting.is_visible_to(current_user):
        abort(404)
    return meeting


def _managed_meeting(meeting_id: int) -> Meeting:
    meeting = _visible_meeting(meeting_id)
    if not meeting.can_manage(current_user):
        abort(403)
    return meeting


def _lang() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "nl")


def _meeting_list(viewer: str | int, when: str, kind: str, group_slug: str) -> str:
    """The filters and a page of the meetings the viewer may see (HTML); aborts with 404 for
    a group they may not see. `viewer` names whose view it is ("all" for the project
    manager), for the kept count."""
    stmt = (
        sa.select(Meeting)
        .where(services.visible_meetings_filter(current_user))
        .options(selectinload(Meeting.group))
    )
    now = datetime.now(LOCAL_ZONE)
    if when == "upcoming":
        stmt = stmt.where(Meeting.end_at > now).order_by(Meeting.start_at, Meeting.id)
    else:
        stmt = stmt.where(Meeting.end_at <= now).order_by(Meeting.start_at.desc(), Meeting.id)
    if kind:
        stmt = stmt.where(Meeting.kind == MeetingKind[kind])
    groups = db.session.scalars(sa.select(WorkingGroup).order_by(WorkingGroup.name_nl)).all()
    groups = [g for g in groups if g.is_visible_to(current_user)]
    if group_slug:
        chosen = next((g for g in groups if g.slug == group_slug), None)
        if chosen is None:
            abort(404)
        stmt = stmt.where(Meeting.group_id == chosen.id)
    page = paginate_with_kept_count(
        stmt, count_key=f"meetings:{viewer}:{when}:{kind}:{group_slug}", per_page=20
    )
    return render_template(
        "meetings/_list.html",
        page=page,
        when=when,
        kind=kind,
        group_slug=group_slug,
        groups=groups,
        kinds=list(MeetingKind),
    )


@bp.get("/")
def index():
    when = request.args.get("when", "upcoming")
    if when not in ("upcoming", "past"):
        abort(400)
    kind = request.args.get("kind") or ""
    if kind and kind not in MeetingKind.__members__:
        abort(400)
    group_slug = request.args.get("group") or ""
    # The project manager sees every meeting, so all project managers share the list;
    # anyone else sees their own (invitations count), so theirs is kept for them alone.
    viewer = "all" if current_user.is_admin else current_user.id
    listing = shared_fragment(
        "meetings:index",
        (viewer, request.full_path),
        lambda: _meeting_list(viewer, when, kind, group_slug),
    )
    return render_template(
        "meetings/index.html",
        listing=kept_html(listing),
        when=when,
        kind=kind,
        group_slug=group_slug,
        can_plan=services.can_plan(current_user),
    )


MY_MEETINGS_PER_PAGE = 25


@bp.get("/mine")
def mine():
    """Upcoming meetings in full; past ones a page at a time (a long-standing member has
    hundreds)."""
    now = datetime.now(LOCAL_ZONE)
    mine_ = (
        sa.select(Invitation)
        .join(Meeting)
        .where(Invitation.user_id == current_user.id)
        .options(selectinload(Invitation.meeting).selectinload(Meeting.group))
    )
    upcoming = db.session.scalars(
        mine_.where(Meeting.end_at > now).order_by(Meeting.start_at, Meeting.id)
    ).all()
    past = paginate(
        mine_.where(Meeting.end_at <= now).order_by(Meeting.start_at.desc(), Meeting.id),
        MY_MEETINGS_PER_PAGE,
    )
    return render_template("meetings/mine.html", upcoming=upcoming, past=past)


@bp.get("/calendar")
def month():
    today = datetime.now(LOCAL_ZONE).date()
    try:
        year, month_number = (
            int(x) for x in request.args.get("month", f"{today:%Y-%m}").split("-")
        )
        first = date(year, month_number, 1)
    except ValueError:
        abort(400)
    if not 1990 <= first.year <= 2100:
        abort(400)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start = datetime.combine(weeks[0][0], datetime.min.time(), LOCAL_ZONE)
    end = datetime.combine(weeks[-1][-1] + timedelta(days=1), datetime.min.time(), LOCAL_ZONE)
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(services.visible_meetings_filter(current_user))
        .where(Meeting.start_at < end, Meeting.end_at > start)
        .order_by(Meeting.start_at)
    ).all()
    by_day: dict[date, list[Meeting]] = {}
    for meeting in meetings:
        day = meeting.start_local.date()
        while day <= meeting.end_local.date():
            by_day.setdefault(day, []).append(meeting)
            day += timedelta(days=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render_template(
        "meetings/month.html",
        first=first,
        weeks=weeks,
        by_day=by_day,
        today=today,
        previous=previous,
        following=following,
    )


def _meeting_form(meeting: Meeting | None = None, form_class=MeetingForm) -> MeetingForm:
    form = form_class(obj=meeting) if meeting else form_class()
    groups = services.managed_groups(current_user)
    choices = [SelectChoice(g.id, str(g.name)) for g in groups]
    if current_user.is_admin:
        choices.insert(0, SelectChoice(PROJECT_WIDE, _("The whole project")))
    if meeting is not None and (meeting.group_id or PROJECT_WIDE) not in {c.value for c in choices}:
        label = str(meeting.group.name) if meeting.group else _("The whole project")
        choices.insert(0, SelectChoice(meeting.group_id or PROJECT_WIDE, label))
    form.group.choices = choices
    people = db.session.scalars(
        sa.select(User).where(User.is_active.is_(True)).order_by(User.name)
    ).all()
    form.extra_invitees.choices = [SelectChoice(p.id, p.name) for p in people]
    if meeting is not None and request.method == "GET":
        form.kind.data = meeting.kind.name
        form.group.data = meeting.group_id or PROJECT_WIDE
        form.start.data = meeting.start_local.replace(tzinfo=None)
        form.end.data = meeting.end_local.replace(tzinfo=None)
    elif meeting is None and request.method == "GET":
        slug = request.args.get("group")
        wanted = next((g for g in groups if g.slug == slug), None)
        if wanted is not None:
            form.group.data = wanted.id
    return form


def _details(form: MeetingForm, series: bool = False) -> services.MeetingDetails:
    """The form's details; a series form has no times of its own (each row brings them)."""
    placeholder = datetime.now(LOCAL_ZONE)
    return services.MeetingDetails(
        kind=MeetingKind[form.kind.data],
        start_at=placeholder if series else services.to_utc(form.start.data, form.zone.data),
        end_at=placeholder if series else services.to_utc(form.end.data, form.zone.data),
        title_nl=form.title_nl.data or "",
        title_de=form.title_de.data or "",
        title_en=form.title_en.data or "",
        description_nl=form.description_nl.data or "",
        description_de=form.description_de.data or "",
        description_en=form.description_en.data or "",
        venue=form.venue.data or "",
        address=form.address.data or "",
        city=form.city.data or "",
        country=form.country.data or "",
        online_url=form.online_url.data or "",
    )


def _group_and_extra_invitees(form: MeetingForm) -> tuple[WorkingGroup | None, list[User]]:
    group = db.session.get(WorkingGroup, form.group.data) if form.group.data else None
    extra = db.session.scalars(
        sa.select(User).where(User.id.in_(form.extra_invitees.data or []))
    ).all()
    return group, list(extra)


def _holiday_warning(form: MeetingForm) -> list:
    """Public holidays on the chosen days; saving needs the confirm box ticked."""
    if form.start.data is None or form.end.data is None:
        return []
    return services.public_holidays(form.start.data.date(), form.end.data.date(), _lang())


@bp.route("/new", methods=["GET", "POST"])
def create():
    if not services.can_plan(current_user):
        abort(403)
    form = _meeting_form()
    holidays_found = []
    if form.validate_on_submit():
        holidays_found = _holiday_warning(form)
        if holidays_found and not form.confirm_holiday.data:
            form.confirm_holiday.errors.append(
                _("This date is a public holiday. Tick the box to plan it anyway.")
            )
        else:
            group, extra = _group_and_extra_invitees(form)
            try:
                meeting = services.create_meeting(
                    current_user, group, _details(form), extra_invitees=extra
                )
            except services.MeetingError as error:
                db.session.rollback()
                form.form_errors.append(str(error.message))
            else:
                db.session.commit()
                flash(
                    _(
                        "The meeting has been planned and %(num)s invitations are on their way.",
                        num=len(meeting.invitations),
                    ),
                    "success",
                )
                return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template(
        "meetings/form.html", form=form, meeting=None, holidays=holidays_found
    ), 400 if form.is_submitted() else 200


def _series_rows(form: SeriesForm) -> list[services.SeriesDate]:
    return [
        services.SeriesDate(
            number, entry.form.day.data, entry.form.starts.data, entry.form.ends.data
        )
        for number, entry in enumerate(form.dates, start=1)
        if not entry.form.is_empty
    ]


def _series_holidays(rows: list[services.SeriesDate]) -> list[tuple]:
    """(row number, date, country, name) for every row that falls on a public holiday."""
    return [
        (row.number, day, country, name)
        for row in rows
        if row.day is not None
        for day, country, name in services.public_holidays(row.day, lang=_lang())
    ]


@bp.route("/series/new", methods=["GET", "POST"])
def plan_series():
    """Several meetings alike at once (a city's coaching days), each on its own date."""
    if not services.can_plan(current_user):
        abort(403)
    form = _meeting_form(form_class=SeriesForm)
    holidays_found = []
    if form.validate_on_submit():
        rows = _series_rows(form)
        holidays_found = _series_holidays(rows)
        if holidays_found and not form.confirm_holiday.data:
            form.confirm_holiday.errors.append(
                _("A date is a public holiday. Tick the box to plan the series anyway.")
            )
        else:
            group, extra = _group_and_extra_invitees(form)
            try:
                meetings = services.plan_series(
                    current_user,
                    group,
                    _details(form, series=True),
                    rows,
                    zone_name=form.zone.data,
                    extra_invitees=extra,
                )
            except services.MeetingError as error:
                db.session.rollback()
                form.form_errors.append(str(error.message))
            else:
                db.session.commit()
                flash(
                    ngettext(
                        "%(num)s meeting has been planned and the invitations are on their way.",
                        "%(num)s meetings have been planned and the invitations are on their way.",
                        len(meetings),
                    ),
                    "success",
                )
                return redirect(url_for("meetings.index"))
    return render_template(
        "meetings/series.html", form=form, holidays=holidays_found
    ), 400 if form.is_submitted() else 200


@bp.get("/coaching-days")
def coaching_days():
    """Per city, how many of the four planned coaching days are held and scheduled."""
    return render_template(
        "meetings/coaching_days.html",
        progress=services.coaching_progress(current_user),
        planned=COACHING_DAYS_PER_CITY,
    )


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    if meeting.is_cancelled:
        abort(409)
    form = _meeting_form(meeting)
    del form.extra_invitees
    holidays_found = []
    if form.validate_on_submit():
        holidays_found = _holiday_warning(form)
        if holidays_found and not form.confirm_holiday.data:
            form.confirm_holiday.errors.append(
                _("This date is a public holiday. Tick the box to plan it anyway.")
            )
        else:
            try:
                notified = services.update_meeting(current_user, meeting, _details(form))
            except services.MeetingError as error:
                db.session.rollback()
                form.form_errors.append(str(error.message))
            else:
                db.session.commit()
                flash(
                    _("The meeting has been changed and the invitees have been told.")
                    if notified
                    else _("The meeting has been saved."),
                    "success",
                )
                return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template(
        "meetings/form.html", form=form, meeting=meeting, holidays=holidays_found
    ), 400 if form.is_submitted() else 200


@bp.post("/<int:meeting_id>/cancel")
def cancel(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    services.cancel_meeting(current_user, meeting)
    db.session.commit()
    flash(_("The meeting has been cancelled and the invitees have been told."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


def _render_meeting(meeting: Meeting, status: int = 200, **forms):
    can_manage = meeting.can_manage(current_user)
    invitations = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.meeting_id == meeting.id)
        .options(selectinload(Invitation.user))
        .join(User)
        .order_by(User.name)
    ).all()
    mine = next((i for i in invitations if i.user_id == current_user.id), None)
    slots, overruns = services.agenda_with_times(meeting)
    counts = {r: sum(1 for i in invitations if i.response == r) for r in Response}
    invite_form = None
    if can_manage and not meeting.is_cancelled:
        invite_form = forms.get("invite_form") or InviteForm()
        invited_ids = {i.user_id for i in invitations}
        invite_form.person.choices = [
            SelectChoice(p.id, p.name)
            for p in db.session.scalars(
                sa.select(User).where(User.is_active.is_(True)).order_by(User.name)
            )
            if p.id not in invited_ids
        ]
    action_form = None
    if can_manage:
        action_form = forms.get("action_form") or ActionItemForm()
        action_form.owner.choices = [SelectChoice(0, _("Nobody yet"))] + [
            SelectChoice(i.user_id, i.user.name) for i in invitations
        ]
    agenda_form = forms.get("agenda_form") or AgendaItemForm()
    proposals = services.linkable_proposals(meeting) if can_manage else []
    agenda_form.proposal.choices = [SelectChoice(0, _("No proposal"))] + [
        SelectChoice(p.id, p.title) for p in proposals
    ]
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        carried=services.carried_action_items(meeting),
        today=services.local_today(),
        document_form=(forms.get("document_form") or DocumentForm(prefix="document"))
        if can_manage
        else None,
        max_size=size_label(max_document_bytes()),
        size_label=size_label,
        deletable_documents=deletable_documents(current_user, meeting.group, meeting.documents)
        if meeting.documents
        else set(),
        invitations=invitations,
        mine=mine,
        can_manage=can_manage,
        counts=counts,
        slots=slots,
        overruns=overruns,
        rsvp_form=RsvpForm(),
        cancel_form=CancelForm(),
        move_form=MoveForm(),
        agenda_form=agenda_form,
        minutes_form=forms.get("minutes_form") or MinutesForm(minutes=meeting.minutes),
        invite_form=invite_form,
        action_form=action_form,
        attendance_choices=ATTENDANCE_CHOICES,
        MinutesStatus=MinutesStatus,
        Response=Response,
    ), status


@bp.get("/<int:meeting_id>")
def show(meeting_id: int):
    return _render_meeting(_visible_meeting(meeting_id))


@bp.get("/<int:meeting_id>.ics")
def ics(meeting_id: int):
    from ..calendar.ical import meeting_bytes
    from ..calendar.views import calendar_response

    meeting = _visible_meeting(meeting_id)
    body = meeting_bytes(
        meeting,
        lang=_lang(),
        url=external_url("meetings.show", meeting_id=meeting.id),
    )
    return calendar_response(body, meeting.updated_at, filename=f"meeting-{meeting.id}.ics")


@bp.post("/<int:meeting_id>/respond")
def respond(meeting_id: int):
    meeting = _visible_meeting(meeting_id)
    invitation = meeting.invitation_of(current_user)
    if invitation is None:
        abort(403)
    form = RsvpForm()
    if not form.validate_on_submit():
        abort(400)
    services.respond(invitation, Response[form.answer.data])
    db.session.commit()
    flash(_("Your answer has been saved: %(answer)s.", answer=invitation.response.title), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/rsvp/<token>", methods=["GET", "POST"])
@public
def rsvp(token: str):
    """The answer link from the invitation mail: no sign-in needed. GET only shows the
    choice (mail scanners open links); the button posts it."""
    invitation = services.invitation_for_token(token)
    use_recipient_language(invitation.user.locale)
    meeting = invitation.meeting
    form = RsvpForm()
    if request.method == "GET":
        answer = request.args.get("answer")
        if answer in ("accepted", "tentative", "declined"):
            form.answer.data = answer
        elif invitation.has_answered:
            form.answer.data = invitation.response.name
    saved = False
    if form.validate_on_submit():
        services.respond(invitation, Response[form.answer.data])
        db.session.commit()
        saved = True
    status = 400 if form.is_submitted() and not saved else 200
    return render_template(
        "meetings/rsvp.html", form=form, invitation=invitation, meeting=meeting, saved=saved
    ), status


@bp.post("/<int:meeting_id>/invite")
def invite(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = InviteForm()
    form.person.choices = [
        SelectChoice(p.id, p.name)
        for p in db.session.scalars(sa.select(User).where(User.is_active.is_(True)))
    ]
    if not form.validate_on_submit():
        return _render_meeting(meeting, 400, invite_form=form)
    person = db.session.get(User, form.person.data)
    services.invite_people(current_user, meeting, [person])
    db.session.commit()
    flash(_("%(name)s has been invited.", name=person.name), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/agenda")
def add_agenda_item(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = AgendaItemForm()
    if not form.validate_on_submit():
        return _render_meeting(meeting, 400, agenda_form=form)
    services.add_agenda_item(
        current_user,
        meeting,
        form.title.data,
        form.presenter.data or "",
        form.duration.data,
        proposal_id=form.proposal.data or None,
    )
    db.session.commit()
    flash(_("The agenda item has been added."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="agenda"))


def _agenda_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    if item.meeting_id != meeting.id:
        abort(404)
    return item


@bp.post("/<int:meeting_id>/agenda/<int:item_id>/move")
def move_agenda_item(meeting_id: int, item_id: int):
    meeting = _managed_meeting(meeting_id)
    item = _agenda_item(meeting, item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    services.move_agenda_item(current_user, item, -1 if form.direction.data == "up" else 1)
    db.session.commit()
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="agenda"))


@bp.post("/<int:meeting_id>/agenda/<int:item_id>/delete")
def remove_agenda_item(meeting_id: int, item_id: int):
    meeting = _managed_meeting(meeting_id)
    item = _agenda_item(meeting, item_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    services.remove_agenda_item(current_user, item)
    db.session.commit()
    flash(_("The agenda item has been removed."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="agenda"))


@bp.post("/<int:meeting_id>/attendance")
def record_attendance(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    marks = {}
    for invitation in meeting.invitations:
        value = request.form.get(f"attendance-{invitation.id}", "")
        if value and value not in Attendance.__members__:
            abort(400)
        marks[invitation.id] = Attendance[value] if value else None
    services.record_attendance(current_user, meeting, marks)
    db.session.commit()
    flash(_("The attendance has been saved."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="attendance"))


@bp.post("/<int:meeting_id>/minutes")
def save_minutes(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = MinutesForm()
    if not form.validate_on_submit():
        return _render_meeting(meeting, 400, minutes_form=form)
    services.save_minutes(current_user, meeting, form.minutes.data or "")
    step = request.form.get("step", "save")
    if step == "circulate":
        services.circulate_minutes(current_user, meeting)
        message = _("The minutes have been circulated to the group for comments.")
    elif step == "approve":
        services.approve_minutes(current_user, meeting)
        message = _("The minutes have been approved.")
    else:
        message = _("The minutes have been saved.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="minutes-title"))


@bp.post("/<int:meeting_id>/actions")
def add_action_item(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = ActionItemForm()
    form.owner.choices = [SelectChoice(0, "")] + [
        SelectChoice(i.user_id, "") for i in meeting.invitations
    ]
    if not form.validate_on_submit():
        return _render_meeting(meeting, 400, action_form=form)
    owner = db.session.get(User, form.owner.data) if form.owner.data else None
    services.add_action_item(current_user, meeting, form.text.data, owner, form.due_on.data)
    db.session.commit()
    flash(_("The action has been added."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="actions"))


@bp.post("/<int:meeting_id>/actions/<int:action_id>/done")
def complete_action_item(meeting_id: int, action_id: int):
    meeting = _visible_meeting(meeting_id)
    item = db.get_or_404(ActionItem, action_id)
    if item.meeting_id != meeting.id:
        abort(404)
    if not CancelForm().validate_on_submit():
        abort(400)
    services.complete_action_item(current_user, item)
    db.session.commit()
    flash(_("The action has been marked as done."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="actions"))


@bp.post("/<int:meeting_id>/documents")
def upload_document(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = DocumentForm(prefix="document")
    if not form.validate_on_submit():
        return _render_meeting(meeting, 400, document_form=form)
    upload = form.file.data
    try:
        document = services.store_meeting_document(
            current_user,
            meeting,
            title=form.title.data,
            language=form.language.data,
            filename=upload.filename or "",
            stream=upload.stream,
        )
    except DomainError as error:
        db.session.rollback()
        form.file.errors.append(str(error.message))
        return _render_meeting(_managed_meeting(meeting_id), error.status_code, document_form=form)
    db.session.commit()
    flash(_("The document “%(title)s” has been added.", title=document.title), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="documents"))


@bp.post("/<int:meeting_id>/documents/<int:document_id>/delete")
def delete_document(meeting_id: int, document_id: int):
    meeting = _visible_meeting(meeting_id)
    document = db.get_or_404(MeetingDocument, document_id)
    if document.meeting_id != meeting.id:
        abort(404)
    if not DeleteDocumentForm().validate_on_submit():
        abort(400)
    title = document.title
    try:
        services.delete_meeting_document(current_user, document)
    except DomainError as error:
        db.session.rollback()
        abort(error.status_code)
    db.session.commit()
    flash(_("The document “%(title)s” has been deleted.", title=title), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="documents"))


@bp.get("/<int:meeting_id>/documents/<int:document_id>")
def download_document(meeting_id: int, document_id: int):
    from ..groups.views import document_response

    meeting = _visible_meeting(meeting_id)
    document = db.get_or_404(MeetingDocument, document_id)
    if document.meeting_id != meeting.id:
        abort(404)
    return document_response(document, private=True)


def _group_meetings(group: WorkingGroup, can_manage: bool) -> str:
    upcoming = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.group_id == group.id, Meeting.end_at > datetime.now(LOCAL_ZONE))
        .order_by(Meeting.start_at)
        .limit(5)
    ).all()
    actions = services.open_action_items(group) if current_user.is_authenticated else []
    return render_template(
        "meetings/_group_meetings.html",
        group=group,
        can_manage=can_manage,
        meeting_info={"upcoming": upcoming, "actions": actions},
    )


@bp.app_template_global()
def group_meetings_section(group: WorkingGroup, can_manage: bool) -> str:
    """For the group page: the next meetings and, for signed-in people, open actions; the
    same for everyone signed in (or not) who may or may not plan, so kept until a change."""
    key = (group.id, current_user.is_authenticated, bool(can_manage))
    return kept_html(
        shared_fragment("meetings:group", key, lambda: _group_meetings(group, bool(can_manage)))
    )
