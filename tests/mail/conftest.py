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
HOLD_TIMEOUT_STEPS = 2000  # at most 20 s (below the 30 s SMTP timeout), so nothing hangs


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

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self._sending_sessions.add(id(session))
        for _ in range(HOLD_TIMEOUT_STEPS):
            if len(self._sending_sessions) >= self.hold_until_connections:
                break
            await asyncio.sleep(0.01)
        with self._lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session)
            )
        if self.data_delay:  # the message is in, the answer is slow: a client dying now repeats it
            await asyncio.sleep(self.data_delay)
        if self.drop_after_next:
            self.drop_after_next = False
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 Message accepted for delivery"

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

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30) -> tuple[int, str]:
        """Exit code and everything the worker printed."""
        output, _ = self.process.communicate(timeout=timeout)
        return self.process.returncode, output

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


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
