"""The meetings' rules: who plans, changes and cancels a meeting, who is invited and how
they answer, the agenda, attendance, minutes and action items, and the calendar-feed token.

Every function takes the acting person explicitly, checks the rule, changes the session and
flushes; the view commits once. Invitation mails are queued in the same transaction (the
outbox worker sends them after the commit). A broken rule raises a MeetingError."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from ..auth.models import User
from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.urls import external_url
from ..extensions import db
from ..groups.models import Membership, WorkingGroup
from ..mail.services import build_message, queue_message, queue_template_mail, render_mail
from .models import (
    COACHING_DAYS_PER_CITY,
    LOCAL_ZONE,
    ActionItem,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Invitation,
    Meeting,
    MeetingDocument,
    MeetingKind,
    MeetingStatus,
    MinutesStatus,
    Response,
)

RSVP_SALT = "meeting-rsvp"
ALLOWED_ZONES = ("Europe/Berlin", "Europe/Amsterdam")


class MeetingError(DomainError):
    message = _l("This action is not allowed for this meeting.")


class NotAllowed(MeetingError):
    status_code = 403
    message = _l("You may not manage this meeting.")


class InvalidTimes(MeetingError):
    status_code = 400
    message = _l("The meeting must end after it starts.")


class UnknownTimeZone(MeetingError):
    status_code = 400
    message = _l("This time zone is not known.")


class NonexistentTime(MeetingError):
    status_code = 400
    message = _l("This local time does not exist: the clocks move forward that night.")


class MeetingCancelled(MeetingError):
    message = _l("This meeting has been cancelled.")


class InvalidRsvpLink(MeetingError):
    status_code = 400
    message = _l("This link is not valid. It may have been copied incompletely.")


class MinutesNotReady(MeetingError):
    message = _l("The minutes cannot move to this step now.")


class InvalidSeries(MeetingError):
    status_code = 400
    message = _l("Give at least one date for the series.")


class ProposalNotInGroup(MeetingError):
    status_code = 400
    message = _l("Only a proposal of the meeting's own group can be linked.")


# --- time --------------------------------------------------------------------------------


def to_utc(local: datetime, zone_name: str = "Europe/Berlin") -> datetime:
    """A wall-clock time in the given zone as an aware UTC datetime. A time that falls in
    the spring-forward gap is refused; an ambiguous autumn time means the first (summer)."""
    if zone_name not in ALLOWED_ZONES:
        raise UnknownTimeZone()
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimeZone() from error
    naive = local.replace(tzinfo=None)
    aware = naive.replace(tzinfo=zone, fold=0)
    if aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != naive:
        raise NonexistentTime()
    return aware.astimezone(ZoneInfo("UTC"))


# The holidays library names German holidays in German and Dutch ones in Dutch only; so
# names come from it in English and are translated here, for every reader's language.
HOLIDAY_NAMES = {
    "New Year's Day": _l("New Year's Day"),
    "Good Friday": _l("Good Friday"),
    "Easter Sunday": _l("Easter Sunday"),
    "Easter Monday": _l("Easter Monday"),
    "King's Day": _l("King's Day"),
    "Liberation Day": _l("Liberation Day"),
    "Labor Day": _l("Labour Day"),
    "Ascension Day": _l("Ascension Day"),
    "Pentecost": _l("Whit Sunday"),
    "Pentecost Monday": _l("Whit Monday"),
    "Corpus Christi": _l("Corpus Christi"),
    "German Unity Day": _l("German Unity Day"),
    "All Saints' Day": _l("All Saints' Day"),
    "Christmas Day": _l("Christmas Day"),
    "Second Day of Christmas": _l("Boxing Day"),
}


def _holiday_calendar(country: str, years: list[int], **options):
    return holidays.country_holidays(country, years=years, language="en_US", **options)


def holiday_name(name: str, lang: str) -> str:
    """A holiday's name in `lang` (the library's English name if we have no translation)."""
    with force_locale(lang):
        return str(HOLIDAY_NAMES.get(name, name))


def public_holidays(
    start: date, end: date | None = None, lang: str = "en"
) -> list[tuple[date, str, str]]:
    """Public holidays in the Netherlands and in North Rhine-Westphalia between two dates
    (the maintained `holidays` library): (date, country code, name)."""
    end = end or start
    years = list(range(start.year, end.year + 1))
    calendars = (
        ("NL", _holiday_calendar("NL", years)),
        ("DE", _holiday_calendar("DE", years, subdiv="NW")),
    )
    found = []
    day = start
    while day <= end and len(found) < 20:
        for code, calendar in calendars:
            name = calendar.get(day)
            if name:
                found.append((day, code, holiday_name(name, lang)))
        day += timedelta(days=1)
    return found


# --- queries -----------------------------------------------------------------------------


def visible_meetings_filter(user):
    """A WHERE clause for the meetings `user` may see (see Meeting.is_visible_to)."""
    if user.is_admin:
        return sa.true()
    member_of = sa.select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.left_on.is_(None)
    )
    public_groups = sa.select(WorkingGroup.id).where(WorkingGroup.is_public.is_(True))
    invited = sa.select(Invitation.meeting_id).where(Invitation.user_id == user.id)
    return sa.or_(
        Meeting.group_id.is_(None),
        Meeting.group_id.in_(public_groups),
        Meeting.group_id.in_(member_of),
        Meeting.id.in_(invited),
    )


def managed_groups(user) -> list[WorkingGroup]:
    """The groups in which `user` may plan meetings."""
    stmt = sa.select(WorkingGroup).order_by(WorkingGroup.name_nl)
    if not user.is_admin:
        from ..groups.models import Role

        stmt = stmt.where(
            WorkingGroup.id.in_(
                sa.select(Membership.group_id).where(
                    Membership.user_id == user.id,
                    Membership.left_on.is_(None),
                    Membership.role.in_((Role.chair, Role.moderator)),
                )
            )
        )
    return list(db.session.scalars(stmt))


def can_plan(user) -> bool:
    return bool(user.is_authenticated and (user.is_admin or managed_groups(user)))


def feed_meetings(user) -> list[Meeting]:
    """Everything `user` is invited to, in two queries whatever the number."""
    return list(
        db.session.scalars(
            sa.select(Meeting)
            .join(Invitation, Invitation.meeting_id == Meeting.id)
            .where(Invitation.user_id == user.id)
            .order_by(Meeting.start_at, Meeting.id)
        )
    )


# --- planning ----------------------------------------------------------------------------


@dataclass
class MeetingDetails:
    kind: MeetingKind
    start_at: datetime
    end_at: datetime
    title_nl: str = ""
    title_de: str = ""
    title_en: str = ""
    description_nl: str = ""
    description_de: str = ""
    description_en: str = ""
    venue: str = ""
    address: str = ""
    city: str = ""
    country: str = ""
    online_url: str = ""


TIME_AND_PLACE = ("start_at", "end_at", "venue", "address", "city", "country", "online_url")


def _check_times(start_at: datetime, end_at: datetime) -> None:
    if start_at.tzinfo is None or end_at.tzinfo is None:
        raise UnknownTimeZone()
    if end_at <= start_at:
        raise InvalidTimes()


def _check_may_plan(actor: User, group: WorkingGroup | None) -> None:
    if actor.is_admin:
        return
    if group is None or not group.can_manage(actor):
        raise NotAllowed(
            _("Only the project manager and the group's chair or moderator plan meetings.")
        )


def create_meeting(
    actor: User,
    group: WorkingGroup | None,
    details: MeetingDetails,
    *,
    extra_invitees: Iterable[User] = (),
    now: datetime | None = None,
) -> Meeting:
    """The project manager plans any meeting; a group's chair or moderator plans the
    group's meetings. The group's active members and any extra invitees are invited."""
    _check_may_plan(actor, group)
    _check_times(details.start_at, details.end_at)
    if not (details.title_nl or details.title_de or details.title_en).strip():
        raise MeetingError(_("Give the meeting a title in at least one language."))
    now = now or utcnow()
    meeting = Meeting(group=group, organiser=actor, created_at=now, updated_at=now)
    for key, value in vars(details).items():
        setattr(meeting, key, value.strip() if isinstance(value, str) else value)
    db.session.add(meeting)
    db.session.flush()
    invitees: dict[int, User] = {}
    if group is not None:
        for membership in db.session.scalars(
            sa.select(Membership).where(
                Membership.group_id == group.id, Membership.left_on.is_(None)
            )
        ):
            invitees[membership.user_id] = membership.user
    for person in extra_invitees:
        invitees[person.id] = person
    _invite(meeting, [p for p in invitees.values() if p.is_active], now)
    record_audit(actor, "meeting.created", meeting)
    return meeting


def _invite(meeting: Meeting, people: Iterable[User], now: datetime) -> list[Invitation]:
    existing = {i.user_id for i in meeting.invitations}
    added = []
    for person in people:
        if person.id in existing:
            continue
        invitation = Invitation(meeting=meeting, user=person, invited_at=now)
        db.session.add(invitation)
        added.append(invitation)
    db.session.flush()
    for invitation in added:
        queue_invitation_mail(invitation)
    return added


def invite_people(actor: User, meeting: Meeting, people: Iterable[User]) -> list[Invitation]:
    """Extra invitees (a guest, a speaker) get the same invitation as the group."""
    if not meeting.can_manage(actor):
        raise NotAllowed()
    if meeting.is_cancelled:
        raise MeetingCancelled()
    return _invite(meeting, people, utcnow())


def update_meeting(
    actor: User, meeting: Meeting, details: MeetingDetails, *, now: datetime | None = None
) -> bool:
    """Changes a meeting. When its time or place changes, SEQUENCE goes up and every
    invitee gets an update (same UID), so calendars move the event. Returns whether
    invitees were notified."""
    if not meeting.can_manage(actor):
        raise NotAllowed()
    if meeting.is_cancelled:
        raise MeetingCancelled()
    _check_times(details.start_at, details.end_at)
    if not (details.title_nl or details.title_de or details.title_en).strip():
        raise MeetingError(_("Give the meeting a title in at least one language."))
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in vars(details).items()}
    changed = {k for k, v in values.items() if getattr(meeting, k) != v}
    if not changed:
        return False
    for key in changed:
        setattr(meeting, key, values[key])
    meeting.updated_at = now or utcnow()
    notify = bool(changed & set(TIME_AND_PLACE))
    meeting.sequence += 1
    db.session.flush()
    if notify:
        for invitation in meeting.invitations:
            queue_invitation_mail(invitation, update=True)
    record_audit(actor, "meeting.updated", meeting, fields=",".join(sorted(changed)))
    return notify


def cancel_meeting(actor: User, meeting: Meeting, *, now: datetime | None = None) -> Meeting:
    """Cancelling keeps the meeting (STATUS:CANCELLED in every feed) and sends each invitee
    a METHOD:CANCEL with the same UID and a raised SEQUENCE."""
    if not meeting.can_manage(actor):
        raise NotAllowed()
    if meeting.is_cancelled:
        raise MeetingCancelled()
    meeting.status = MeetingStatus.cancelled
    meeting.sequence += 1
    meeting.updated_at = now or utcnow()
    db.session.flush()
    for invitation in meeting.invitations:
        queue_invitation_mail(invitation)
    from ..visits.services import cancel_public_registrations  # visits builds on meetings

    cancel_public_registrations(meeting)
    record_audit(actor, "meeting.cancelled", meeting)
    return meeting


@dataclass
class SeriesDate:
    """One row of a series as entered: a day and local start and end times (any may be
    missing when the row was filled in only partly)."""

    number: int
    day: date | None
    starts: time | None
    ends: time | None


def _series_times(row: SeriesDate, zone_name: str) -> tuple[datetime, datetime]:
    """The row's start and end in UTC; a broken row raises an error that names it."""
    try:
        if row.day is None or row.starts is None or row.ends is None:
            raise InvalidSeries(_("Give a date, a start time and an end time."))
        start_at = to_utc(datetime.combine(row.day, row.starts), zone_name)
        end_at = to_utc(datetime.combine(row.day, row.ends), zone_name)
        _check_times(start_at, end_at)
    except MeetingError as error:
        raise InvalidSeries(
            _("Row %(num)s: %(problem)s", num=row.number, problem=error.message)
        ) from error
    return start_at, end_at


