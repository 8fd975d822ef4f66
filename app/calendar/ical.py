"""Pure iCalendar builders (RFC 5545): meetings in, bytes out. No request, no database.

The VTIMEZONE for Europe/Berlin is written by hand with RRULEs (last Sunday of March and
of October): icalendar's add_missing_timezones() writes every transition in one
comma-separated RDATE, and Thunderbird (ical.js) and vobject then read only the first value,
which shifts summer times by one hour (see PITFALLS.md)."""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from icalendar import (
    Calendar,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDuration,
)

from ..meetings.models import LOCAL_ZONE, Meeting, Response

if TYPE_CHECKING:
    from ..visits.models import Visit

PRODID = "-//Netwerkbrug//Meetings//EN"
TZID = "Europe/Berlin"
REFRESH = timedelta(hours=6)


def berlin_timezone() -> Timezone:
    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    daylight.add("tzoffsetfrom", timedelta(hours=1))
    daylight.add("tzoffsetto", timedelta(hours=2))
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    standard.add("tzoffsetfrom", timedelta(hours=2))
    standard.add("tzoffsetto", timedelta(hours=1))
    tz.add_component(daylight)
    tz.add_component(standard)
    return tz


def _calendar(method: str | None = None, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    cal.add_component(berlin_timezone())
    return cal


def _address(email: str, name: str = "", **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = name
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = value
    return address


def meeting_event(
    meeting: Meeting, *, lang: str, url: str, dtstamp: datetime | None = None
) -> Event:
    """One VEVENT; DTSTAMP defaults to the meeting's last change, so a feed's bytes (and
    its ETag) stay the same until something changes."""
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", (dtstamp or meeting.updated_at).astimezone(UTC))
    event.add("dtstart", meeting.start_at.astimezone(LOCAL_ZONE))
    event.add("dtend", meeting.end_at.astimezone(LOCAL_ZONE))
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.title_in(lang))
    description = meeting.description_in(lang)
    parts = [p for p in (description, meeting.online_url, url) if p]
    if parts:
        event.add("description", "\n\n".join(parts))
    location = ", ".join(
        p for p in (meeting.venue, meeting.address, meeting.city, meeting.country) if p
    )
    if location:
        event.add("location", location)
    event.add("url", url)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add("last-modified", meeting.updated_at.astimezone(UTC))
    event.add("created", meeting.created_at.astimezone(UTC))
    return event


def feed_bytes(
    meetings: Iterable[Meeting],
    *,
    name: str,
    lang: str,
    url_for: Callable[[Meeting], str],
    extra_events: Iterable[Event] = (),
) -> bytes:
    """A subscribable feed: no METHOD, with refresh hints for Outlook, Google and Apple.
    `extra_events` are other things the person takes part in (their work visits)."""
    cal = _calendar(name=name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, lang=lang, url=url_for(meeting)))
    for event in extra_events:
        cal.add_component(event)
    return cal.to_ical()


def feed_head(*, name: str) -> bytes:
    """A feed's opening: its properties and the VTIMEZONE, without END:VCALENDAR, so a
    feed is `feed_head() + VEVENTs + FEED_END` - the bytes `feed_bytes()` writes."""
    cal = _calendar(name=name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    return cal.to_ical().removesuffix(FEED_END)


FEED_END = b"END:VCALENDAR\r\n"


def meeting_event_bytes(meeting: Meeting, *, lang: str, url: str) -> bytes:
    """One meeting's VEVENT as it stands in a feed (DTSTAMP = its last change)."""
    return meeting_event(meeting, lang=lang, url=url).to_ical()


def meeting_bytes(meeting: Meeting, *, lang: str, url: str) -> bytes:
    """One meeting to download (METHOD:PUBLISH)."""
    cal = _calendar(method="PUBLISH")
    cal.add_component(meeting_event(meeting, lang=lang, url=url))
    return cal.to_ical()


def invitation_bytes(
    meeting: Meeting,
    *,
    lang: str,
    url: str,
    organiser: tuple[str, str],
    attendee: tuple[str, str],
    response: Response = Response.needs_action,
    now: datetime | None = None,
) -> bytes:
    """An iTIP message: METHOD:REQUEST for a new or changed meeting, METHOD:CANCEL when it
    is cancelled; same UID each time, SEQUENCE as stored (raised by every change)."""
    method = "CANCEL" if meeting.is_cancelled else "REQUEST"
    cal = _calendar(method=method)
    event = meeting_event(meeting, lang=lang, url=url, dtstamp=now or datetime.now(UTC))
    event.add("organizer", _address(organiser[0], organiser[1]))
    event.add(
        "attendee",
        _address(
            attendee[0],
            attendee[1],
            role="REQ-PARTICIPANT",
            partstat=response.partstat,
            rsvp="TRUE",
        ),
    )
    cal.add_component(event)
    return cal.to_ical()


def visit_events(visit: "Visit", *, lang: str, url: str) -> list[Event]:
    """One VEVENT per day of a work visit, each with its own stable UID (the visit's UID
    and the day's id), so changing one day's times updates that event only."""
    events = []
    location = ", ".join(p for p in (visit.location, visit.organisation.name) if p)
    for day in visit.days:
        event = Event()
        event.add("uid", f"day{day.id}-{visit.uid}")
        event.add("dtstamp", visit.updated_at.astimezone(UTC))
        event.add("dtstart", day.start_at)
        event.add("dtend", day.end_at)
        event.add("sequence", visit.sequence)
        event.add("summary", visit.title_in(lang))
        event.add("description", "\n\n".join(p for p in (day.programme, url) if p))
        if location:
            event.add("location", location)
        event.add("url", url)
        event.add("status", "CANCELLED" if visit.is_cancelled else "CONFIRMED")
        event.add("last-modified", visit.updated_at.astimezone(UTC))
        events.append(event)
    return events


def visit_bytes(visit: "Visit", *, lang: str, url: str) -> bytes:
    """A work visit to add to a calendar (METHOD:PUBLISH): the registrant is no invitee."""
    cal = _calendar(method="PUBLISH")
    for event in visit_events(visit, lang=lang, url=url):
        cal.add_component(event)
    return cal.to_ical()
