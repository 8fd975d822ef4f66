"""Feeds built from kept VEVENTs: the same bytes as a full build, rebuilt only on change,
a 304 from cheap aggregates without building anything, an invitation moving
Last-Modified, and the default window with `?history=all`."""

from datetime import UTC, datetime, timedelta

import icalendar
import vobject
from werkzeug.http import http_date

from app.calendar import feeds, ical
from app.core.urls import external_url
from app.extensions import db
from app.meetings import services
from app.meetings.models import Invitation
from tests.factories import make_group, make_meeting, make_user

FUTURE = datetime(2030, 3, 31, 8, 0, tzinfo=UTC)
LONG_AGO = datetime(2020, 5, 4, 8, 0, tzinfo=UTC)


def _uids(body):
    return [str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]


def _count_builds(monkeypatch):
    built = []
    original = ical.meeting_event_bytes

    def counting(meeting, **kw):
        built.append(meeting.id)
        return original(meeting, **kw)

    monkeypatch.setattr(ical, "meeting_event_bytes", counting)
    return built


def test_served_feed_is_byte_for_byte_a_full_build(client):
    group = make_group(slug="bytes")
    long_title = "Binationale Konferenz über Integration und Arbeit " * 3
    meetings = [
        make_meeting(group, start=FUTURE + timedelta(days=n), title_en=long_title) for n in range(3)
    ]
    db.session.commit()
    served = client.get("/calendar/groups/bytes.ics", headers={"Accept-Language": "en"})
    assert served.status_code == 200
    expected = ical.feed_bytes(
        meetings,
        name=f"Netwerkbrug – {group.name}",
        lang="en",
        url_for=lambda m: external_url("meetings.show", meeting_id=m.id),
    )
    assert served.data == expected
    # and an independent parser reads it as icalendar does
    cal = vobject.readOne(served.data.decode("utf-8"))
    assert [e.uid.value for e in cal.vevent_list] == [m.uid for m in meetings]
    assert {e.summary.value for e in cal.vevent_list} == {long_title}


def test_vevents_are_rebuilt_only_when_the_meeting_changes(client, monkeypatch):
    group = make_group(slug="kept")
    organiser = make_user(is_admin=True)
    first, second = (make_meeting(group, start=FUTURE + timedelta(days=n)) for n in (0, 1))
    db.session.commit()
    built = _count_builds(monkeypatch)
    client.get("/calendar/groups/kept.ics", headers={"Accept-Language": "en"})
    assert sorted(built) == sorted([first.id, second.id])
    built.clear()
    client.get("/calendar/groups/kept.ics", headers={"Accept-Language": "en"})
    assert built == []
    # another language is another VEVENT
    client.get("/calendar/groups/kept.ics", headers={"Accept-Language": "de"})
    assert sorted(built) == sorted([first.id, second.id])
    built.clear()

    details = services.MeetingDetails(
        kind=first.kind,
        start_at=first.start_at + timedelta(hours=1),
        end_at=first.end_at + timedelta(hours=1),
        title_en="Moved meeting",
    )
    services.update_meeting(organiser, first, details, now=datetime.now(UTC))
    db.session.commit()
    response = client.get("/calendar/groups/kept.ics", headers={"Accept-Language": "en"})
    assert built == [first.id]
    assert b"SUMMARY:Moved meeting" in response.data


def test_conditional_request_answers_304_without_building(client, monkeypatch):
    group = make_group(slug="cheap")
    make_meeting(group, start=FUTURE)
    db.session.commit()
    first = client.get("/calendar/groups/cheap.ics")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]

    def refuse(*args, **kwargs):
        raise AssertionError("a 304 builds nothing")

    monkeypatch.setattr(ical, "meeting_event_bytes", refuse)
    monkeypatch.setattr(ical, "feed_head", refuse)
    monkeypatch.setattr(feeds, "feed_body", refuse)
    by_etag = client.get("/calendar/groups/cheap.ics", headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.data == b""
    assert by_etag.headers["ETag"] == etag
    by_date = client.get("/calendar/groups/cheap.ics", headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304


def test_an_invitation_moves_last_modified_of_the_personal_feed(client):
    person = make_user(locale="en")
    token = services.regenerate_feed_token(person).token
    days_ago = datetime.now(UTC) - timedelta(days=40)
    known = make_meeting(start=FUTURE, updated_at=days_ago)
    older = make_meeting(start=FUTURE + timedelta(days=1), updated_at=days_ago)
    db.session.add(Invitation(meeting=known, user=person, invited_at=days_ago))
    db.session.commit()
    first = client.get(f"/calendar/feed/{token}.ics")
    assert _uids(first.data) == [known.uid]
    last_modified = first.headers["Last-Modified"]
    assert client.get(
        f"/calendar/feed/{token}.ics", headers={"If-Modified-Since": last_modified}
    ).status_code == 304  # fmt: skip

    # invited to a meeting that itself has not changed for weeks
    db.session.add(Invitation(meeting=older, user=person))
    db.session.commit()
    again = client.get(f"/calendar/feed/{token}.ics", headers={"If-Modified-Since": last_modified})
    assert again.status_code == 200
    assert _uids(again.data) == [known.uid, older.uid]
    assert again.headers["Last-Modified"] != last_modified
    assert again.headers["ETag"] != first.headers["ETag"]


def test_the_default_window_starts_a_year_back_and_history_all_holds_everything(client):
    group = make_group(slug="window")
    recent = datetime.now(UTC) - timedelta(days=300)
    old = make_meeting(group, start=LONG_AGO)
    kept = make_meeting(group, start=recent)
    coming = make_meeting(group, start=FUTURE)
    db.session.commit()
    default = client.get("/calendar/groups/window.ics")
    assert _uids(default.data) == [kept.uid, coming.uid]
    everything = client.get("/calendar/groups/window.ics?history=all")
    assert _uids(everything.data) == [old.uid, kept.uid, coming.uid]
    assert everything.headers["ETag"] != default.headers["ETag"]


def test_window_starts_on_the_first_of_the_month_a_year_back():
    start = feeds.window_start(None, today=datetime(2026, 12, 2).date())
    assert http_date(start) == "Sun, 30 Nov 2025 23:00:00 GMT"  # 1 Dec 2025 00:00 Berlin
    assert feeds.window_start("all") is None
