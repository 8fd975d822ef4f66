"""Deferral is not failure: a relay answering 451 for hours keeps every subscriber."""

from datetime import timedelta

import sqlalchemy as sa

from app.core.database import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.worker import run_worker
from app.newsletter import services
from app.newsletter.models import Edition, EditionStatus, Subscriber, SubscriberStatus
from tests.factories import make_edition, make_subscriber, make_user


def _time_passes(hours: float) -> None:
    """Every waiting outbox row was queued `hours` earlier and is due now."""
    db.session.execute(
        sa.update(OutboxMessage).values(
            created_at=utcnow() - timedelta(hours=hours),
            next_attempt_at=utcnow() - timedelta(seconds=1),
        )
    )
    db.session.commit()


def test_a_long_451_keeps_subscribers_confirmed_and_the_edition_finishes(smtp_config):
    greylisted = make_subscriber(email="grijs@example.nl")
    fine = make_subscriber(email="lezer@example.org")
    edition = make_edition(quarter="2027 Q1", languages=("nl",))
    services.queue_edition(make_user(is_admin=True), edition)
    db.session.commit()
    ids = (greylisted.id, fine.id, edition.id)
    smtp_config.handler.answers["grijs@example.nl"] = "451 4.7.1 Greylisted, try again later"

    run_worker(once=True)
    for hours in (1, 2, 4, 8, 12, 20, 30, 45, 60):  # far past the retry base
        _time_passes(hours)
        run_worker(once=True)

    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "grijs@example.nl")
    )
    assert row.status is OutboxStatus.pending and row.attempts == 10
    assert db.session.get(Edition, ids[2]).status is EditionStatus.sending
    assert db.session.get(Subscriber, ids[0]).status is SubscriberStatus.confirmed

    del smtp_config.handler.answers["grijs@example.nl"]
    _time_passes(61)
    run_worker(once=True)

    assert db.session.get(Edition, ids[2]).status is EditionStatus.sent
    assert db.session.get(Subscriber, ids[0]).status is SubscriberStatus.confirmed
    recipients = sorted(r.rcpt_tos[0] for r in smtp_config.handler.received)
    assert recipients == ["grijs@example.nl", "lezer@example.org"]  # each once


def test_deferred_past_the_window_fails_the_message_but_not_the_subscriber(smtp_config):
    subscriber = make_subscriber(email="grijs@example.nl")
    edition = make_edition(quarter="2027 Q2", languages=("nl",))
    services.queue_edition(make_user(is_admin=True), edition)
    db.session.commit()
    ids = (subscriber.id, edition.id)
    smtp_config.handler.answers["grijs@example.nl"] = "451 4.3.0 Queue full"

    run_worker(once=True)
    _time_passes(73)
    run_worker(once=True)

    assert db.session.get(Edition, ids[1]).status is EditionStatus.sent
    assert db.session.get(Subscriber, ids[0]).status is SubscriberStatus.confirmed


def test_a_5xx_refusal_still_marks_the_subscriber_failed(smtp_config):
    subscriber = make_subscriber(email="weg@example.nl")
    edition = make_edition(quarter="2027 Q3", languages=("nl",))
    services.queue_edition(make_user(is_admin=True), edition)
    db.session.commit()
    subscriber_id = subscriber.id
    smtp_config.handler.answers["weg@example.nl"] = "550 5.1.1 No such user"

    run_worker(once=True)

    assert db.session.get(Subscriber, subscriber_id).status is SubscriberStatus.failed