def plan_series(
    actor: User,
    group: WorkingGroup | None,
    details: MeetingDetails,
    rows: Iterable[SeriesDate],
    *,
    zone_name: str = "Europe/Berlin",
    extra_invitees: Iterable[User] = (),
    now: datetime | None = None,
) -> list[Meeting]:
    """Plans several meetings alike but for their dates at once (the four coaching days
    of a city). Every row is checked before anything is written: one bad row refuses the
    whole series. `details` holds what the meetings share; each row's times replace its
    start and end. Each meeting gets its own invitations."""
    _check_may_plan(actor, group)
    rows = list(rows)
    if not rows:
        raise InvalidSeries()
    times = [_series_times(row, zone_name) for row in rows]
    if details.kind == MeetingKind.coaching_day and not details.city.strip():
        raise InvalidSeries(_("A coaching day belongs to a city: give the city."))
    extra_invitees = list(extra_invitees)
    meetings = []
    for start_at, end_at in sorted(times):
        one = replace(details, start_at=start_at, end_at=end_at)
        meetings.append(create_meeting(actor, group, one, extra_invitees=extra_invitees, now=now))
    record_audit(actor, "meeting.series_planned", meetings[0], count=len(meetings))
    return meetings


# --- invitations and answers -------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=RSVP_SALT)


