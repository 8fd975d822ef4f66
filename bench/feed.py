"""Calendar feeds: a group feed of N meetings against the bare endpoint, a conditional
request (304) against the full feed, and the feed against building it as before this
change (every VEVENT through icalendar on every request, ETag = hash of the body).

Fills a database with one public group holding N meetings (all inside the feed's default
window), then times requests through the WSGI app in this process (no HTTP server, so the
figures are the app's own cost), the cases taking turns in rounds, and prints each case's
best round in requests/s and the ratios.
Run: `.venv/bin/python bench/feed.py [--n 1000] [--requests 200] [--database-url URL]`."""

import hashlib
import time
from datetime import UTC, datetime, timedelta

from common import arguments, database, kind

from app import create_app
from app.calendar import ical
from app.core.urls import external_url
from app.extensions import db
from app.groups.models import GroupKind, WorkingGroup
from app.meetings.models import Meeting, MeetingKind

PATH = "/calendar/groups/bench.ics"


ROUNDS = 5


def rates(cases: dict, requests: dict) -> dict:
    """Requests/s per case: the cases take turns in ROUNDS rounds and each keeps its best
    round, so a burst of load from elsewhere on a busy machine hits no case alone."""
    best = dict.fromkeys(cases, 0.0)
    for call in cases.values():
        call()  # warm-up (and, for the feed, the first build)
    for _ in range(ROUNDS):
        for name, call in cases.items():
            count = max(1, requests[name] // ROUNDS)
            start = time.perf_counter()
            for _ in range(count):
                call()
            best[name] = max(best[name], count / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = arguments(__doc__, 1000, "meetings in the feed")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per case")
    args = parser.parse_args()
    n, requests = args.n, args.requests

    with database(args.database_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            group = WorkingGroup(slug="bench", kind=GroupKind.bridge, name_nl="Bench")
            db.session.add(group)
            db.session.flush()
            first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=180)
            db.session.add_all(
                Meeting(
                    group_id=group.id,
                    kind=MeetingKind.working_session,
                    title_nl=f"Werkoverleg {i} over integratie en arbeidsmarkt",
                    title_de=f"Arbeitstreffen {i} zu Integration und Arbeitsmarkt",
                    description_de="Tagesordnung: Berichte, Planung, Verschiedenes. " * 4,
                    venue="Rathaus",
                    address="Prinzipalmarkt 10",
                    city="Münster",
                    country="DE",
                    start_at=first + timedelta(hours=17 * i),
                    end_at=first + timedelta(hours=17 * i + 2),
                )
                for i in range(n)
            )
            db.session.commit()

            client = app.test_client()
            headers = {"Accept-Language": "de"}

            def bare():
                assert client.get("/healthz").status_code == 200

            def feed():
                assert client.get(PATH, headers=headers).status_code == 200

            etag = client.get(PATH, headers=headers).headers["ETag"]

            def not_modified():
                response = client.get(PATH, headers={**headers, "If-None-Match": etag})
                assert response.status_code == 304

            group_name = f"Netwerkbrug – {group.name}"

            def before():
                # what a feed request did before: every meeting, every VEVENT built anew
                with app.test_request_context(PATH, headers=headers):
                    meetings = list(
                        db.session.scalars(
                            db.select(Meeting)
                            .where(Meeting.group_id == group.id)
                            .order_by(Meeting.start_at)
                        )
                    )
                    body = ical.feed_bytes(
                        meetings,
                        name=group_name,
                        lang="de",
                        url_for=lambda m: external_url("meetings.show", meeting_id=m.id),
                    )
                    hashlib.sha256(body).hexdigest()
                    db.session.remove()

            cases = {
                "bare /healthz": bare,
                "feed (kept VEVENTs)": feed,
                "304 (If-None-Match)": not_modified,
                "feed as before": before,
            }
            counts = dict.fromkeys(cases, requests)
            counts["feed as before"] = max(ROUNDS, requests // 20)
            results = rates(cases, counts)
            db.session.remove()
            db.drop_all()
            db.engine.dispose()

    base, full = results["bare /healthz"], results["feed (kept VEVENTs)"]
    print(f"group feed of {n} meetings, {kind(url)}, in-process WSGI, best of {ROUNDS} rounds")
    for name, value in results.items():
        print(f"{name:<22} {value:9.1f} req/s")
    print(f"feed vs bare            : {full / base:7.3f}")
    print(f"feed vs before          : {full / results['feed as before']:7.1f}x")
    print(f"304 vs full feed        : {results['304 (If-None-Match)'] / full:7.1f}x")
    print(
        f"304 vs feed as before   : "
        f"{results['304 (If-None-Match)'] / results['feed as before']:7.1f}x"
    )


if __name__ == "__main__":
    main()
