"""The raw .ics bytes the app serves, read back by three parsers that share no code:
icalendar, vobject and ical.js (Thunderbird's parser, run in Node). They must agree with
each other and with what was stored, on what a calendar program shows: UID, SUMMARY with
umlauts, start and end (the UTC instant, the Europe/Berlin wall clock, the TZID) across
both daylight-saving changes, SEQUENCE, STATUS, LOCATION, DESCRIPTION with commas,
semicolons, backslashes and newlines, long lines folded among multi-byte characters, and
the VTIMEZONE they resolve the times through."""

from datetime import UTC, datetime

import icalendar
import pytest
import vobject

from app.calendar.ical import invitation_bytes
from app.extensions import db
from app.meetings import services
from app.meetings.models import MeetingStatus
from tests.factories import make_group, make_meeting, make_user, make_visit

from .independent import parse_with_icaljs

# Local 10:00 on the last Sunday of March (summer time, UTC+2) and of October (winter, UTC+1).
SUMMER = datetime(2030, 3, 31, 8, 0, tzinfo=UTC)
WINTER = datetime(2030, 10, 27, 9, 0, tzinfo=UTC)
JULY = datetime(2030, 7, 1, 8, 0, tzinfo=UTC)

UMLAUTS = "Übergänge für Zuwanderer: Größe, Maß & Straße"
# a SUMMARY far longer than a line, made of 2-, 3- and 4-byte characters only, so that
# every fold lands among multi-byte characters
FOLDED = ("äöüßÄÖÜ€–„“🇩🇪🇳🇱" * 12).strip()
DESCRIPTION = (
    "Tagesordnung: 1. Begrüßung, Vorstellung; 2. Berichte\n"
    'Zeile zwei; mit \\ Backslash, Komma und "Anführung"\n\n'
    "Absatz drei: Wohnen; Arbeit, Bildung"
)
VENUE = {"venue": "Rathaus, Festsaal", "address": "Prinzipalmarkt 10; 2. OG", "city": "Münster"}


