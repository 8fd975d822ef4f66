"""`flask worker` as real processes: stopped with SIGTERM, killed, and two of them at once."""

import re
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.database import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.worker import run_worker

from .conftest import CEILING, queue_many

# Small batches make two workers claim many times while the other is busy.
SMALL_BATCHES_APP = 'app:create_app({"MAIL_BATCH_SIZE": 5, "MAIL_CONNECTIONS": 1})'


def statuses() -> Counter:
    db.session.rollback()  # see what the worker processes committed
    return Counter(db.session.scalars(sa.select(OutboxMessage.status)))


def delivered_count(output: str) -> int:
    match = re.search(r"after delivering (\d+) message", output)
    assert match, output
    return int(match.group(1))


def test_sigterm_finishes_the_message_in_hand_and_a_restart_sends_each_message_once(
    smtp_sink, start_worker
):
    ids = queue_many(60)
    smtp_sink.handler.data_delay = 0.05
    worker = start_worker(smtp_sink)

    smtp_sink.handler.wait_for_received(5)
    worker.terminate()
    code, output = worker.wait()

    assert code == 0, output
    assert "Stopped on request" in output
    after_stop = statuses()
    sent = after_stop[OutboxStatus.sent]
    assert 5 <= sent < 60, output
    assert after_stop == Counter({OutboxStatus.sent: sent, OutboxStatus.pending: 60 - sent})
    assert len(smtp_sink.handler.received) == sent, "every accepted message was recorded as sent"
    leased = db.session.scalar(
        sa.select(sa.func.count()).where(
            sa.or_(
                OutboxMessage.leased_by.is_not(None), OutboxMessage.lease_expires_at.is_not(None)
            )
        )
    )
    assert leased == 0

    smtp_sink.handler.data_delay = 0
    code, output = start_worker(smtp_sink, "--once").wait()

    assert code == 0, output
    assert delivered_count(output) == 60 - sent
    assert statuses() == Counter({OutboxStatus.sent: 60})
    received = Counter(smtp_sink.handler.message_ids())
    assert received == Counter(f"<outbox-{i}@netwerkbrug.example.org>" for i in ids)


def test_two_workers_at_once_never_send_the_same_message(smtp_sink, start_worker):
    ids = queue_many(80)
    smtp_sink.handler.data_delay = 0.02
    smtp_sink.handler.hold_until_connections = 2  # whichever starts first waits for the other
    workers = [start_worker(smtp_sink, "--once", flask_app=SMALL_BATCHES_APP) for _ in range(2)]

    results = [worker.wait() for worker in workers]

    for code, output in results:
        assert code == 0, output
    counts = [delivered_count(output) for _, output in results]
    assert sum(counts) == 80
    assert min(counts) > 0, f"both workers took part: {counts}"
    received = Counter(smtp_sink.handler.message_ids())
    assert received == Counter(f"<outbox-{i}@netwerkbrug.example.org>" for i in ids)
    assert statuses() == Counter({OutboxStatus.sent: 80})


@pytest.mark.parametrize(("connections", "in_hand"), [(1, 1), (3, 6)])
def test_a_killed_worker_repeats_at_most_the_messages_in_hand(
    smtp_config, start_worker, connections, in_hand
):
    sink = smtp_config
    ids = queue_many(30)
    sink.handler.data_delay = 0.05
    settings = f'{{"MAIL_CONNECTIONS": {connections}, "MAIL_IN_HAND": {in_hand}}}'
    worker = start_worker(sink, flask_app=f"app:create_app({settings})")
    sink.handler.wait_for_received(5)

    worker.process.kill()
    worker.process.wait(timeout=CEILING)
    db.session.rollback()
    db.session.execute(  # time passes: the dead worker's leases run out
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.sending)
        .values(lease_expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    sink.handler.data_delay = 0
    run_worker(once=True)

    assert statuses() == Counter({OutboxStatus.sent: 30})
    received = Counter(sink.handler.message_ids())
    assert set(received) == {f"<outbox-{i}@netwerkbrug.example.org>" for i in ids}
    repeated = {message_id: n for message_id, n in received.items() if n > 1}
    assert len(repeated) <= in_hand, repeated  # at most the messages in hand
    assert all(n == 2 for n in repeated.values()), repeated
