"""Planning a series: several meetings alike on their own dates, all or nothing."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage
from app.meetings.models import Meeting, MeetingKind
from tests.factories import make_group, make_membership, make_user
from tests.meetings.test_views import count


def series(rows, **values):
    data = {
        "kind": "coaching_day",
        "group": "0",
        "title_nl": "Coachingsdag Almelo",
        "title_de": "Coachingtag Almelo",
        "zone": "Europe/Berlin",
        "venue": "Stadhuis",
        "city": "Almelo",
        "country": "NL",
    }
    for n, (day, starts, ends) in enumerate(rows):
        data.update({f"dates-{n}-day": day, f"dates-{n}-starts": starts, f"dates-{n}-ends": ends})
    data.update(values)
    return data


FOUR_DAYS = [
    ("2030-02-05", "09:00", "16:00"),
    ("2030-06-04", "09:30", "16:00"),  # summer time
    ("2030-09-10", "09:00", "16:00"),
    ("2030-11-12", "10:00", "15:00"),
]


def test_admin_plans_four_coaching_days_in_one_go(admin_client, member):
    response = admin_client.post(
        "/meetings/series/new", data=series(FOUR_DAYS, **{"extra_invitees": [str(member.id)]})
    )
    assert response.status_code == 302
    meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.start_at)).all()
    assert [m.start_at for m in meetings] == [
        datetime(2030, 2, 5, 8, 0, tzinfo=UTC),
        datetime(2030, 6, 4, 7, 30, tzinfo=UTC),
        datetime(2030, 9, 10, 7, 0, tzinfo=UTC),
        datetime(2030, 11, 12, 9, 0, tzinfo=UTC),
    ]
    assert {(m.kind, m.city, m.venue, m.title_de) for m in meetings} == {
        (MeetingKind.coaching_day, "Almelo", "Stadhuis", "Coachingtag Almelo")
    }
    assert len({m.uid for m in meetings}) == 4
    assert [[i.user_id for i in m.invitations] for m in meetings] == [[member.id]] * 4
    assert count(OutboxMessage) == 4


def test_group_series_invites_the_group_for_every_date():
    from app.meetings import services

    chair = make_user()
    group = make_group()
    make_membership(group, chair)
    lid = make_user()
    make_membership(group, lid)
    admin = make_user(is_admin=True)
    meetings = services.plan_series(
        admin,
        group,
        services.MeetingDetails(
            kind=MeetingKind.working_session,
            start_at=datetime(2030, 1, 1, tzinfo=UTC),
            end_at=datetime(2030, 1, 1, 1, tzinfo=UTC),
            title_nl="Werksessie",
        ),
        [
            services.SeriesDate(1, datetime(2030, 3, 4).date(), *_times("14:00", "17:00")),
            services.SeriesDate(2, datetime(2030, 4, 1).date(), *_times("14:00", "17:00")),
        ],
    )
    assert [sorted(i.user_id for i in m.invitations) for m in meetings] == [
        sorted([chair.id, lid.id])
    ] * 2


def _times(starts, ends):
    return (
        datetime.strptime(starts, "%H:%M").time(),
        datetime.strptime(ends, "%H:%M").time(),
    )


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (("2030-09-10", "16:00", "09:00"), "Row 3: The meeting must end after it starts."),
        (("2030-09-10", "", "16:00"), "Row 3: Give a date, a start time and an end time."),
        (("", "09:00", "16:00"), "Row 3: Give a date, a start time and an end time."),
        (("2030-03-31", "02:30", "06:00"), "Row 3: This local time does not exist"),
        (("10-09-2030", "09:00", "16:00"), "Row 3: Not a valid date value."),
    ],
)
def test_one_bad_row_refuses_the_whole_series(admin_client, bad_row, message):
    rows = [FOUR_DAYS[0], FOUR_DAYS[1], bad_row, FOUR_DAYS[3]]
    response = admin_client.post("/meetings/series/new", data=series(rows))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Meeting) == 0 and count(OutboxMessage) == 0


@pytest.mark.parametrize(
    "values",
    [{"city": ""}, {"title_nl": "", "title_de": ""}, {"zone": "Mars/Olympus"}, {"kind": "x"}],
)
def test_bad_shared_details_are_a_400(admin_client, values):
    response = admin_client.post("/meetings/series/new", data=series(FOUR_DAYS, **values))
    assert response.status_code == 400
    assert count(Meeting) == 0


def test_an_empty_series_is_refused(admin_client):
    response = admin_client.post("/meetings/series/new", data=series([]))
    assert response.status_code == 400
    assert "Give at least one date for the series." in response.get_data(as_text=True)


def test_holiday_is_named_per_row_before_saving(admin_client):
    rows = [FOUR_DAYS[0], ("2030-04-27", "10:00", "12:00")]  # King's Day
    response = admin_client.post("/meetings/series/new", data=series(rows))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Row 2" in page and "King&#39;s Day" in page
    assert count(Meeting) == 0
    confirmed = series(rows, confirm_holiday="y")
    assert admin_client.post("/meetings/series/new", data=confirmed).status_code == 302
    assert count(Meeting) == 2


def test_a_member_may_not_plan_a_series(member_client):
    assert member_client.get("/meetings/series/new").status_code == 403
    assert member_client.post("/meetings/series/new", data=series(FOUR_DAYS)).status_code == 403
    assert count(Meeting) == 0


def test_series_page_in_german(admin_client, admin):
    admin.locale = "de"
    db.session.commit()
    response = admin_client.get("/meetings/series/new")
    assert response.status_code == 200
    assert 'name="dates-5-day"' in response.get_data(as_text=True)
