"""`flask worker` outlives its database disappearing for 20 seconds: PostgreSQL behind a TCP
proxy that drops every connection and refuses new ones; SQLite locked by another process
(every write fails with "database is locked"). The send finishes, each message once."""

import sqlite3
import threading
import time
from collections import Counter

import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus, WorkerHeartbeat

from .conftest import queue_many
from .tcp_proxy import TcpProxy

OUTAGE_SECONDS = 20
MESSAGES = 150


def _statuses() -> Counter:
    db.session.rollback()
    return Counter(db.session.scalars(sa.select(OutboxMessage.status)))


def _wait_until(condition, timeout: float, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(interval)


class _SqliteOutage:
    """Another process's exclusive transaction: writers wait, then fail."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA busy_timeout=60000")

    def cut(self) -> None:
        self.connection.execute("BEGIN EXCLUSIVE")

    def restore(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def test_a_worker_outlives_a_database_outage_and_sends_each_message_once(
    app, smtp_sink, start_worker, monkeypatch
):
    ids = queue_many(MESSAGES)
    smtp_sink.handler.data_delay = 0.2  # with 4 connections: about 20 messages a second
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.drivername.startswith("postgresql"):
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
        worker_url = url.set(host="127.0.0.1", port=proxy.port)
        outage = proxy
    else:
        worker_url, proxy = url, None
        outage = _SqliteOutage(url.database)
    with monkeypatch.context() as patch:
        patch.setitem(
            app.config, "SQLALCHEMY_DATABASE_URI", worker_url.render_as_string(hide_password=False)
        )
        worker = start_worker(smtp_sink)
    try:
        _wait_until(lambda: len(smtp_sink.handler.received) >= 10, timeout=60)
        db.session.rollback()
        db.session.close()  # the test's own connection must not hold the SQLite lock
        outage.cut()
        cut_at = time.monotonic()
        threading.Event().wait(OUTAGE_SECONDS)  # the outage itself, not a wait for an event
        received_during = len(smtp_sink.handler.received)
        outage.restore()
        assert time.monotonic() - cut_at >= OUTAGE_SECONDS

        _wait_until(lambda: _statuses() == Counter({OutboxStatus.sent: MESSAGES}), timeout=240)
        assert worker.process.poll() is None, "the worker kept running"
        assert received_during < MESSAGES
    finally:
        worker.terminate()
        code, output = worker.wait(timeout=60)
        if proxy is not None:
            proxy.stop()

    assert code == 0, output
    assert output.count("Database unreachable") == 1, output  # logged once per state change
    assert "Database reachable again" in output, output
    message_ids = Counter(smtp_sink.handler.message_ids())
    expected = Counter(f"<outbox-{i}@netwerkbrug.example.org>" for i in ids)
    assert message_ids == expected  # no gaps, no duplicates
    beat = db.session.scalars(sa.select(WorkerHeartbeat)).one()
    assert beat.stopped_at is not None


def test_a_worker_waits_out_a_mail_server_outage_and_says_so_once(app, start_worker):
    from aiosmtpd.controller import Controller

    from .conftest import Sink, SinkHandler, free_port

    ids = queue_many(5)
    port = free_port()  # nobody listens here yet: the mail server is down
    handler = SinkHandler()
    quick = 'app:create_app({"MAIL_RETRY_BASE_SECONDS": 1, "MAIL_HEARTBEAT_SECONDS": 0})'
    worker = start_worker(Sink(handler, "127.0.0.1", port), flask_app=quick)

    def smtp_down_seen() -> bool:
        db.session.rollback()
        beat = db.session.scalars(sa.select(WorkerHeartbeat)).first()
        return beat is not None and beat.smtp_down_since is not None

    controller = None
    try:
        _wait_until(smtp_down_seen, timeout=90)
        threading.Event().wait(3)  # a few more failed attempts while it stays down
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        _wait_until(lambda: _statuses() == Counter({OutboxStatus.sent: 5}), timeout=120)
        _wait_until(lambda: not smtp_down_seen(), timeout=60)
        assert worker.process.poll() is None
    finally:
        worker.terminate()
        code, output = worker.wait(timeout=60)
        if controller is not None:
            controller.stop()

    assert code == 0, output
    assert output.count("Mail server unreachable") == 1, output
    assert output.count("Mail server reachable again") == 1, output
    expected = Counter(f"<outbox-{i}@netwerkbrug.example.org>" for i in ids)
    assert Counter(handler.message_ids()) == expected
