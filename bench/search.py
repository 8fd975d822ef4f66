"""/search with a loaded platform: server time per query and throughput against /healthz.

Loads N × (5,000 organisations, 2,000 meetings, 1,000 documents with text, 20,000
newsletter subscribers) into a throw-away SQLite database, or into the PostgreSQL
database given by --database-url (its tables are dropped and made anew by the migrations),
times the search service in-process for a few two-word queries (median and p95 server
time), then serves the app with gunicorn and prints requests/s and latency of
/search?q=… beside /healthz, and their ratio.
Run: `.venv/bin/python bench/search.py [--n 1] [--database-url postgresql://…]`."""

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from http_pages import gunicorn, measure  # noqa: E402

WORDS = [
    "Wohnungen",
    "Zuwanderer",
    "huisvesting",
    "nieuwkomers",
    "Integration",
    "Sprachkurs",
    "inburgering",
    "Arbeitsmarkt",
    "onderwijs",
    "Nachbarschaft",
    "buurt",
    "Quartier",
    "Kinderhaus",
    "wijkteam",
    "Beratung",
    "Bildung",
    "taalcursus",
    "Gesundheit",
    "zorg",
    "Sport",
    "cultuur",
    "Ehrenamt",
    "vrijwilligers",
    "Schule",
]
QUERIES = ["wohnungen zuwanderer", "huisvesting nieuwkomers", "sprachkurs integration"]


def sentence(rng: random.Random, words: int = 25) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def load(n: float, documents_dir: Path) -> None:
    """Writes the data through the ORM, so the search index is filled by its own events."""
    from app.auth.models import User
    from app.extensions import db
    from app.groups.models import GroupDocument, GroupKind, WorkingGroup
    from app.meetings.models import Meeting, MeetingKind
    from app.newsletter.models import ConsentSource, Subscriber, SubscriberStatus
    from app.partners.models import Country, Organisation, OrganisationKind

    rng = random.Random(18)
    owner = User(email="bench@example.org", name="Bench")
    groups = [
        WorkingGroup(
            slug=f"bench-{i}", kind=GroupKind.xenia, name_nl=f"Groep {i}", is_public=i % 3 != 0
        )
        for i in range(20)
    ]
    db.session.add_all([owner, *groups])
    db.session.flush()

    def in_batches(count: int, make) -> None:
        for start in range(0, count, 500):
            db.session.add_all(make(i) for i in range(start, min(count, start + 500)))
            db.session.flush()
            db.session.expunge_all()

    in_batches(
        max(1, int(5000 * n)),
        lambda i: Organisation(
            name=f"Organisatie {i}",
            kind=OrganisationKind.other,
            country=Country.NL if i % 2 else Country.DE,
            city="Enschede",
            description_de=sentence(rng),
        ),
    )
    start = datetime(2027, 1, 1, 9, tzinfo=UTC)
    in_batches(
        max(1, int(2000 * n)),
        lambda i: Meeting(
            kind=MeetingKind.working_session,
            group_id=groups[i % len(groups)].id,
            title_nl=f"Bijeenkomst {i}",
            description_de=sentence(rng),
            start_at=start + timedelta(days=i % 700),
            end_at=start + timedelta(days=i % 700, hours=2),
        ),
    )
    documents_dir.mkdir(parents=True, exist_ok=True)
    shared = [docx_bytes(sentence(rng, 200)) for _ in range(20)]

    def document(i: int) -> GroupDocument:
        name = f"bench-{i}.docx"
        (documents_dir / name).write_bytes(shared[i % len(shared)])
        return GroupDocument(
            group_id=groups[i % len(groups)].id,
            title=f"Verslag {i}",
            language="nl",
            filename=name,
            stored_name=name,
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            size_bytes=len(shared[i % len(shared)]),
        )

    in_batches(max(1, int(1000 * n)), document)
    in_batches(
        max(1, int(20000 * n)),
        lambda i: Subscriber(
            email=f"reader{i}@example.org",
            name=f"Reader {i}",
            language="nl",
            status=SubscriberStatus.confirmed,
            consent_source=ConsentSource.admin,
            consent_at=datetime.now(UTC),
        ),
    )
    db.session.commit()


def server_times(app) -> tuple[float, float, int]:
    from app.auth.models import User
    from app.extensions import db
    from app.search.services import search

    viewer = db.session.scalar(db.select(User).where(User.email == "bench@example.org"))
    times, total = [], 0
    for _ in range(20):
        for query in QUERIES:
            with app.test_request_context():
                began = time.perf_counter()
                results = search(query, viewer)
                times.append(time.perf_counter() - began)
                total = max(total, results.total)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=float, default=1, help="multiplies the loaded data (0.01: a quick check)"
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "GROUP_DOCUMENTS_DIR": f"{tmp}/documents",
        }
        os.environ.update(env)
        from app import create_app
        from app.extensions import db

        app = create_app()
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.execute(db.text("DROP SCHEMA public CASCADE"))
                    conn.execute(db.text("CREATE SCHEMA public"))
            flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
            subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
            began = time.perf_counter()
            load(args.n, Path(tmp) / "documents")
            loaded = time.perf_counter() - began
            median, p95, total = server_times(app)
            db.engine.dispose()

        with gunicorn(args.workers, env) as port:
            measure(port, "/healthz", 50, 2)  # warm-up
            pages = ["/healthz", *(f"/search/?q={q.replace(' ', '+')}" for q in QUERIES)]
            results = {p: measure(port, p, args.requests, args.threads) for p in pages}

    print(f"{url.split(':')[0]}: loaded N={args.n} in {loaded:.0f} s; up to {total} hits per query")
    print(f"search() server time: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    base = results["/healthz"][0]
    print(f"{'page':<38} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'vs /healthz':>12}")
    for path, (rate, med, p) in results.items():
        print(f"{path:<38} {rate:8.0f} {med * 1000:10.1f} {p * 1000:8.1f} {rate / base:12.2f}")


if __name__ == "__main__":
    main()