def make_rsvp_token(invitation: Invitation) -> str:
    return _serializer().dumps({"i": invitation.id, "m": invitation.meeting.uid})


def invitation_for_token(token: str) -> Invitation:
    """The invitation a signed answer link belongs to; a tampered or stale link is refused."""
    try:
        data = _serializer().loads(token)
    except BadSignature as error:
        raise InvalidRsvpLink() from error
    if not isinstance(data, dict):
        raise InvalidRsvpLink()
    invitation = db.session.get(Invitation, data.get("i"))
    if invitation is None or invitation.meeting.uid != data.get("m"):
        raise InvalidRsvpLink()
    return invitation


def respond(invitation: Invitation, response: Response, *, now: datetime | None = None) -> None:
    """An invitee accepts, answers tentatively or declines; they may change their answer
    until the meeting is over. A cancelled meeting takes no answers."""
    if response not in (Response.accepted, Response.tentative, Response.declined):
        raise MeetingError()
    if invitation.meeting.is_cancelled:
        raise MeetingCancelled()
    if invitation.meeting.is_past:
        raise MeetingError(_("This meeting is over; answers are closed."))
    invitation.response = response
    invitation.responded_at = now or utcnow()
    db.session.flush()


def queue_invitation_mail(invitation: Invitation, *, update: bool = False) -> None:
    """The invitation (or update, or cancellation) in the invitee's language, with the
    calendar part as `text/calendar; method=REQUEST|CANCEL` and as invite.ics."""
    from ..calendar.ical import invitation_bytes

    meeting = invitation.meeting
    person = invitation.user
    locale = person.locale or "nl"
    url = external_url("meetings.show", meeting_id=meeting.id)
    ics = invitation_bytes(
        meeting,
        lang=locale,
        url=url,
        organiser=_organiser(meeting),
        attendee=(person.email, person.name),
        response=invitation.response,
    )
    if meeting.is_cancelled:
        template, subject = "meetings/emails/cancelled", _l("Cancelled: %(title)s")
    elif update:
        template, subject = "meetings/emails/updated", _l("Changed: %(title)s")
    else:
        template, subject = "meetings/emails/invitation", _l("Invitation: %(title)s")
    rsvp = {
        answer.name: external_url(
            "meetings.rsvp", token=make_rsvp_token(invitation), answer=answer.name
        )
        for answer in (Response.accepted, Response.tentative, Response.declined)
    }
    from flask_babel import force_locale

    with force_locale(locale):
        subject_text = str(subject) % {"title": meeting.title_in(locale)}
    subject_text, text, html = render_mail(
        template, locale, subject_text, meeting=meeting, person=person, url=url, rsvp=rsvp
    )
    msg = build_message((person.name, person.email), subject_text, text, html)
    method = "CANCEL" if meeting.is_cancelled else "REQUEST"
    # As bytes, so the part keeps iCalendar's CRLF line ends (RFC 5545 3.1); a str would be
    # normalised to bare LF before it is encoded.
    msg.add_alternative(
        ics, maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"}
    )
    msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    queue_message(msg, category="meetings.invitation")


