"""Twenty people register at the same moment for the last five places: exactly five are
confirmed, fifteen wait in arrival order, and the visit is never over capacity. On
PostgreSQL the visit row is locked (FOR UPDATE); on SQLite the single writer holds."""

import threading

import sqlalchemy as sa

from app.extensions import db
from app.visits import registration as reg
from app.visits import services
from app.visits.models import Registration, RegistrationStatus
from tests.factories import make_visit

PEOPLE = 20


def test_twenty_at_once_for_the_last_five_places(app):
    visit = make_visit(capacity=10)
    for n in range(5):
        reg.register(visit, name=f"Early {n}", email=f"early{n}@example.org")
    db.session.commit()
    visit_id = visit.id
    start = threading.Barrier(PEOPLE)
    errors: list[BaseException] = []

    def sign_up(n: int) -> None:
        try:
            with app.app_context():
                from app.visits.models import Visit

                # All start together; the connection pool (15) makes a few wait for a
                # connection, which is what a busy server does too.
                start.wait(timeout=30)
                target = db.session.get(Visit, visit_id)
                services.register(
                    target,
                    name=f"Late {n}",
                    email=f"late{n}@example.org",
                    organisation=None,
                    organisation_name="Org",
                    function="",
                    remarks="",
                    locale="nl",
                )
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    late = list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.visit_id == visit_id, Registration.name.like("Late%"))
            .order_by(Registration.id)
        )
    )
    assert len(late) == PEOPLE
    statuses = [r.status for r in late]
    # Arrival order is the order in which the lock was granted: ids and times agree.
    assert statuses == [RegistrationStatus.confirmed] * 5 + [RegistrationStatus.waitlisted] * 15
    assert [r.registered_at for r in late] == sorted(r.registered_at for r in late)
    confirmed = db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.visit_id == visit_id, Registration.status == RegistrationStatus.confirmed
        )
    )
    assert confirmed == 10
    assert [reg.waitlist_position(r) for r in late[5:]] == list(range(1, 16))
