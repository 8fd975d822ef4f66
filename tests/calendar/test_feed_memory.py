"""A conditional feed request answered from the validators remembered under the page
cache's generation: 304 without a single query while nothing was written, and never a
stale 304 or someone else's feed once something was (a renewed token, a deactivated
account, a new invitation, another person, another language)."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from app.auth import services as auth_services
from app.core import not_modified
from app.extensions import db
from app.meetings import services
from app.meetings.models import Invitation
from tests.core.test_query_counts import count_queries
from tests.factories import make_group, make_meeting, make_user
from tests.redis_apps import apps_sharing_redis

FUTURE = datetime(2030, 3, 31, 8, 0, tzinfo=UTC)


def _uids(response):
    return [str(e["UID"]) for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")]


def _get(client, path, etag=None, **headers):
    if etag:
        headers["If-None-Match"] = etag
    with count_queries() as statements:
        response = client.get(path, headers=headers)
    return response, statements


def _personal(locale="en"):
    person = make_user(locale=locale)
    token = services.regenerate_feed_token(person).token
    return person, f"/calendar/feed/{token}.ics"


def test_unchanged_feed_answers_304_without_a_query(client):
    group = make_group(slug="remembered")
    make_meeting(group, start=FUTURE)
    person, path = _personal()
    make_meeting(start=FUTURE, invitees=[person])
    db.session.commit()
    for url in ("/calendar/groups/remembered.ics", path):
        first, _ = _get(client, url)
        assert first.status_code == 200
        again, statements = _get(client, url, etag=first.headers["ETag"])
        assert again.status_code == 304, url
        assert statements == [], url
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
        by_date, statements = _get(
            client, url, **{"If-Modified-Since": first.headers["Last-Modified"]}
        )
        assert by_date.status_code == 304 and statements == [], url


def test_a_request_without_a_matching_validator_gets_the_feed(client):
    group = make_group(slug="unmatched")
    make_meeting(group, start=FUTURE)
    db.session.commit()
    first, _ = _get(client, "/calendar/groups/unmatched.ics")
    again, statements = _get(client, "/calendar/groups/unmatched.ics", etag='"something-else"')
    assert again.status_code == 200 and again.data == first.data
    assert statements  # built from the database, not from memory


def test_renewed_token_answers_404_not_a_remembered_304(client):
    person, old_path = _personal()
    make_meeting(start=FUTURE, invitees=[person])
    db.session.commit()
    first, _ = _get(client, old_path)
    assert _get(client, old_path, etag=first.headers["ETag"])[0].status_code == 304

    services.regenerate_feed_token(person)
    db.session.commit()
    for headers in (
        {"If-None-Match": first.headers["ETag"]},
        {"If-Modified-Since": first.headers["Last-Modified"]},
    ):
        assert client.get(old_path, headers=headers).status_code == 404


def test_renewing_through_the_profile_kills_the_remembered_304(member_client, member, client):
    old = services.regenerate_feed_token(member).token
    db.session.commit()
    first = client.get(f"/calendar/feed/{old}.ics")
    etag = first.headers["ETag"]
    assert (
        client.get(f"/calendar/feed/{old}.ics", headers={"If-None-Match": etag}).status_code == 304
    )
    assert member_client.post("/calendar/feed/regenerate").status_code == 302
    assert (
        client.get(f"/calendar/feed/{old}.ics", headers={"If-None-Match": etag}).status_code == 404
    )


def test_deactivated_account_answers_404_not_a_remembered_304(client):
    admin = make_user(is_admin=True)
    person, path = _personal()
    db.session.commit()
    etag = client.get(path).headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    auth_services.deactivate_user(admin, person)
    db.session.commit()
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 404


def test_a_new_invitation_gives_200_with_the_new_event(client):
    person, path = _personal()
    days_ago = datetime.now(UTC) - timedelta(days=40)
    known = make_meeting(start=FUTURE, updated_at=days_ago)
    older = make_meeting(start=FUTURE + timedelta(days=1), updated_at=days_ago)
    # weeks ago: Last-Modified counts whole seconds
    db.session.add(Invitation(meeting=known, user=person, invited_at=days_ago))
    db.session.commit()
    first, _ = _get(client, path)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert _get(client, path, etag=etag)[0].status_code == 304

    db.session.add(Invitation(meeting=older, user=person))
    db.session.commit()
    by_etag, _ = _get(client, path, etag=etag)
    assert by_etag.status_code == 200
    assert _uids(by_etag) == [known.uid, older.uid]
    by_date, _ = _get(client, path, **{"If-Modified-Since": last_modified})
    assert by_date.status_code == 200
    assert _uids(by_date) == [known.uid, older.uid]


def test_a_changed_meeting_gives_200_on_the_group_feed(client):
    group = make_group(slug="changing")
    meeting = make_meeting(group, start=FUTURE, title_en="Before")
    db.session.commit()
    etag = client.get("/calendar/groups/changing.ics").headers["ETag"]
    assert (
        client.get("/calendar/groups/changing.ics", headers={"If-None-Match": etag}).status_code
        == 304
    )
    details = services.MeetingDetails(
        kind=meeting.kind, start_at=meeting.start_at, end_at=meeting.end_at, title_en="After"
    )
    services.update_meeting(make_user(is_admin=True), meeting, details, now=datetime.now(UTC))
    db.session.commit()
    again = client.get("/calendar/groups/changing.ics", headers={"If-None-Match": etag})
    assert again.status_code == 200 and b"SUMMARY:After" in again.data


def test_one_persons_validators_never_answer_anothers_request(client):
    ada, ada_path = _personal()
    bob, bob_path = _personal()
    make_meeting(start=FUTURE, invitees=[ada], title_en="Only Ada")
    make_meeting(start=FUTURE, invitees=[bob], title_en="Only Bob")
    db.session.commit()
    ada_first, _ = _get(client, ada_path)
    assert _get(client, ada_path, etag=ada_first.headers["ETag"])[0].status_code == 304
    # Bob's calendar program presenting Ada's validators gets Bob's feed, in full
    for headers in (
        {"If-None-Match": ada_first.headers["ETag"]},
        {"If-Modified-Since": ada_first.headers["Last-Modified"]},
    ):
        bob_response = client.get(bob_path, headers=headers)
        if bob_response.status_code == 304:  # only ever with Bob's own validators
            assert bob_response.headers["ETag"] != ada_first.headers["ETag"]
            continue
        assert bob_response.status_code == 200
        assert b"Only Bob" in bob_response.data and b"Only Ada" not in bob_response.data
    assert client.get(bob_path).headers["ETag"] != ada_first.headers["ETag"]


def test_one_languages_validators_never_answer_another_language(client):
    group = make_group(slug="talen")
    make_meeting(group, start=FUTURE, title_en="Meeting", title_de="Sitzung")
    db.session.commit()
    english, _ = _get(client, "/calendar/groups/talen.ics", **{"Accept-Language": "en"})
    etag = english.headers["ETag"]
    assert _get(client, "/calendar/groups/talen.ics", etag, **{"Accept-Language": "en"})[
        0
    ].status_code == 304  # fmt: skip
    german, _ = _get(client, "/calendar/groups/talen.ics", etag, **{"Accept-Language": "de"})
    assert german.status_code == 200
    assert b"SUMMARY:Sitzung" in german.data and german.headers["ETag"] != etag


def test_the_window_is_part_of_what_is_remembered(client):
    group = make_group(slug="history")
    make_meeting(group, start=datetime(2020, 5, 4, 8, 0, tzinfo=UTC))
    make_meeting(group, start=FUTURE)
    db.session.commit()
    default = client.get("/calendar/groups/history.ics")
    etag = default.headers["ETag"]
    assert (
        client.get("/calendar/groups/history.ics", headers={"If-None-Match": etag}).status_code
        == 304
    )
    everything = client.get(
        "/calendar/groups/history.ics?history=all", headers={"If-None-Match": etag}
    )
    assert everything.status_code == 200 and len(_uids(everything)) == 2


@pytest.mark.parametrize(
    ("settings", "remembers"),
    [
        ({"CACHE_TYPE": "SimpleCache", "WEB_CONCURRENCY": 1}, True),
        ({"CACHE_TYPE": "SimpleCache", "WEB_CONCURRENCY": 2}, False),
        ({"CACHE_TYPE": "flask_caching.backends.SimpleCache", "WEB_CONCURRENCY": 2}, False),
        ({"CACHE_TYPE": "RedisCache", "WEB_CONCURRENCY": 4}, True),
        ({"FEED_REMEMBER_VALIDATORS": False}, False),
    ],
)
def test_validators_are_remembered_only_where_the_cache_sees_every_web_write(
    app, monkeypatch, settings, remembers
):
    """Each web process's own cache sees only that process's writes: with several
    processes, one would answer a stale 304 after another renewed a token."""
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    assert not_modified.is_enabled(app.config) is remembers


def test_several_web_processes_with_in_process_caches_ask_the_database(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WEB_CONCURRENCY", 2)
    group = make_group(slug="several")
    make_meeting(group, start=FUTURE)
    db.session.commit()
    etag = client.get("/calendar/groups/several.ics").headers["ETag"]
    again, statements = _get(client, "/calendar/groups/several.ics", etag=etag)
    assert again.status_code == 304
    assert statements  # the aggregates, still no feed built


def test_with_redis_a_token_renewed_in_one_process_is_no_304_in_another(database_uri):
    """Two app instances stand for two web processes sharing Redis (WEB_CONCURRENCY=2)."""
    with apps_sharing_redis(
        database_uri,
        "feeds",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        WEB_CONCURRENCY=2,
    ) as (writer, reader):
        client = reader.test_client()
        with writer.app_context():
            person = make_user()
            path = f"/calendar/feed/{services.regenerate_feed_token(person).token}.ics"
            db.session.commit()
        with reader.app_context():
            etag = client.get(path).headers["ETag"]
            with count_queries() as statements:
                assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
            assert statements == []
        with writer.app_context():
            services.regenerate_feed_token(db.session.merge(person))
            db.session.commit()
        with reader.app_context():
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 404
