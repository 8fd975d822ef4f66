"""The demo visits: one open, one full with a waiting list, one completed with learning and
transfer points; seeding twice adds nothing."""

import sqlalchemy as sa

from app.demo.seed import seed_demo
from app.extensions import db
from app.visits import registration as reg
from app.visits import services
from app.visits.models import Visit, VisitState


def test_demo_visits_are_open_full_and_completed():
    assert seed_demo()["visits"] == 3
    assert seed_demo()["visits"] == 0
    visits = {v.title_en: v for v in db.session.scalars(sa.select(Visit))}
    states = {
        title: visit.state(services.counts(visit).confirmed) for title, visit in visits.items()
    }
    assert sorted(states.values(), key=lambda s: s.name) == [
        VisitState.completed,
        VisitState.full,
        VisitState.open,
    ]
    full = next(v for t, v in visits.items() if states[t] == VisitState.full)
    assert [r.name for r in reg.waitlisted_of(full)] == ["Ingrid Schäfer", "Murat Demir"]
    completed = next(v for t, v in visits.items() if states[t] == VisitState.completed)
    assert {p.kind.name for p in completed.points} == {"learning", "transfer"}
    assert len(completed.days) == 1 and completed.policy_fields
