"""Feed URLs: who sees what, caching headers, token renewal, bounded queries."""

from datetime import UTC, datetime, timedelta

import icalendar

from app.extensions import db
from app.meetings import services
from tests.conftest import TEST_PASSWORD, login
from tests.core.test_query_counts import count_queries
from tests.factories import make_group, make_meeting, make_membership, make_user, make_visit

START = datetime(2030, 6, 3, 8, 0, tzinfo=UTC)


def uids(response):
    return {str(e["UID"]) for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")}


def test_private_group_meetings_stay_out_of_public_and_other_feeds(client):
    public = make_group(slug="open")
    private = make_group(slug="closed", is_public=False)
    insider = make_user()
    outsider = make_user()
    make_membership(private, insider)
    open_meeting = make_meeting(public, invitees=[insider, outsider])
    secret = make_meeting(private, invitees=[insider])
    insider_token = services.regenerate_feed_token(insider).token
    outsider_token = services.regenerate_feed_token(outsider).token
    db.session.commit()

    response = client.get("/calendar/groups/open.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert uids(response) == {open_meeting.uid}
    assert client.get("/calendar/groups/closed.ics").status_code == 404
    assert uids(client.get(f"/calendar/feed/{insider_token}.ics")) == {open_meeting.uid, secret.uid}
    assert uids(client.get(f"/calendar/feed/{outsider_token}.ics")) == {open_meeting.uid}


def test_renewed_token_kills_the_old_url(app):
    person = make_user(email="p@example.org", password=TEST_PASSWORD)
    old = services.regenerate_feed_token(person).token
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/calendar/feed/{old}.ics").status_code == 200
    login(client, person.email)
    assert client.post("/calendar/feed/regenerate").status_code == 302
    new = services.feed_of(person).token
    assert new != old
    assert client.get(f"/calendar/feed/{old}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{new}.ics").status_code == 200
    profile = client.get("/profile").get_data(as_text=True)
    assert new in profile and "webcal://" in profile


def test_unchanged_feed_answers_304(client):
    group = make_group(slug="cached")
    make_meeting(group)
    db.session.commit()
    first = client.get("/calendar/groups/cached.ics")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = client.get("/calendar/groups/cached.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_single_meeting_ics_for_a_visible_meeting(member_client, member):
    private = make_group(slug="hidden", is_public=False)
    hidden = make_meeting(private)
    shown = make_meeting(make_group(), invitees=[member])
    db.session.commit()
    assert member_client.get(f"/meetings/{hidden.id}.ics").status_code == 404
    response = member_client.get(f"/meetings/{shown.id}.ics")
    assert response.status_code == 200
    assert uids(response) == {shown.uid}


def _feed_queries(client, token):
    with count_queries() as statements:
        assert client.get(f"/calendar/feed/{token}.ics").status_code == 200
    return len(statements)


def test_personal_feed_queries_do_not_grow(client):
    person = make_user()
    token = services.regenerate_feed_token(person).token
    for n in range(10):
        make_meeting(start=START + timedelta(days=n), invitees=[person])
    db.session.commit()
    few = _feed_queries(client, token)
    for n in range(990):
        make_meeting(start=START + timedelta(days=10 + n), invitees=[person])
    db.session.commit()
    many = _feed_queries(client, token)
    assert many == few
    assert many <= 7  # token, user, meetings; visits with their days and hosts


def _confirmed_for(person, visit, status=None):
    from app.visits.models import Registration, RegistrationStatus

    db.session.add(
        Registration(
            visit_id=visit.id,
            name=person.name,
            email=person.email,
            status=status or RegistrationStatus.confirmed,
        )
    )


def test_personal_feed_holds_confirmed_visits_each_day(client):
    from app.visits.models import RegistrationStatus

    person = make_user(email="ada@example.org")
    token = services.regenerate_feed_token(person).token
    two_days = make_visit(days=2, title_en="Integration pilots Münster")
    waiting = make_visit(title_en="Waiting")
    someone_elses = make_visit(title_en="Not mine")
    _confirmed_for(person, two_days)
    _confirmed_for(person, waiting, RegistrationStatus.waitlisted)
    db.session.commit()
    response = client.get(f"/calendar/feed/{token}.ics")
    events = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Integration pilots Münster"] * 2
    assert {e.decoded("DTSTART").astimezone(UTC).hour for e in events} == {7}  # 09:00 CEST
    assert len({str(e["UID"]) for e in events}) == 2
    assert someone_elses.title_en not in response.get_data(as_text=True)


def test_personal_feed_queries_do_not_grow_with_visits(client):
    person = make_user()
    token = services.regenerate_feed_token(person).token
    for _n in range(3):
        _confirmed_for(person, make_visit(days=2))
    db.session.commit()
    few = _feed_queries(client, token)
    for _n in range(30):
        _confirmed_for(person, make_visit(days=3))
    db.session.commit()
    assert _feed_queries(client, token) == few <= 7