def _organiser(meeting: Meeting) -> tuple[str, str]:
    """The ORGANIZER of an invitation: the inbound address, which the platform reads (so a
    calendar's Accept comes back, see meetings/inbound.py), with the organiser's name as CN.
    Without an inbound address: the organiser's own address, else the sender's."""
    from email.utils import parseaddr

    from ..mail.inbound import inbound_address

    name = meeting.organiser.name if meeting.organiser else "Netwerkbrug"
    inbox = inbound_address(current_app.config)
    if inbox:
        return inbox, name
    if meeting.organiser:
        return meeting.organiser.email, name
    return parseaddr(current_app.config["MAIL_FROM"])[1], name


# --- agenda ------------------------------------------------------------------------------


def _check_manage(actor: User, meeting: Meeting) -> None:
    if not meeting.can_manage(actor):
        raise NotAllowed()


def linkable_proposals(meeting: Meeting) -> list:
    """The consensus proposals an agenda item of this meeting may point to: its group's."""
    from ..consensus.models import Proposal

    if meeting.group_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.group_id == meeting.group_id)
            .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        )
    )


def add_agenda_item(
    actor: User,
    meeting: Meeting,
    title: str,
    presenter: str = "",
    duration_minutes: int = 15,
    proposal_id: int | None = None,
) -> AgendaItem:
    """Adds an item at the end; it may point to a consensus proposal of the same group."""
    from ..consensus.models import Proposal

    _check_manage(actor, meeting)
    if not title.strip() or not 1 <= duration_minutes <= 24 * 60:
        raise MeetingError(
            _("An agenda item needs a title and a duration between 1 and 1440 minutes.")
        )
    proposal = db.session.get(Proposal, proposal_id) if proposal_id else None
    if proposal_id and (proposal is None or proposal.group_id != meeting.group_id):
        raise ProposalNotInGroup()
    position = max((i.position for i in meeting.agenda_items), default=0) + 1
    item = AgendaItem(
        meeting=meeting,
        title=title.strip(),
        presenter=presenter.strip(),
        duration_minutes=duration_minutes,
        position=position,
        proposal=proposal,
    )
    db.session.add(item)
    db.session.flush()
    return item


