"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives and can be told to
refuse, to be slow or to drop the connection; and helpers to queue messages and to start
`flask worker` processes against the test database."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from app.mail.models import OutboxMessage
from app.mail.services import build_message, queue_message

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MAIL_FROM = "Netwerkbrug <noreply@netwerkbrug.example.org>"
# Tests wait for events (a message at the sink, a line from a worker, a process exit), never
# for a fixed time; the ceiling only ends a wait that would otherwise hang. It is generous
# because CI machines are shared: a worker process may need many seconds just to start.
CEILING = float(os.environ.get("TEST_WAIT_CEILING", "240"))
# The sink holds a first connection until a second one sends: below the workers' lease
# (MAIL_LEASE_SECONDS, 120 s) and their SMTP timeout (SMTP_TIMEOUT below), so nothing hangs.
HOLD_CEILING = 100.0
WORKER_SMTP_TIMEOUT = 300


@pytest.fixture(autouse=True)
def _mail_from(app, monkeypatch):
    """A known sender, whatever MAIL_FROM the environment has."""
    monkeypatch.setitem(app.config, "MAIL_FROM", MAIL_FROM)


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    session: object  # one aiosmtpd Session per SMTP connection

    @property
    def message(self) -> EmailMessage:
        return BytesParser(_class=EmailMessage, policy=policy.default).parsebytes(self.content)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class SinkHandler:
    """Accepts everything unless told otherwise: `answers[recipient]` is the reply to RCPT
    (e.g. "451 4.7.1 Try again later"), `data_delay` holds back the answer to every DATA
    (the message already counts as received),
    `drop_after_next` closes the connection after the next accepted message, and
    `hold_until_connections` keeps every DATA waiting until that many connections are
    sending at once (so workers that start at different speeds really overlap)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, str] = {}
        self.data_delay = 0.0
        self.drop_after_next = False
        self.hold_until_connections = 0
        self._sending_sessions: set[int] = set()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self._sending_sessions.add(id(session))
        hold_until = time.monotonic() + HOLD_CEILING
        while len(self._sending_sessions) < self.hold_until_connections:
            if time.monotonic() > hold_until:
                break
            await asyncio.sleep(0.01)
        with self._arrived:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session)
            )
            self._arrived.notify_all()
        if self.data_delay:  # the message is in, the answer is slow: a client dying now repeats it
            await asyncio.sleep(self.data_delay)
        if self.drop_after_next:
            self.drop_after_next = False
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 Message accepted for delivery"

    def wait_for_received(self, count: int, ceiling: float = CEILING) -> None:
        """Returns as soon as `count` messages have arrived."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.received) >= count, ceiling)
            assert arrived, f"{len(self.received)} of {count} messages arrived in {ceiling} s"

    @property
    def connections(self) -> int:
        """How many SMTP connections delivered at least one message."""
        with self._lock:
            return len({id(item.session) for item in self.received})

    def message_ids(self) -> list[str]:
        with self._lock:
            return [item.message_id for item in self.received]


@dataclass
class Sink:
    handler: SinkHandler
    host: str
    port: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_sink(**controller_options) -> Iterator[Sink]:
    """aiosmtpd on 127.0.0.1; port=0 fails in aiosmtpd 1.4.6, so a free port is found first."""
    handler = SinkHandler()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        server_hostname="sink.test",
        **controller_options,
    )
    controller.start()
    try:
        yield Sink(handler, controller.hostname, controller.port)
    finally:
        controller.stop()


@pytest.fixture
def smtp_sink():
    with running_sink() as sink:
        yield sink


@pytest.fixture
def smtp_config(app, smtp_sink, monkeypatch):
    """Points the app at the sink for one test."""
    monkeypatch.setitem(app.config, "SMTP_HOST", smtp_sink.host)
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_sink.port)
    monkeypatch.setitem(app.config, "SMTP_SECURITY", "none")
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5.0)
    return smtp_sink


def queue_mail(
    to: str | tuple[str, str] = "lid@example.org", subject: str = "Uitnodiging", **kwargs
) -> OutboxMessage:
    text = kwargs.pop("text", "Beste lid,\n\nTot ziens in Enschede.\n")
    return queue_message(build_message(to, subject, text, **kwargs), category="test")


def queue_many(count: int, *, prefix: str = "lid") -> list[int]:
    """Queues and commits `count` messages to distinct recipients; returns their ids."""
    ids = [queue_mail(f"{prefix}{n}@example.org", f"Bericht {n}").id for n in range(count)]
    db.session.commit()
    return ids


class WorkerProcess:
    """`flask worker` in its own process, talking to the test database and the sink."""

    def __init__(self, app, sink: Sink, *args: str, flask_app: str = "wsgi") -> None:
        env = {
            **os.environ,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SMTP_HOST": sink.host,
            "SMTP_PORT": str(sink.port),
            "SMTP_SECURITY": "none",
            "MAIL_FROM": app.config["MAIL_FROM"],
            "SMTP_TIMEOUT": str(WORKER_SMTP_TIMEOUT),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("FLASK_APP", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", flask_app, "worker", "--poll", "0.1", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._printed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Drains the worker's output as it comes, so a chatty worker never blocks on a
        full pipe however long a test waits."""
        with self.process.stdout:  # closed when the worker has exited
            for line in self.process.stdout:
                with self._printed:
                    self.lines.append(line)
                    self._printed.notify_all()
        with self._printed:
            self._printed.notify_all()

    @property
    def output(self) -> str:
        with self._printed:
            return "".join(self.lines)

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = CEILING) -> tuple[int, str]:
        """Exit code and everything the worker printed, once it has exited."""
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return self.process.returncode, self.output

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join()


@pytest.fixture
def start_worker(app):
    """Starts worker processes and makes sure none outlives the test."""
    started: list[WorkerProcess] = []

    def start(sink: Sink, *args: str, flask_app: str = "wsgi") -> WorkerProcess:
        worker = WorkerProcess(app, sink, *args, flask_app=flask_app)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
