"""Mail throughput: the outbox worker against raw smtplib, both to the same SMTP sink.

Queues N messages in a throw-away SQLite database (schema from the migrations), drains
them with the worker (`run_worker(once=True)`, as `flask worker --once` does) into an
aiosmtpd sink on loopback (in a process of its own), then sends the same N messages with plain smtplib over one
reused connection, and prints messages/s for both and their ratio.
Run: `.venv/bin/python bench/mail_outbox.py [--n 1000] [--database-url URL]`."""

import time

from common import SinkProcess, arguments, database, kind, send_raw
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.mail.services import WIRE_POLICY, build_message, queue_message
from app.mail.worker import run_worker


def main() -> None:
    args = arguments(__doc__, 1000, "messages", "--messages").parse_args()
    n = args.n

    with SinkProcess() as sink:
        port = sink.port
        with database(args.database_url) as url:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
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

                wire = [
                    (
                        "noreply@netwerkbrug.example.org",
                        [msg["To"].addresses[0].addr_spec],
                        msg.as_bytes(policy=WIRE_POLICY),
                    )
                    for msg in messages
                ]
                raw_seconds = send_raw(port, wire)
                db.session.remove()
                db.engine.dispose()
        assert sink.count == 2 * n
    worker_rate, raw_rate = n / worker_seconds, n / raw_seconds
    print(f"{n} messages to an aiosmtpd sink on loopback, {kind(url)}")
    print(f"outbox worker : {worker_rate:7.0f} messages/s")
    print(f"raw smtplib   : {raw_rate:7.0f} messages/s (same bytes, one reused connection)")
    print(f"ratio         : {worker_rate / raw_rate:7.2f} of raw SMTP")


if __name__ == "__main__":
    main()
