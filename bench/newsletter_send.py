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
Each edition is a new round; the worker and raw smtplib take turns and the best round of
each counts. Run: `.venv/bin/python bench/newsletter_send.py [--n 10000] [--batch 200]
[--rounds 3] [--connections K] [--in-hand M] [--database-url URL]`."""

import functools
import time
from dataclasses import dataclass

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


@dataclass
class Timing:
    seconds: float
    cpu: float  # this process
    sink_cpu: float


def timed(sink: SinkProcess, work) -> tuple[object, Timing]:
    start, cpu, sink_cpu = time.perf_counter(), time.process_time(), sink.cpu()
    result = work()
    return result, Timing(
        time.perf_counter() - start, time.process_time() - cpu, sink.cpu() - sink_cpu
    )


def fill(n: int) -> None:
    db.create_all()
    db.session.execute(
        sa.insert(Subscriber),
        [
            {
                "email": f"reader{i}@example.org",
                "name": ("Jürgen Oßenbrügge", "Wilma ter Horst", "Sarah Mitchell")[i % 3] + f" {i}",
                "language": ("de", "nl", "en")[i % 3],
                "status": SubscriberStatus.confirmed,
                "token": f"bench-token-{i:06d}-" + "x" * 24,
            }
            for i in range(n)
        ],
    )
    db.session.commit()


def send_edition(number: int, n: int) -> float:
    """A new edition to every subscriber, sent by the worker; returns the seconds taken to
    start the send (the INSERT … SELECT of its deliveries)."""
    edition = Edition(quarter=f"{2027 + number} Q1")
    for lang, body in BODY.items():
        setattr(edition, f"title_{lang}", f"Bench {number} {lang}")
        setattr(edition, f"body_{lang}", body)
    db.session.add(edition)
    db.session.flush()
    start = time.perf_counter()
    services.queue_edition(None, edition)
    db.session.commit()
    return time.perf_counter() - start


def main() -> None:
    parser = arguments(__doc__, 10000, "subscribers", "--subscribers")
    parser.add_argument("--batch", type=int, default=200, help="MAIL_BATCH_SIZE")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many")
    parser.add_argument("--connections", type=int, help="MAIL_CONNECTIONS (default: the app's)")
    parser.add_argument("--in-hand", type=int, help="MAIL_IN_HAND (default: the app's)")
    args = parser.parse_args()
    n = args.n
    worker_rounds: list[Timing] = []
    raw_rounds: list[Timing] = []

    with SinkProcess(keep=True) as sink, database(args.database_url) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": sink.port,
                "SECRET_KEY": "bench",
                "MAIL_BATCH_SIZE": args.batch,
                **({"MAIL_CONNECTIONS": args.connections} if args.connections else {}),
                **({"MAIL_IN_HAND": args.in_hand} if args.in_hand else {}),
            }
        )
        settings = {key: app.config[key] for key in ("MAIL_CONNECTIONS", "MAIL_IN_HAND")}
        with app.app_context():
            fill(n)
            messages = None
            for number in range(args.rounds):  # the worker and raw smtplib take turns
                queued_seconds = send_edition(number, n)
                sent, timing = timed(sink, lambda: run_worker(once=True))
                timing.seconds += queued_seconds
                assert sent == n, f"worker sent {sent} of {n}"
                worker_rounds.append(timing)
                if messages is None:
                    messages = sink.messages()  # the first edition, byte for byte
                    assert len(messages) == n
                raw_rounds.append(timed(sink, functools.partial(send_raw, sink.port, messages))[1])
            assert sink.count == 2 * n * args.rounds
            db.session.remove()
            db.engine.dispose()

    worker = min(worker_rounds, key=lambda timing: timing.seconds)
    raw = min(raw_rounds, key=lambda timing: timing.seconds)
    worker_rate, raw_rate = n / worker.seconds, n / raw.seconds

    def per_message(seconds: float) -> str:
        return f"{seconds / n * 1000:.2f} ms"

    print(
        f"edition to {n} subscribers (nl/de/en), aiosmtpd sink on loopback in its own "
        f"process, {kind(url)}, MAIL_CONNECTIONS={settings['MAIL_CONNECTIONS']}, "
        f"MAIL_IN_HAND={settings['MAIL_IN_HAND']}, best of {args.rounds} rounds each"
    )
    print(f"outbox worker     : {worker_rate:7.0f} deliveries/s (start, produce in chunks, send)")
    print(f"raw smtplib       : {raw_rate:7.0f} messages/s (same bytes, one reused connection)")
    print(f"ratio             : {worker_rate / raw_rate:7.2f} of raw SMTP")
    print(
        f"CPU per message   : worker {per_message(worker.cpu)} (sink {per_message(worker.sink_cpu)}),"
        f" raw smtplib {per_message(raw.cpu)} (sink {per_message(raw.sink_cpu)})"
    )
    rates = ", ".join(
        f"{n / w.seconds:.0f}/{n / r.seconds:.0f}"
        for w, r in zip(worker_rounds, raw_rounds, strict=True)
    )
    print(f"rounds (worker/raw deliveries/s): {rates}")


if __name__ == "__main__":
    main()
