"""The coaching-day tracker: per city, held and scheduled out of the planned four."""

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.meetings import services
from app.meetings.demo import seed_meetings
from app.meetings.models import COACHING_DAYS_PER_CITY, MeetingKind, MeetingStatus
from tests.core.test_query_counts import queries_for
from tests.factories import make_group, make_meeting, make_user

NOW = datetime.now(UTC)


def coaching_day(city, days, **fields):
    return make_meeting(
        kind=MeetingKind.coaching_day, city=city, start=NOW + timedelta(days=days), **fields
    )


def test_held_scheduled_and_cancelled_per_city(member):
    coaching_day("Münster", -30)
    coaching_day("Münster", -10)
    coaching_day("Münster", 20)
    coaching_day("Münster", 40, status=MeetingStatus.cancelled)
    coaching_day("Almelo", 5)
    make_meeting(city="Almelo", start=NOW - timedelta(days=3))  # not a coaching day
    db.session.commit()
    progress = {p.city: p for p in services.coaching_progress(member)}
    assert COACHING_DAYS_PER_CITY == 4
    assert (progress["Münster"].held, progress["Münster"].scheduled) == (2, 1)
    assert progress["Münster"].cancelled == 1 and progress["Münster"].missing == 1
    assert progress["Münster"].marks == ["held", "held", "scheduled", "open"]
    assert (progress["Almelo"].held, progress["Almelo"].scheduled) == (0, 1)
    assert progress["Almelo"].missing == 3


def test_coaching_days_of_a_private_group_are_not_counted_for_outsiders(member, admin):
    coaching_day("Enschede", -5, group=make_group(is_public=False))
    db.session.commit()
    assert services.coaching_progress(member) == []
    assert [p.city for p in services.coaching_progress(admin)] == ["Enschede"]


def test_tracker_page_shows_every_city(member_client):
    coaching_day("Münster", -30)
    coaching_day("Enschede", 10)
    db.session.commit()
    response = member_client.get("/meetings/coaching-days")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Münster" in page and "Enschede" in page
    assert "1 of 4 held, 0 scheduled" in page
    assert "0 of 4 held, 1 scheduled" in page


def test_tracker_page_queries_do_not_grow_with_the_meetings(member_client):
    for n in range(3):
        coaching_day(f"Stad {n}", n - 1)
    db.session.commit()
    few = queries_for(member_client, "/meetings/coaching-days")
    for n in range(60):
        coaching_day(f"Stad {n % 20}", n - 30)
    db.session.commit()
    assert queries_for(member_client, "/meetings/coaching-days") == few <= 6


def test_demo_shows_progress_for_the_three_seed_cities():
    make_user(is_admin=True)
    seed_meetings()
    assert seed_meetings() == 0  # idempotent
    db.session.commit()
    progress = {p.city: p for p in services.coaching_progress(make_user(is_admin=True))}
    assert {city: (p.held, p.scheduled) for city, p in progress.items()} == {
        "Münster": (3, 1),
        "Enschede": (1, 2),
        "Almelo": (0, 1),
    }
