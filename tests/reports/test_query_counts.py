"""The indicator page runs the same number of SQL statements for 10 or 1,000 meetings."""

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.meetings.models import Attendance, Invitation, Meeting, MeetingKind
from tests.core.test_query_counts import queries_for
from tests.factories import make_group, make_user

KINDS = list(MeetingKind)


def add_meetings(count: int, people, group) -> None:
    start = datetime(2025, 1, 2, 9, tzinfo=UTC)
    meetings = [
        Meeting(
            kind=KINDS[n % len(KINDS)],
            group=group,
            title_nl=f"Bijeenkomst {n}",
            start_at=start + timedelta(hours=n),
            end_at=start + timedelta(hours=n + 1),
            city=("Enschede", "Münster", "Gronau")[n % 3],
            country=("NL", "DE")[n % 2],
        )
        for n in range(count)
    ]
    db.session.add_all(meetings)
    db.session.add_all(
        Invitation(meeting=m, user=people[n % len(people)], attendance=Attendance.present)
        for n, m in enumerate(meetings)
    )
    db.session.commit()


def test_indicator_queries_do_not_grow_with_the_meetings(admin_client):
    people = [make_user() for _ in range(8)]
    group = make_group()
    path = "/reports/indicators?from=2025-01-01&to=2025-12-31"
    add_meetings(10, people, group)
    few = queries_for(admin_client, path)
    add_meetings(990, people, group)
    many = queries_for(admin_client, path)
    assert many == few
    assert many <= 22  # the participants' rows once for four tables, the footer's project
