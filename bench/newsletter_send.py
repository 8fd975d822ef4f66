"""Newsletter sending throughput: an edition to N subscribers through the outbox worker
(rendering each delivery in chunks, then SMTP over one reused connection), against raw
smtplib sending the same N messages to the same aiosmtpd sink.

Fills a database (a throw-away SQLite file unless --database-url; schema from the models, as the tests do), N confirmed
subscribers in nl/de/en, one edition in three languages, starts the send with
`queue_edition()` (one INSERT … SELECT) and drains it with `run_worker(once=True)`, as
`flask worker --once` does; then sends the messages the sink received once more with plain
smtplib, and prints deliveries/s for both and their ratio.
Run: `.venv/bin/python bench/newsletter_send.py [--n 10000] [--batch 200] [--database-url URL]`."""

import time

import sqlalchemy as sa
from common import SinkProcess, arguments, database, kind, send_raw

from app import create_app
from app.extensions import db
from app.mail.worker import run_worker
from app.newsletter import services
from app.newsletter.models import Edition, Subscriber, SubscriberStatus

BODY = {
    "nl": "Het derde kwartaal stond in het teken van **organisatie en communicatie**.\n\n" * 20,
    "de": "Das dritte Quartal stand im Zeichen von **Organisation und Kommunikation**.\n\n" * 20,
    "en": "The third quarter was about **organisation and communication**.\n\n" * 20,
}


def main() -> None:
    parser = arguments(__doc__, 10000, "subscribers", "--subscribers")
    parser.add_argument("--batch", type=int, default=200, help="MAIL_BATCH_SIZE")
    args = parser.parse_args()
    n = args.n

    with SinkProcess(keep=True) as sink:
        port = sink.port
        with database(args.database_url) as url:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "SMTP_HOST": "127.0.0.1",
                    "SMTP_PORT": port,
                    "SECRET_KEY": "bench",
                    "MAIL_BATCH_SIZE": args.batch,
                }
            )
            with app.app_context():
                db.create_all()
                db.session.execute(
                    sa.insert(Subscriber),
                    [
                        {
                            "email": f"reader{i}@example.org",
                            "name": ("Jürgen Oßenbrügge", "Wilma ter Horst", "Sarah Mitchell")[
                                i % 3
                            ]
                            + f" {i}",
                            "language": ("de", "nl", "en")[i % 3],
                            "status": SubscriberStatus.confirmed,
                            "token": f"bench-token-{i:06d}-" + "x" * 24,
                        }
                        for i in range(n)
                    ],
                )
                edition = Edition(quarter="2026 Q4")
                for lang, body in BODY.items():
                    setattr(edition, f"title_{lang}", f"Bench {lang}")
                    setattr(edition, f"body_{lang}", body)
                db.session.add(edition)
                db.session.flush()

                start = time.perf_counter()
                services.queue_edition(None, edition)
                db.session.commit()
                queued_seconds = time.perf_counter() - start
                cpu = time.process_time()
                sent = run_worker(once=True)
                worker_seconds = time.perf_counter() - start
                worker_cpu = time.process_time() - cpu
                assert sent == n, f"worker sent {sent} of {n}"
                assert sink.count == n
                db.session.remove()
                db.engine.dispose()

        messages = sink.messages()
        cpu = time.process_time()
        raw_seconds = send_raw(port, messages)
        raw_cpu = time.process_time() - cpu
        assert sink.count == 2 * n
    worker_rate, raw_rate = n / worker_seconds, n / raw_seconds
    print(f"edition to {n} subscribers (nl/de/en), aiosmtpd sink on loopback, {kind(url)}")
    print(f"starting the send : {queued_seconds * 1000:7.0f} ms (one INSERT … SELECT)")
    print(f"outbox worker     : {worker_rate:7.0f} deliveries/s (render in chunks + send)")
    print(f"raw smtplib       : {raw_rate:7.0f} messages/s (same bytes, one reused connection)")
    print(f"ratio             : {worker_rate / raw_rate:7.2f} of raw SMTP")
    print(
        f"client CPU        : worker {worker_cpu / n * 1000:.2f} ms, "
        f"raw smtplib {raw_cpu / n * 1000:.2f} ms per message"
    )


if __name__ == "__main__":
    main()
