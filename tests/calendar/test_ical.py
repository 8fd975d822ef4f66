"""Feeds and invitation files as other calendar programs read them: parsed back by
icalendar, by vobject and by ical.js (independent parsers), across the daylight-saving
changes. test_three_parsers.py compares everything a calendar program shows."""

from datetime import UTC, datetime

import icalendar
import vobject

from app.calendar.ical import feed_bytes, invitation_bytes
from app.meetings.models import MeetingStatus
from tests.factories import make_meeting, make_user

from .independent import parse_with_icaljs

# Local 10:00 on the last Sunday of March (summer time, UTC+2) and of October (winter, UTC+1).
SUMMER = datetime(2030, 3, 31, 8, 0, tzinfo=UTC)
WINTER = datetime(2030, 10, 27, 9, 0, tzinfo=UTC)
JULY = datetime(2030, 7, 1, 8, 0, tzinfo=UTC)


def _url(meeting):
    return f"http://netwerkbrug.test/meetings/{meeting.id}"


def _feed(meetings):
    return feed_bytes(meetings, name="Netwerkbrug", lang="nl", url_for=_url)


def test_dst_edges_survive_all_three_parsers():
    meetings = [make_meeting(start=s) for s in (SUMMER, WINTER, JULY)]
    body = _feed(meetings)
    expected = {m.uid: m.start_at for m in meetings}

    parsed = icalendar.Calendar.from_ical(body)
    by_icalendar = {
        str(e["UID"]): e.decoded("DTSTART").astimezone(UTC) for e in parsed.walk("VEVENT")
    }
    assert by_icalendar == expected

    cal = vobject.readOne(body.decode("utf-8"))
    by_vobject = {e.uid.value: e.dtstart.value.astimezone(UTC) for e in cal.vevent_list}
    assert by_vobject == expected
    # Local wall-clock times are 10:00 on both sides of each change.
    assert {e.dtstart.value.hour for e in cal.vevent_list} == {10}

    by_icaljs = {
        e["uid"]: datetime.fromisoformat(e["start"]["utc"])
        for e in parse_with_icaljs(body)["events"]
    }
    assert by_icaljs == expected


def test_feed_has_timezone_refresh_hints_crlf_and_folding():
    long_title = "Binationale Konferenz " * 9
    meeting = make_meeting(start=JULY, title_nl=long_title)
    body = _feed([meeting])
    text = body.decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cal = icalendar.Calendar.from_ical(body)
    assert "METHOD" not in cal
    assert "X-PUBLISHED-TTL:PT6H" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in text
    assert "TZID:Europe/Berlin" in text and "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "RDATE" not in text
    event = cal.walk("VEVENT")[0]
    for name in ("UID", "DTSTAMP", "SEQUENCE", "URL", "STATUS"):
        assert name in event
    assert str(event["URL"]) == _url(meeting)


def test_cancelled_meeting_is_marked_in_feed():
    meeting = make_meeting(start=JULY, status=MeetingStatus.cancelled)
    event = icalendar.Calendar.from_ical(_feed([meeting])).walk("VEVENT")[0]
    assert event["STATUS"] == "CANCELLED"


def test_feed_bytes_are_stable_between_requests():
    meeting = make_meeting(start=JULY)
    assert _feed([meeting]) == _feed([meeting])


def test_invitation_is_readable_by_vobject():
    lid = make_user(email="lid@example.org", name="Lotte Lid")
    meeting = make_meeting(start=SUMMER)
    body = invitation_bytes(
        meeting,
        lang="de",
        url=_url(meeting),
        organiser=("pl@example.org", "Projektleitung"),
        attendee=(lid.email, lid.name),
    )
    cal = vobject.readOne(body.decode("utf-8"))
    assert cal.method.value == "REQUEST"
    assert cal.vevent.attendee.value == "mailto:lid@example.org"
    assert cal.vevent.organizer.value == "mailto:pl@example.org"
    assert cal.vevent.dtstart.value.astimezone(UTC) == SUMMER
