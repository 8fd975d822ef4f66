"""Mail throughput: the outbox worker against raw smtplib, both to the same SMTP sink.

Queues N messages in a throw-away SQLite database (schema from the migrations), drains
them with the worker (`run_worker(once=True)`, as `flask worker --once` does) into an
aiosmtpd sink on loopback, then sends the same N messages with plain smtplib over one
reused connection, and prints messages/s for both and their ratio.
Run: `.venv/bin/python bench/mail_outbox.py [--messages 1000]`."""

import argparse
import asyncio
import smtplib
import socket
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.mail.services import WIRE_POLICY, build_message, queue_message  # noqa: E402
from app.mail.worker import run_worker  # noqa: E402


class CountingSink:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.received += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    n = args.messages

    sink = CountingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                    "SMTP_HOST": "127.0.0.1",
                    "SMTP_PORT": port,
                    "SECRET_KEY": "bench",
                    "MAIL_BATCH_SIZE": 200,
                }
            )
            with app.app_context():
                upgrade()
                messages = [
                    build_message(
                        ("Jürgen Oßenbrügge", f"reader{i}@example.org"),
                        f"Nieuwsbrief {i}",
                        "Tekst " * 80,
                        "<p>Tekst</p>" * 80,
                    )
                    for i in range(n)
                ]
                for msg in messages:
                    queue_message(msg)
                db.session.commit()

                start = time.perf_counter()
                sent = run_worker(once=True)
                worker_seconds = time.perf_counter() - start
                assert sent == n, f"worker sent {sent} of {n}"

                wire = [msg.as_bytes(policy=WIRE_POLICY) for msg in messages]
                start = time.perf_counter()
                with smtplib.SMTP("127.0.0.1", port) as smtp:
                    for msg, raw in zip(messages, wire, strict=True):
                        smtp.sendmail(
                            "noreply@netwerkbrug.example.org",
                            [msg["To"].addresses[0].addr_spec],
                            raw,
                        )
                raw_seconds = time.perf_counter() - start
    finally:
        controller.stop()

    assert sink.received == 2 * n
    worker_rate, raw_rate = n / worker_seconds, n / raw_seconds
    print(f"{n} messages to an aiosmtpd sink on loopback")
    print(f"outbox worker : {worker_rate:7.0f} messages/s")
    print(f"raw smtplib   : {raw_rate:7.0f} messages/s (same bytes, one reused connection)")
    print(f"ratio         : {worker_rate / raw_rate:7.2f} of raw SMTP")


if __name__ == "__main__":
    main()