def move_agenda_item(actor: User, item: AgendaItem, offset: int) -> None:
    """Moves an item one place up (-1) or down (+1); the others keep their order."""
    _check_manage(actor, item.meeting)
    items = list(item.meeting.agenda_items)
    index = items.index(item)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    db.session.flush()


def remove_agenda_item(actor: User, item: AgendaItem) -> None:
    _check_manage(actor, item.meeting)
    db.session.delete(item)
    db.session.flush()


@dataclass
class AgendaSlot:
    item: AgendaItem
    starts_at: datetime


def agenda_with_times(meeting: Meeting) -> tuple[list[AgendaSlot], bool]:
    """Each item with its computed start, and whether the agenda runs past the end (a
    warning for the organiser, not an error)."""
    slots = []
    cursor = meeting.start_at
    for item in meeting.agenda_items:
        slots.append(AgendaSlot(item, cursor))
        cursor += timedelta(minutes=item.duration_minutes)
    return slots, cursor > meeting.end_at


# --- after the meeting -------------------------------------------------------------------


def record_attendance(actor: User, meeting: Meeting, marks: dict[int, Attendance | None]) -> None:
    """Marks invitees present, excused or absent (by invitation id)."""
    _check_manage(actor, meeting)
    by_id = {i.id: i for i in meeting.invitations}
    for invitation_id, mark in marks.items():
        if invitation_id in by_id:
            by_id[invitation_id].attendance = mark
    db.session.flush()
    record_audit(actor, "meeting.attendance", meeting)


