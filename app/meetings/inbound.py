"""Calendar answers that come back by mail (registered with app.mail.inbound).

When an invitee presses "Accept" in Outlook, Thunderbird, Apple Mail or Gmail, their calendar
sends an iTIP METHOD:REPLY to the invitation's ORGANIZER, which is the platform's inbound
address. The reply names the meeting's UID, the replying ATTENDEE with its PARTSTAT and the
SEQUENCE it answers. A reply is recorded when the UID is a meeting, the attendee was invited
and the SEQUENCE is the current one; otherwise it is ignored with the reason. A COUNTER (a
proposed new time) changes nothing: it is recorded for the organiser to read."""

from icalendar import Calendar

from ..core.dates import LOCAL_ZONE
from ..core.errors import DomainError
from ..core.i18n import N_
from ..extensions import db
from ..mail.inbound import CalendarMessage, Handled
from .models import Invitation, Meeting, Response
from .services import respond

PARTSTATS = {
    "ACCEPTED": Response.accepted,
    "TENTATIVE": Response.tentative,
    "DECLINED": Response.declined,
}


def _address(value) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    return text.strip().lower()


def _local(moment) -> str:
    """A proposed time as Europe/Berlin wall-clock time, written the same in every language."""
    if getattr(moment, "tzinfo", None) is not None:
        return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")
    return str(moment)


def _title(meeting: Meeting) -> str:
    return meeting.title_in("nl") or meeting.title_in("de") or str(meeting.id)


def _events(ics: bytes):
    try:
        calendar = Calendar.from_ical(ics)
    except ValueError:
        return None
    return [c for c in calendar.walk("VEVENT")]


def _meeting(event) -> Meeting | None:
    uid = str(event.get("UID", "")).strip()
    if not uid:
        return None
    return db.session.scalar(db.select(Meeting).where(Meeting.uid == uid))


def _attendees(event) -> list:
    attendees = event.get("ATTENDEE")
    if attendees is None:
        return []
    return attendees if isinstance(attendees, list) else [attendees]


def _invitation(meeting: Meeting, address: str) -> Invitation | None:
    return next((i for i in meeting.invitations if i.user.email.lower() == address), None)


def record_calendar_reply(message: CalendarMessage) -> Handled:
    events = _events(message.ics)
    if not events:
        return Handled(False, N_("A calendar answer without a readable event."))
    results = [_record_event_reply(event, message.sender) for event in events]
    return next((r for r in results if r.applied), results[0])


def _record_event_reply(event, sender: str) -> Handled:
    meeting = _meeting(event)
    uid = str(event.get("UID", "")).strip()
    if meeting is None:
        return Handled(False, N_("Ignored: no meeting has the UID %(uid)s."), {"uid": uid})
    sequence = int(event.get("SEQUENCE", 0) or 0)
    params = {"meeting": _title(meeting), "sequence": sequence}
    if sequence < meeting.sequence:
        params["current"] = meeting.sequence
        return Handled(
            False,
            N_(
                "Ignored: the answer is to version %(sequence)s of “%(meeting)s”, which has changed since (now version %(current)s)."
            ),
            params,
        )
    answered = []
    for attendee in _attendees(event):
        address = _address(attendee)
        invitation = _invitation(meeting, address)
        partstat = str(attendee.params.get("PARTSTAT", "")).upper()
        found = {**params, "email": address, "partstat": partstat or "–"}
        if invitation is None:
            answered.append(
                Handled(False, N_("Ignored: %(email)s was not invited to “%(meeting)s”."), found)
            )
            continue
        response = PARTSTATS.get(partstat)
        if response is None:
            answered.append(
                Handled(False, N_("Ignored: the answer %(partstat)s from %(email)s."), found)
            )
            continue
        try:
            respond(invitation, response)
        except DomainError as error:
            found["reason"] = str(error.message)
            answered.append(Handled(False, N_("Ignored: %(email)s: %(reason)s"), found))
            continue
        answered.append(Handled(True, ANSWER_DETAILS[response], found))
    if not answered:
        return Handled(
            False, N_("Ignored: the answer from %(email)s names no attendee."), {"email": sender}
        )
    return next((a for a in answered if a.applied), answered[0])


ANSWER_DETAILS = {
    Response.accepted: N_("%(email)s accepted “%(meeting)s” (version %(sequence)s)."),
    Response.tentative: N_("%(email)s tentatively accepted “%(meeting)s” (version %(sequence)s)."),
    Response.declined: N_("%(email)s declined “%(meeting)s” (version %(sequence)s)."),
}


def record_calendar_counter(message: CalendarMessage) -> Handled:
    """Nothing is answered or changed; the record shows the organiser what was proposed."""
    for event in _events(message.ics) or []:
        meeting = _meeting(event)
        start = event.get("DTSTART")
        who = ", ".join(_address(a) for a in _attendees(event)) or message.sender
        params = {
            "email": who,
            "meeting": (_title(meeting)) if meeting else str(event.get("UID", "")),
            "start": _local(start.dt) if start is not None else "–",
        }
        return Handled(
            False,
            N_("%(email)s proposes a new time for “%(meeting)s”: %(start)s. Nothing was changed."),
            params,
        )
    return Handled(False, N_("A counter proposal without a readable event."))
