"""Each indicator on a known year (tests/reports/helpers.build_world), exactly."""

import csv
import io
from datetime import date, timedelta

import pytest

from app.core.database import utcnow
from app.meetings.models import MeetingKind
from app.reports import services
from app.reports.services import Period
from tests.factories import make_meeting

from .helpers import build_world, page_table

YEAR_2025 = Period(date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def world():
    return build_world()


def test_meetings_by_kind_count_the_meetings_of_the_local_year_not_cancelled(world):
    rows = dict(services.meetings_by_kind(YEAR_2025).rows)
    assert rows == {
        "Kick-off meeting": 0,  # the only one was cancelled
        "Coaching day": 2,
        "Working session": 1,
        "Steering group meeting": 1,  # 00:30 on 1 January 2025 in Berlin
        "Binational conference": 0,
        "Study day": 0,  # 00:30 on 1 January 2026 in Berlin belongs to the next year
    }


def test_the_new_year_meeting_belongs_to_the_year_it_starts_in_locally(world):
    rows_2026 = dict(services.meetings_by_kind(Period(date(2026, 1, 1), date(2026, 1, 1))).rows)
    assert rows_2026["Study day"] == 1
    assert rows_2026["Steering group meeting"] == 0
    rows_2024 = dict(services.meetings_by_kind(Period(date(2024, 1, 1), date(2024, 12, 31))).rows)
    assert sum(rows_2024.values()) == 0


def test_meetings_by_country_of_venue(world):
    assert services.meetings_by_country(YEAR_2025).rows == [("Germany", 2), ("Netherlands", 2)]


SMALL = "< 5"


def test_participants_come_from_attendance_and_visits_and_small_cells_read_small(world):
    # Present: six Dutch women, two German men, one person without organisation or gender;
    # two guests without an account registered for the 2025 visit (no country, no gender).
    # The absent invitee (diverse, German) is not counted. Beside the six women, the two
    # "< 5" cells of German and unstated-country women could only be 0: so the six Dutch
    # women are withheld in the cross table, and the margins stay as they are.
    assert services.participants_by_country(YEAR_2025).rows == [
        ("Netherlands", 6),
        ("Germany", SMALL),
        ("Not stated", SMALL),
        ("Total", 11),
    ]
    assert services.participants_by_gender(YEAR_2025).rows == [
        ("Female", 6),
        ("Male", SMALL),
        ("Diverse / non-binary", SMALL),
        ("Not stated", SMALL),
        ("Total", 11),
    ]
    cross = services.participants_by_country_and_gender(YEAR_2025)
    assert cross.rows[0] == ("Netherlands", "hidden", SMALL, SMALL, SMALL, 6)
    assert cross.rows[-1] == ("Total", 6, SMALL, SMALL, SMALL, 11)


def test_participants_by_source_side_by_side(world):
    rows = services.participants_by_source(YEAR_2025).rows
    assert rows[0][0] == "Present at a meeting"
    assert [row[0] for row in rows[1:]] == [
        "Registered for a work visit",
        "Registered for a public meeting",
        "Participations",
    ]
    assert rows[-1][-1] == 11


def test_a_period_with_only_the_new_year_meeting_shows_only_small_cells(world):
    first_day = Period(date(2025, 1, 1), date(2025, 1, 1))
    rows = services.participants_by_gender(first_day).rows
    assert [label for label, _n in rows] == [
        "Female",
        "Male",
        "Diverse / non-binary",
        "Not stated",
        "Total",
    ]
    assert {n for _label, n in rows} == {SMALL}


def test_not_stated_is_shown_as_such_when_the_cell_is_large_enough(world):
    from app.auth.models import Gender

    for person in [*world["women"], *world["men"]]:
        person.gender = Gender.not_stated
    assert services.participants_by_gender(YEAR_2025).rows[3] == ("Not stated", 11)


def test_share_of_meetings_with_participants_from_both_countries(world):
    assert services.binational_meetings(YEAR_2025).rows == [
        ("Meetings with recorded attendance", 3),  # the Münster coaching day had none
        ("Meetings with participants from both countries", 1),
        ("Share of meetings with participants from both countries (%)", 33.3),
    ]


def test_coaching_days_per_city_against_the_plan_of_four(world):
    assert services.coaching_days(YEAR_2025).rows == [("Enschede", 1, 0, 4), ("Münster", 1, 0, 4)]


def test_a_coaching_day_still_ahead_counts_as_scheduled_not_held():
    make_meeting(start=utcnow() + timedelta(days=3), city="Gronau", kind=MeetingKind.coaching_day)
    today = utcnow().date()
    period = Period(today - timedelta(days=1), today + timedelta(days=30))
    assert services.coaching_days(period).rows == [("Gronau", 0, 1, 4)]


def test_consensus_rounds_and_decisions_per_group(world):
    assert services.consensus_per_group(YEAR_2025).rows == [("Xenia Enschede", 2, 1)]
    assert services.consensus_per_group(Period(date(2024, 1, 1), date(2024, 12, 31))).rows == [
        ("Bridge", 1, 0)
    ]


def test_newsletter_subscribers_by_language_and_country_at_the_end_of_the_period(world):
    assert services.subscribers_by_language(YEAR_2025).rows == [
        ("Deutsch", 2),
        ("English", 1),
        ("Nederlands", 2),
    ]
    # The German man's address ends in .org, his organisation is German.
    assert services.subscribers_by_country(YEAR_2025).rows == [
        ("Netherlands", 2),
        ("Germany", 2),
        ("Not known", 1),
    ]


def test_visits_offered_registrations_waiting_list_and_points(world):
    assert services.visits(YEAR_2025).rows == [
        ("Visits offered", 1),
        ("Confirmed registrations", 2),
        ("On the waiting list", 1),
        ("Learning points recorded", 2),
        ("Transfer points recorded", 1),
    ]


def test_editions_sent_in_the_period_and_their_reach(world):
    assert services.editions_sent(YEAR_2025).rows == [("2025 Q2", 2)]


@pytest.mark.parametrize(
    ("first", "last"),
    [("2025-13-01", "2025-12-31"), ("2025-06-01", "2025-01-01"), ("yesterday", ""), ("", "1-1")],
)
def test_a_bad_period_is_a_translated_400(admin_client, first, last):
    response = admin_client.get(f"/reports/indicators?from={first}&to={last}")
    assert response.status_code == 400
    assert "Please give the period as two dates" in response.get_data(as_text=True)


def test_the_page_shows_each_table_with_its_chart(admin_client, world):
    response = admin_client.get("/reports/indicators?from=2025-01-01&to=2025-12-31")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page_table(html, "participants_by_gender") == [
        ["Gender", "Participants"],
        ["Female", "6"],
        ["Male", "< 5"],
        ["Diverse / non-binary", "< 5"],
        ["Not stated", "< 5"],
        ["Total", "11"],
    ]
    assert html.count('role="img"') == len(services.indicator_tables(YEAR_2025))
    # A withheld count gets no bar.
    assert '<desc id="chart-participants_by_gender-desc">Female: 6</desc>' in html
    assert "Every country and every gender keeps its row." in html


@pytest.mark.parametrize("key", list(services.SECTIONS))
def test_each_csv_equals_the_table_on_the_page(admin_client, world, key):
    query = f"from=2025-01-01&to=2025-12-31&table={key}"
    response = admin_client.get(f"/reports/indicators.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    page = admin_client.get(f"/reports/indicators?{query}").get_data(as_text=True)
    if services.indicator_table(key, YEAR_2025).is_suppressed:
        assert rows.pop(0) == [str(services.SUPPRESSION_RULE)]
    assert rows == page_table(page, key)
    assert len(rows) > 1


def test_an_unknown_csv_table_is_a_400(admin_client):
    response = admin_client.get("/reports/indicators.csv?table=salaries")
    assert response.status_code == 400
    assert "There is no indicator table of this name." in response.get_data(as_text=True)


def test_members_cannot_see_the_report(member_client):
    assert member_client.get("/reports/indicators").status_code == 403
    assert member_client.get("/reports/indicators.csv?table=consensus").status_code == 403
