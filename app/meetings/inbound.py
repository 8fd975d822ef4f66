"""Calendar answers that come back by mail (registered with app.mail.inbound).

When an invitee presses "Accept" in Outlook, Thunderbird, Apple Mail or Gmail, their calendar
sends an iTIP METHOD:REPLY to the invitation's ORGANIZER, which is the platform's inbound
address. The reply names the meeting's UID, the replying ATTENDEE with its PARTSTAT and the
SEQUENCE it answers. A reply is recorded when the UID is a meeting, the attendee was invited
and the SEQUENCE is the current one; otherwise it is ignored with the reason. A COUNTER (a
proposed new time) changes nothing: it is recorded for the organiser to read."""

from icalendar import Calendar

from ..core.errors import DomainError
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
        return Handled(False, "calendar reply without a readable event")
    results = [_record_event_reply(event, message.sender) for event in events]
    applied = [r for r in results if r.applied]
    return Handled(bool(applied), "; ".join(r.detail for r in results))


def _record_event_reply(event, sender: str) -> Handled:
    meeting = _meeting(event)
    uid = str(event.get("UID", "")).strip()
    if meeting is None:
        return Handled(False, f"ignored: unknown UID {uid!r}")
    sequence = int(event.get("SEQUENCE", 0) or 0)
    if sequence < meeting.sequence:
        return Handled(
            False,
            f"ignored: answers version {sequence} of meeting {meeting.id}, "
            f"which has changed since (now {meeting.sequence})",
        )
    answered = []
    for attendee in _attendees(event):
        address = _address(attendee)
        invitation = _invitation(meeting, address)
        partstat = str(attendee.params.get("PARTSTAT", "")).upper()
        if invitation is None:
            answered.append(
                Handled(False, f"ignored: {address} was not invited to meeting {meeting.id}")
            )
            continue
        response = PARTSTATS.get(partstat)
        if response is None:
            answered.append(
                Handled(False, f"ignored: PARTSTAT {partstat or 'missing'} from {address}")
            )
            continue
        try:
            respond(invitation, response)
        except DomainError as error:
            answered.append(Handled(False, f"ignored: {address}: {error.message}"))
            continue
        answered.append(
            Handled(True, f"{address} {response.name} meeting {meeting.id} (SEQUENCE {sequence})")
        )
    if not answered:
        return Handled(False, f"ignored: no ATTENDEE in the reply from {sender}")
    return Handled(any(a.applied for a in answered), "; ".join(a.detail for a in answered))


def record_calendar_counter(message: CalendarMessage) -> Handled:
    """Nothing is answered or changed; the record shows the organiser what was proposed."""
    events = _events(message.ics) or []
    parts = []
    for event in events:
        meeting = _meeting(event)
        start = event.get("DTSTART")
        proposed = start.dt.isoformat(timespec="minutes") if start is not None else "?"
        who = ", ".join(_address(a) for a in _attendees(event)) or message.sender
        where = f"meeting {meeting.id}" if meeting else f"unknown UID {event.get('UID')!r}"
        parts.append(f"{who} proposes a new time for {where}: {proposed}")
    return Handled(False, "; ".join(parts) or "counter proposal without a readable event")
