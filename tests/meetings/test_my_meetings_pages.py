"""/meetings/mine sends a page of past meetings, not all of them."""

from datetime import UTC, datetime, timedelta

from app.extensions import db
from tests.factories import make_meeting


def invite_to_past_meetings(member, count):
    first = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
    for n in range(count):
        make_meeting(start=first + timedelta(days=n), invitees=[member], title_en=f"Old {n:03d}")


def test_past_meetings_come_a_page_at_a_time(member_client, member):
    invite_to_past_meetings(member, 60)
    make_meeting(start=datetime(2031, 1, 6, 9, tzinfo=UTC), invitees=[member], title_en="Next")
    db.session.commit()

    first = member_client.get("/meetings/mine").get_data(as_text=True)
    assert "Next" in first
    assert first.count("Old 0") == 25  # the newest 25 of 60
    assert "Old 059" in first and "Old 034" not in first
    assert 'href="/meetings/mine?page=2"' in first

    last = member_client.get("/meetings/mine?page=3").get_data(as_text=True)
    assert "Old 000" in last and "Old 059" not in last
    assert member_client.get("/meetings/mine?page=4").status_code == 404


def test_the_page_stays_small_whatever_the_history(member_client, member):
    invite_to_past_meetings(member, 30)
    db.session.commit()
    few = len(member_client.get("/meetings/mine").data)
    invite_to_past_meetings(member, 90)
    db.session.commit()
    many = len(member_client.get("/meetings/mine").data)
    assert many < few * 1.2