def save_minutes(actor: User, meeting: Meeting, text: str) -> None:
    """Approved minutes are final; until then the organiser edits them."""
    _check_manage(actor, meeting)
    if meeting.minutes_status == MinutesStatus.approved:
        raise MinutesNotReady(_("Approved minutes can no longer be changed."))
    meeting.minutes = text
    db.session.flush()


def circulate_minutes(actor: User, meeting: Meeting) -> None:
    """Draft minutes go to the group for comments: its active members (or, for a meeting
    of the whole project, its invitees) get a mail, unless they turned it off."""
    _check_manage(actor, meeting)
    if meeting.minutes_status != MinutesStatus.draft or not meeting.minutes.strip():
        raise MinutesNotReady()
    meeting.minutes_status = MinutesStatus.circulated
    db.session.flush()
    record_audit(actor, "meeting.minutes_circulated", meeting)
    _queue_minutes_mails(actor, meeting)


def minutes_readers(meeting: Meeting) -> list[User]:
    """Who is told that the meeting's minutes circulate."""
    if meeting.group_id is not None:
        people = sa.select(Membership.user_id).where(
            Membership.group_id == meeting.group_id, Membership.left_on.is_(None)
        )
    else:
        people = sa.select(Invitation.user_id).where(Invitation.meeting_id == meeting.id)
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.id.in_(people), User.is_active.is_(True))
            .where(User.is_minutes_mail_wanted.is_(True))
            .order_by(User.id)
        )
    )


def _queue_minutes_mails(actor: User, meeting: Meeting) -> None:
    url = external_url("meetings.show", meeting_id=meeting.id, _anchor="minutes")
    profile = external_url("auth.profile")
    for person in minutes_readers(meeting):
        if person.id == actor.id or person.is_erased:
            continue
        locale = person.locale or "nl"
        with force_locale(locale):
            subject = _("Minutes for comments: %(title)s", title=meeting.title_in(locale))
        queue_template_mail(
            "meetings/emails/minutes_circulated",
            to=(person.name, person.email),
            locale=locale,
            subject=subject,
            category="meetings.minutes",
            meeting=meeting,
            person=person,
            url=url,
            profile_url=profile,
        )


def approve_minutes(actor: User, meeting: Meeting, *, now: datetime | None = None) -> None:
    """Circulated minutes are approved at or after the meeting; who and when is kept."""
    _check_manage(actor, meeting)
    if meeting.minutes_status != MinutesStatus.circulated:
        raise MinutesNotReady()
    now = now or utcnow()
    if now < meeting.start_at:
        raise MinutesNotReady()
    meeting.minutes_status = MinutesStatus.approved
    meeting.minutes_approved_at = now
    meeting.minutes_approved_by_id = actor.id
    db.session.flush()
    record_audit(actor, "meeting.minutes_approved", meeting)


def add_action_item(
    actor: User, meeting: Meeting, text: str, owner: User | None, due_on: date | None
) -> ActionItem:
    _check_manage(actor, meeting)
    if not text.strip():
        raise MeetingError(_("Describe the action."))
    item = ActionItem(meeting=meeting, text=text.strip(), owner=owner, due_on=due_on)
    db.session.add(item)
    db.session.flush()
    return item


def complete_action_item(actor: User, item: ActionItem) -> None:
    """The owner or whoever manages the meeting marks an action done."""
    if not (item.owner_id == actor.id or item.meeting.can_manage(actor)):
        raise NotAllowed()
    if item.done_at is None:
        item.done_at = utcnow()
    db.session.flush()


def open_action_items(group: WorkingGroup) -> list[ActionItem]:
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            sa.select(ActionItem)
            .join(Meeting)
            .where(Meeting.group_id == group.id, ActionItem.done_at.is_(None))
            .options(selectinload(ActionItem.owner))
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        )
    )


