"""Newsletter sending throughput: an edition to N subscribers through the outbox worker,
against raw smtplib sending the same N messages over one reused connection to the same
aiosmtpd sink (in a process of its own, as a relay would be).

Fills a database (a throw-away SQLite file unless --database-url; schema from the models,
as the tests do) with N confirmed subscribers in nl/de/en and one edition in three
languages, starts the send with `queue_edition()` (one INSERT … SELECT) and drains it with
`run_worker(once=True)`, as `flask worker --once` does: the edition rendered once per
language into a template, each reader's row made in chunks, sent over MAIL_CONNECTIONS
connections. Then it sends the messages the sink received once more with plain smtplib,
and prints deliveries/s for both, their ratio and the client CPU per message.
Run: `.venv/bin/python bench/newsletter_send.py [--n 10000] [--batch 200]
[--connections K] [--in-hand M] [--database-url URL]`."""

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
    parser.add_argument("--connections", type=int, help="MAIL_CONNECTIONS (default: the app's)")
    parser.add_argument("--in-hand", type=int, help="MAIL_IN_HAND (default: the app's)")
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
                    **({"MAIL_CONNECTIONS": args.connections} if args.connections else {}),
                    **({"MAIL_IN_HAND": args.in_hand} if args.in_hand else {}),
                }
            )
            settings = {key: app.config[key] for key in ("MAIL_CONNECTIONS", "MAIL_IN_HAND")}
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
                cpu, sink_cpu = time.process_time(), sink.cpu()
                sent = run_worker(once=True)
                worker_seconds = time.perf_counter() - start
                worker_cpu = time.process_time() - cpu
                worker_sink_cpu = sink.cpu() - sink_cpu
                assert sent == n, f"worker sent {sent} of {n}"
                assert sink.count == n
                db.session.remove()
                db.engine.dispose()

        messages = sink.messages()
        cpu, sink_cpu = time.process_time(), sink.cpu()
        raw_seconds = send_raw(port, messages)
        raw_cpu = time.process_time() - cpu
        raw_sink_cpu = sink.cpu() - sink_cpu
        assert sink.count == 2 * n
    worker_rate, raw_rate = n / worker_seconds, n / raw_seconds
    print(
        f"edition to {n} subscribers (nl/de/en), aiosmtpd sink on loopback in its own "
        f"process, {kind(url)}, MAIL_CONNECTIONS={settings['MAIL_CONNECTIONS']}, "
        f"MAIL_IN_HAND={settings['MAIL_IN_HAND']}"
    )
    print(f"starting the send : {queued_seconds * 1000:7.0f} ms (one INSERT … SELECT)")
    print(f"outbox worker     : {worker_rate:7.0f} deliveries/s (produce in chunks + send)")
    print(f"raw smtplib       : {raw_rate:7.0f} messages/s (same bytes, one reused connection)")
    print(f"ratio             : {worker_rate / raw_rate:7.2f} of raw SMTP")
    print(
        f"CPU per message   : worker {worker_cpu / n * 1000:.2f} ms (sink "
        f"{worker_sink_cpu / n * 1000:.2f} ms), raw smtplib {raw_cpu / n * 1000:.2f} ms "
        f"(sink {raw_sink_cpu / n * 1000:.2f} ms)"
    )


if __name__ == "__main__":
    main()
