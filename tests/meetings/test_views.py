"""Meeting pages through the client: forms, bad input (4xx, nothing written), answers."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage
from app.meetings import services
from app.meetings.models import Meeting, Response
from tests.factories import make_group, make_meeting, make_membership, make_user


def form(**values):
    data = {
        "kind": "coaching_day",
        "group": "0",
        "title_nl": "Coachingsdag Münster",
        "start": "2030-06-04T10:00",
        "end": "2030-06-04T16:00",
        "zone": "Europe/Berlin",
        "city": "Münster",
        "country": "DE",
    }
    data.update(values)
    return data


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_admin_plans_a_meeting_with_berlin_time(admin_client, member):
    response = admin_client.post("/meetings/new", data=form(extra_invitees=[str(member.id)]))
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting))
    assert meeting.start_at == datetime(2030, 6, 4, 8, 0, tzinfo=UTC)
    assert [i.user_id for i in meeting.invitations] == [member.id]
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Coachingsdag Münster" in page


@pytest.mark.parametrize(
    "values",
    [
        {"end": "2030-06-04T09:00"},  # end before start
        {"zone": "Mars/Olympus"},  # unknown time zone
        {"start": "not a date"},
        {"start": "2030-03-31T02:30", "end": "2030-03-31T04:00"},  # does not exist locally
        {"kind": "picnic"},
        {"title_nl": ""},
        {"online_url": "javascript:alert(1)"},
        {"group": "99999"},
    ],
)
def test_bad_input_is_a_4xx_and_writes_nothing(admin_client, values):
    response = admin_client.post("/meetings/new", data=form(**values))
    assert response.status_code == 400
    assert count(Meeting) == 0 and count(OutboxMessage) == 0


def test_holiday_warns_before_saving(admin_client):
    kingsday = form(start="2030-04-27T10:00", end="2030-04-27T12:00")
    response = admin_client.post("/meetings/new", data=kingsday)
    assert response.status_code == 400
    assert "King&#39;s Day" in response.get_data(as_text=True)
    assert count(Meeting) == 0
    response = admin_client.post("/meetings/new", data={**kingsday, "confirm_holiday": "y"})
    assert response.status_code == 302
    assert count(Meeting) == 1


def test_member_answers_through_the_mail_link_without_signing_in(client):
    lid = make_user()
    meeting = make_meeting(
        make_group(), invitees=[lid], start=datetime.now(UTC) + timedelta(days=5)
    )
    db.session.commit()
    token = services.make_rsvp_token(meeting.invitations[0])
    page = client.get(f"/meetings/rsvp/{token}?answer=declined")
    assert page.status_code == 200
    assert meeting.invitations[0].response == Response.needs_action  # GET changes nothing
    assert client.post(f"/meetings/rsvp/{token}", data={"answer": "declined"}).status_code == 200
    assert meeting.invitations[0].response == Response.declined
    assert client.get(f"/meetings/rsvp/{token}x").status_code == 400
    assert client.post(f"/meetings/rsvp/{token}", data={"answer": "maybe"}).status_code == 400


def test_answering_a_cancelled_meeting_is_refused(client):
    lid = make_user()
    meeting = make_meeting(
        make_group(), invitees=[lid], start=datetime.now(UTC) + timedelta(days=5)
    )
    token = services.make_rsvp_token(meeting.invitations[0])
    services.cancel_meeting(make_user(is_admin=True), meeting)
    db.session.commit()
    assert client.post(f"/meetings/rsvp/{token}", data={"answer": "accepted"}).status_code == 409


def test_agenda_longer_than_the_meeting_is_a_warning(admin_client):
    meeting = make_meeting(hours=1)
    db.session.commit()
    for title in ("Welkom", "Wonen"):
        response = admin_client.post(
            f"/meetings/{meeting.id}/agenda", data={"title": title, "duration": "45"}
        )
        assert response.status_code == 302
    page = admin_client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "The agenda is longer than the meeting." in page
    bad = admin_client.post(f"/meetings/{meeting.id}/agenda", data={"title": "x", "duration": "-5"})
    assert bad.status_code == 400


def test_group_page_shows_upcoming_meetings_and_open_actions(member_client, member):
    group = make_group(slug="xenia", name_en="Xenia")
    make_membership(group, member)
    meeting = make_meeting(
        group, title_en="Werksessie wonen", start=datetime.now(UTC) + timedelta(days=2)
    )
    services.add_action_item(make_user(is_admin=True), meeting, "Notitie schrijven", member, None)
    db.session.commit()
    page = member_client.get("/groups/xenia").get_data(as_text=True)
    assert "Werksessie wonen" in page and "Notitie schrijven" in page


def test_private_meeting_is_hidden_from_others(member_client):
    meeting = make_meeting(make_group(is_public=False))
    db.session.commit()
    assert member_client.get(f"/meetings/{meeting.id}").status_code == 404
    assert meeting.title_en not in member_client.get("/meetings/").get_data(as_text=True)


@pytest.mark.parametrize("query", ["?when=later", "?kind=picnic", "?group=nope", "?page=0"])
def test_list_filters_reject_bad_values(member_client, query):
    assert member_client.get(f"/meetings/{query}").status_code in (400, 404)


@pytest.mark.parametrize("month", ["2030-13", "abc", "99999-01"])
def test_month_grid_rejects_bad_months(member_client, month):
    assert member_client.get(f"/meetings/calendar?month={month}").status_code == 400


def test_month_grid_shows_meetings(member_client):
    make_meeting(title_en="Studiedag", start=datetime(2030, 6, 3, 8, 0, tzinfo=UTC))
    db.session.commit()
    page = member_client.get("/meetings/calendar?month=2030-06").get_data(as_text=True)
    assert "Studiedag" in page