def carried_action_items(meeting: Meeting) -> list[ActionItem]:
    """Open actions from the group's earlier meetings (or, for a project-wide meeting, from
    earlier project-wide ones), for the agenda of an upcoming meeting. Computed each time:
    an action marked done disappears from every agenda."""
    from sqlalchemy.orm import selectinload

    if meeting.is_past or meeting.is_cancelled:
        return []
    same_group = (
        Meeting.group_id.is_(None)
        if meeting.group_id is None
        else Meeting.group_id == meeting.group_id
    )
    return list(
        db.session.scalars(
            sa.select(ActionItem)
            .join(Meeting)
            .where(same_group, Meeting.start_at < meeting.start_at, ActionItem.done_at.is_(None))
            .options(selectinload(ActionItem.owner), selectinload(ActionItem.meeting))
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        )
    )


def local_today() -> date:
    return utcnow().astimezone(LOCAL_ZONE).date()


# --- documents ---------------------------------------------------------------------------


def store_meeting_document(
    actor: User, meeting: Meeting, *, title: str, language: str, filename: str, stream
) -> MeetingDocument:
    """Slides or a handout for the meeting, checked and stored like a group's documents.
    Whoever manages the meeting adds them."""
    from ..groups.services import check_upload, stored_fields

    _check_manage(actor, meeting)
    if not title.strip():
        raise MeetingError(_("Give the document a title."))
    upload = check_upload(language, filename, stream)
    document = MeetingDocument(meeting=meeting, **stored_fields(upload, actor, title, language))
    db.session.add(document)
    db.session.flush()
    record_audit(actor, "meeting.document_added", meeting, title=document.title)
    return document


def delete_meeting_document(actor: User, document: MeetingDocument) -> None:
    """The uploader, the moderator of the meeting's group and the project manager may
    delete a meeting's document; audit-logged, the file goes with the commit."""
    from ..groups.services import discard_document

    if not document.can_delete(actor):
        raise NotAllowed(
            _(
                "Only whoever added the document, the moderator or the project manager may delete it."
            )
        )
    record_audit(
        actor,
        "meeting.document_deleted",
        document.meeting,
        title=document.title,
        filename=document.filename,
    )
    discard_document(document)


# --- coaching days -----------------------------------------------------------------------


@dataclass
class CoachingProgress:
    city: str
    held: int
    scheduled: int
    cancelled: int

    @property
    def planned(self) -> int:
        return COACHING_DAYS_PER_CITY

    @property
    def missing(self) -> int:
        """Coaching days still to be planned to reach the four."""
        return max(COACHING_DAYS_PER_CITY - self.held - self.scheduled, 0)

    @property
    def marks(self) -> list[str]:
        """One mark per planned day: held, scheduled or open (for the visual progress)."""
        marks = ["held"] * self.held + ["scheduled"] * self.scheduled
        return (marks + ["open"] * COACHING_DAYS_PER_CITY)[: max(len(marks), self.planned)]


def _count(condition):
    return sa.func.sum(sa.case((condition, 1), else_=0))


def coaching_progress(user: User, *, now: datetime | None = None) -> list[CoachingProgress]:
    """Per city, the coaching days held (over, not cancelled), scheduled (still to come)
    and cancelled, among the meetings `user` may see; one query."""
    now = now or utcnow()
    planned = Meeting.status == MeetingStatus.planned
    rows = db.session.execute(
        sa.select(
            Meeting.city,
            _count(sa.and_(planned, Meeting.end_at <= now)),
            _count(sa.and_(planned, Meeting.end_at > now)),
            _count(Meeting.status == MeetingStatus.cancelled),
        )
        .where(Meeting.kind == MeetingKind.coaching_day, visible_meetings_filter(user))
        .group_by(Meeting.city)
        .order_by(Meeting.city)
    )
    return [
        CoachingProgress(city, int(held or 0), int(scheduled or 0), int(cancelled or 0))
        for city, held, scheduled, cancelled in rows
    ]


# --- calendar feed token -----------------------------------------------------------------


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def regenerate_feed_token(user: User) -> CalendarFeed:
    """A new secret token; the old feed URL stops working at once."""
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token="")
        db.session.add(feed)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = utcnow()
    db.session.flush()
    return feed
