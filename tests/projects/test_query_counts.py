"""The quarterly report and the project's indicator page run the same number of SQL
statements with ten times the quarter's activity."""

from datetime import date, timedelta

from app.auth.models import Gender
from app.consensus.models import Outcome
from app.extensions import db
from app.meetings.models import MeetingKind
from app.projects import services
from app.visits.models import PointKind, Registration, RegistrationStatus, VisitPoint
from tests.core.test_query_counts import queries_for
from tests.factories import make_meeting, make_proposal, make_visit
from tests.reports.helpers import attend, closed_round

from .helpers import at, build_quarter, people


def add_activity(world, times: int) -> None:
    for n in range(times):
        meeting = make_meeting(
            world["xenia"],
            start=at(2025, 4, 1, 8) + timedelta(days=n % 80, minutes=n),
            kind=list(MeetingKind)[n % len(MeetingKind)],
            city=("Almelo", "Münster")[n % 2],
            country=("NL", "DE")[n % 2],
        )
        attend(meeting, people(3, world[("nl", "de")[n % 2]], Gender.female, f"P{n}"))
        visit = make_visit(world["de"], starts_on=date(2025, 4, 2) + timedelta(days=n % 80))
        db.session.add(
            Registration(
                visit=visit,
                name=f"G{n}",
                email=f"g{n}@example.org",
                status=RegistrationStatus.confirmed,
            )
        )
        db.session.add(VisitPoint(visit=visit, kind=PointKind.learning, text=f"Punt {n}"))
        proposal = make_proposal(world["xenia"], title=f"Voorstel {n}")
        round_ = closed_round(
            proposal, 1, at(2025, 5, 1, 12) + timedelta(hours=n), Outcome.consensus
        )
        round_.opened_at = at(2025, 4, 20, 12)
    db.session.commit()


def test_report_queries_do_not_grow_with_ten_times_the_activity(admin_client, admin):
    world = build_quarter()
    report = services.draft_report(admin, world["project"], 2025, 2)
    db.session.commit()
    paths = [
        f"/projects/reports/{report.id}",
        f"/projects/reports/{report.id}/print",
        "/projects/integratievisie/indicators?year=2025&quarter=2",
    ]
    add_activity(world, 3)
    few = [queries_for(admin_client, path) for path in paths]
    add_activity(world, 27)
    many = [queries_for(admin_client, path) for path in paths]
    assert many == few
    assert max(many) <= 40