def _wall_clock(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _instant(value: datetime, tzid: str | None) -> dict:
    return {
        "utc": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "local": _wall_clock(value),
        "tzid": tzid,
    }


def by_icalendar(raw: bytes) -> list[dict]:
    events = []
    for event in icalendar.Calendar.from_ical(raw).walk("VEVENT"):
        times = {
            key: _instant(event.decoded(name), event[name].params.get("TZID"))
            for key, name in (("start", "DTSTART"), ("end", "DTEND"))
        }
        events.append(
            {
                "uid": str(event["UID"]),
                "summary": str(event["SUMMARY"]),
                "description": str(event.get("DESCRIPTION", "")) or None,
                "location": str(event.get("LOCATION", "")) or None,
                "sequence": int(event["SEQUENCE"]),
                "status": str(event["STATUS"]),
                **times,
            }
        )
    return events


def _vobject_tzid(prop) -> str | None:
    # vobject moves TZID aside once it has resolved the time through the VTIMEZONE
    tzid = prop.params.get("TZID") or prop.params.get("X-VOBJ-ORIGINAL-TZID")
    return tzid[0] if tzid else None


def by_vobject(raw: bytes) -> list[dict]:
    events = []
    for event in vobject.readOne(raw.decode("utf-8")).vevent_list:
        times = {
            key: _instant(prop.value, _vobject_tzid(prop))
            for key, prop in (("start", event.dtstart), ("end", event.dtend))
        }
        contents = event.contents
        events.append(
            {
                "uid": event.uid.value,
                "summary": event.summary.value,
                "description": contents["description"][0].value
                if "description" in contents
                else None,
                "location": contents["location"][0].value if "location" in contents else None,
                "sequence": int(event.sequence.value),
                "status": event.status.value,
                **times,
            }
        )
    return events


def by_icaljs(parsed: dict) -> list[dict]:
    keys = ("uid", "summary", "description", "location", "sequence", "status", "start", "end")
    return [{key: event[key] for key in keys} for event in parsed["events"]]


def three_readings(raw: bytes) -> tuple[list[dict], dict]:
    """What all three parsers read, after asserting that they read the same."""
    icaljs = parse_with_icaljs(raw)
    readings = {
        "icalendar": by_icalendar(raw),
        "vobject": by_vobject(raw),
        "ical.js": by_icaljs(icaljs),
    }
    assert readings["vobject"] == readings["icalendar"]
    assert readings["ical.js"] == readings["icalendar"]
    return readings["icalendar"], icaljs


def assert_wire_lines(raw: bytes) -> None:
    """CRLF lines of at most 75 octets, each valid UTF-8 on its own: a fold never splits a
    character."""
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # raises when a fold cut a character in two


def assert_berlin_vtimezone(icaljs: dict) -> None:
    (zone,) = icaljs["timezones"]
    assert zone["tzid"] == "Europe/Berlin"
    parts = {part["kind"]: part for part in zone["parts"]}
    assert parts["daylight"]["offsetTo"] == "+02:00" and parts["standard"]["offsetTo"] == "+01:00"
    assert all(part["rrule"] and part["rdates"] == 0 for part in parts.values())


def _meetings(group=None, invitees=()):
    summer = make_meeting(
        group,
        start=SUMMER,
        title_de=UMLAUTS,
        description_de=DESCRIPTION,
        country="DE",
        invitees=invitees,
        **VENUE,
    )
    winter = make_meeting(group, start=WINTER, title_de=FOLDED, invitees=invitees)
    cancelled = make_meeting(
        group,
        start=JULY,
        title_de="Abgesagt: Regiegruppe",
        status=MeetingStatus.cancelled,
        sequence=3,
        invitees=invitees,
    )
    return summer, winter, cancelled


def _check_meetings(events: list[dict], summer, winter, cancelled) -> None:
    by_uid = {event["uid"]: event for event in events}
    first, second, third = by_uid[summer.uid], by_uid[winter.uid], by_uid[cancelled.uid]
    assert first["summary"] == UMLAUTS
    assert first["description"].startswith(DESCRIPTION + "\n\n")
    assert first["location"] == "Rathaus, Festsaal, Prinzipalmarkt 10; 2. OG, Münster, DE"
    assert first["start"] == {"utc": "2030-03-31T08:00:00Z", "local": "2030-03-31T10:00:00",
                              "tzid": "Europe/Berlin"}  # fmt: skip
    assert first["end"]["utc"] == "2030-03-31T10:00:00Z"
    assert second["summary"] == FOLDED
    assert second["start"] == {"utc": "2030-10-27T09:00:00Z", "local": "2030-10-27T10:00:00",
                               "tzid": "Europe/Berlin"}  # fmt: skip
    assert (first["sequence"], first["status"]) == (0, "CONFIRMED")
    assert (third["sequence"], third["status"]) == (3, "CANCELLED")
    assert third["start"]["local"] == "2030-07-01T10:00:00"


def test_group_feed_reads_the_same_in_three_parsers(client):
    group = make_group(slug="drei")
    meetings = _meetings(group)
    db.session.commit()
    response = client.get(
        "/calendar/groups/drei.ics?history=all", headers={"Accept-Language": "de"}
    )
    assert response.status_code == 200
    raw = response.data
    assert_wire_lines(raw)
    events, icaljs = three_readings(raw)
    assert len(events) == 3
    _check_meetings(events, *meetings)
    assert_berlin_vtimezone(icaljs)
    assert icaljs["method"] is None and icaljs["refreshInterval"] == "PT6H"
    assert icaljs["name"] == str(icalendar.Calendar.from_ical(raw)["X-WR-CALNAME"])
    assert icaljs["name"].startswith("Netwerkbrug – ")


def test_personal_feed_with_a_visit_reads_the_same_in_three_parsers(client):
    from app.visits.models import Registration, RegistrationStatus

    person = make_user(email="ada@example.org", locale="de")
    token = services.regenerate_feed_token(person).token
    meetings = _meetings(invitees=[person])
    visit = make_visit(days=2, title_de="Arbeitsbesuch Integrationslotsen Münster")
    db.session.add(
        Registration(
            visit_id=visit.id,
            name=person.name,
            email=person.email,
            status=RegistrationStatus.confirmed,
        )
    )
    db.session.commit()
    raw = client.get(f"/calendar/feed/{token}.ics").data
    assert_wire_lines(raw)
    events, icaljs = three_readings(raw)
    _check_meetings(events, *meetings)
    days = [e for e in events if e["summary"] == "Arbeitsbesuch Integrationslotsen Münster"]
    assert [(d["start"]["local"], d["end"]["local"]) for d in days] == [
        ("2030-06-03T09:00:00", "2030-06-03T16:00:00"),
        ("2030-06-04T09:00:00", "2030-06-04T16:00:00"),
    ]
    assert {d["start"]["utc"] for d in days} == {"2030-06-03T07:00:00Z", "2030-06-04T07:00:00Z"}
    assert_berlin_vtimezone(icaljs)


@pytest.mark.parametrize("status", [MeetingStatus.planned, MeetingStatus.cancelled])
def test_invitation_reads_the_same_in_three_parsers(status):
    meeting = make_meeting(
        start=WINTER, title_de=UMLAUTS, description_de=DESCRIPTION, status=status, **VENUE
    )
    raw = invitation_bytes(
        meeting,
        lang="de",
        url=f"http://netwerkbrug.test/meetings/{meeting.id}",
        organiser=("pl@example.org", "Projektleitung"),
        attendee=("lid@example.org", "Lotte Lid"),
    )
    assert_wire_lines(raw)
    (event,), icaljs = three_readings(raw)
    cancelled = status is MeetingStatus.cancelled
    assert icaljs["method"] == ("CANCEL" if cancelled else "REQUEST")
    assert event["status"] == ("CANCELLED" if cancelled else "CONFIRMED")
    assert event["summary"] == UMLAUTS and event["description"].startswith(DESCRIPTION)
    assert event["start"]["utc"] == "2030-10-27T09:00:00Z"
    assert_berlin_vtimezone(icaljs)
