"""Throughput, latency and server CPU of the main pages, as ratios against /healthz on the same server.

Starts gunicorn (2 sync workers) on loopback against a database with the demo data (a
throw-away SQLite file unless --database-url) and loads each page with wrk (`-t2 -c20`, as
issue 19 measured; Debian's `wrk`) for a few seconds where it is installed, else with a
bounded number of keep-alive requests from a few Python client threads (`--client`). It
prints requests/s, median and p99 (wrk) or p95 (threads) latency per page, each page's
throughput as a share of /healthz and the gunicorn workers' CPU time per request (from
/proc, so Linux only). wrk's client costs the machine far less than Python threads, so the
server's own limit shows; after each wrk run the workers are left to finish what was
queued (`settle`), and the CPU per request is that of the timed seconds over the requests
finished in them.

Anonymous pages come from the page cache. The signed-in pages (the project manager, signed in
through the login form) are the directory, a working group, the meetings, the newsletter's
subscriber list and the home page "for me". `--scale 10` adds, in bulk inserts, 5,000
organisations, 2,000 meetings (1,000 of them in the Xenia group, the project manager invited
to those), 20,000 subscribers and 110 Xenia members to the demo data: the 10× data of
issue 19 (5,030 organisations, 2,014 meetings, 20,030 subscribers).
`--cold` turns every cache off (Flask-Caching's NullCache), so each request costs what the
first one after a change costs.
Run: `.venv/bin/python bench/http_pages.py [--scale 10] [--cold] [--database-url URL]
[--client auto|threads|wrk] [--wrk-seconds 2] [--rounds 4] [--n 400] [--threads 4]`
(`--n` and `--threads` are the Python client's requests per page and threads)."""

import contextlib
import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

from common import (
    arguments,
    database,
    free_port,
    has_wrk,
    kind,
    settle,
    workers_cpu,
    wrk_with_latency,
)

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 4
WRK_SECONDS = 2
ANONYMOUS = ["/healthz", "/", "/login", "/partners/", "/groups/", "/visits/", "/visits/learning"]
SIGNED_IN = [
    "/partners/",
    "/groups/xenia-wohnen",
    "/meetings/",
    "/newsletter/admin/subscribers",
    "/",
]
MANAGER = ("projectleider@example.org", "netwerkbrug-demo")


def wait_until_up(port: int, deadline: float) -> None:
    """Until /healthz answers 200: the port listens before the workers have booted."""
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


@contextlib.contextmanager
def serve(
    workers: int, env: dict, start_seconds: float = 30, app: str = "wsgi:app"
) -> Iterator[tuple[int, int]]:
    """`app` (default `wsgi:app`) under gunicorn on a free loopback port: (port, the
    master's pid), once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
        + ["--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(port, time.monotonic() + start_seconds)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def gunicorn(
    workers: int, env: dict, start_seconds: float = 30, app: str = "wsgi:app"
) -> Iterator[int]:
    """`app` under gunicorn on a free loopback port, answering once this yields."""
    with serve(workers, env, start_seconds, app) as (port, _pid):
        yield port


def hammer(port: int, path: str, count: int, latencies: list[float], headers: dict, status: int):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for _ in range(count):
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - start)
        if response.status != status:
            raise SystemExit(f"{path} answered {response.status}, not {status}")
    conn.close()


def measure(
    port: int,
    path: str,
    total: int,
    threads: int,
    cookie: str = "",
    headers: dict | None = None,
    status: int = 200,
) -> tuple[float, float, float]:
    """Requests per second, median and 95th-percentile seconds of `total` GETs of `path`
    from `threads` keep-alive clients, each answered `status`; the headers are `headers`
    (by default a German browser's Accept-Language) and the Cookie `cookie`."""
    headers = {"Accept-Language": "de"} if headers is None else dict(headers)
    if cookie:
        headers["Cookie"] = cookie
    latencies: list[float] = []
    per_thread = max(1, total // threads)
    workers = [
        threading.Thread(target=hammer, args=(port, path, per_thread, latencies, headers, status))
        for _ in range(threads)
    ]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return (
        len(latencies) / elapsed,
        statistics.median(latencies),
        latencies[max(0, int(len(latencies) * 0.95) - 1)],
    )


def sign_in(port: int, email: str, password: str) -> str:
    """The Cookie header of a browser that signed in through the login form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on /login")
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    cookie = "; ".join(f"{k}={m.value}" for k, m in jar.items())
    conn.request(
        "POST",
        "/login",
        body=urllib.parse.urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 302:
        raise SystemExit(f"signing in answered {response.status}")
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return "; ".join(f"{k}={m.value}" for k, m in jar.items() if m.value)


def load_scale(url: str, scale: int) -> None:
    """`scale` × (500 organisations, 200 meetings, 2,000 subscribers, 11 members) more, by
    bulk inserts (no ORM events, so the search index does not follow; no page measured here
    reads it)."""
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    import sqlalchemy as sa

    from app import create_app
    from app.auth.models import User
    from app.extensions import db
    from app.groups.models import Membership, Role, WorkingGroup
    from app.meetings.models import Invitation, Meeting, MeetingKind
    from app.newsletter.models import ConsentSource, Subscriber, SubscriberStatus
    from app.partners.models import Country, Organisation, OrganisationKind, search_key

    extra = scale
    app = create_app()
    with app.app_context():
        now = datetime.now(UTC)
        kinds = list(OrganisationKind)
        cities = {Country.NL: ["Enschede", "Almelo", "Hengelo"], Country.DE: ["Münster", "Gronau"]}

        def organisation(i: int) -> dict:
            country = Country.NL if i % 2 else Country.DE
            city = cities[country][i % len(cities[country])]
            name = f"Bench-Organisation {i:05d}"
            description = f"Beschreibung der Organisation {i} in {city}: Wohnen und Integration."
            return {
                "name": name,
                "kind": kinds[i % len(kinds)],
                "country": country,
                "city": city,
                "description_de": description,
                "search_text": search_key(name, "", city, "", description, ""),
                "updated_at": now,
            }

        def insert(model, rows: list[dict]) -> None:
            for start in range(0, len(rows), 2000):
                db.session.execute(sa.insert(model), rows[start : start + 2000])

        insert(Organisation, [organisation(i) for i in range(500 * extra)])
        xenia = db.session.scalar(
            sa.select(WorkingGroup).where(WorkingGroup.slug == "xenia-wohnen")
        )
        others = db.session.scalars(
            sa.select(WorkingGroup.id).where(WorkingGroup.id != xenia.id)
        ).all()
        first = datetime(now.year, now.month, 1, 9, tzinfo=UTC) - timedelta(days=365)

        def meeting(i: int) -> dict:
            start = first + timedelta(days=i % 900, hours=i % 5)
            return {
                "kind": MeetingKind.working_session,
                "group_id": xenia.id if i % 2 == 0 else others[i % len(others)],
                "title_nl": f"Werksessie {i}",
                "title_de": f"Arbeitssitzung {i}",
                "start_at": start,
                "end_at": start + timedelta(hours=2),
                "city": "Enschede" if i % 2 else "Münster",
                "country": "NL" if i % 2 else "DE",
            }

        insert(Meeting, [meeting(i) for i in range(200 * extra)])
        insert(
            User,
            [
                {"email": f"bench-member-{i}@example.org", "name": f"Mitglied {i}", "locale": "de"}
                for i in range(11 * extra)
            ],
        )
        members = db.session.scalars(
            sa.select(User.id).where(User.email.like("bench-member-%"))
        ).all()
        insert(
            Membership,
            [
                {
                    "group_id": xenia.id,
                    "user_id": user_id,
                    "role": Role.member,
                    "joined_on": date(2026, 1, 1),
                }
                for user_id in members
            ],
        )
        manager = db.session.scalar(sa.select(User.id).where(User.email == MANAGER[0]))
        xenia_meetings = db.session.scalars(
            sa.select(Meeting.id).where(
                Meeting.group_id == xenia.id, Meeting.title_nl.like("Werksessie %")
            )
        ).all()
        insert(
            Invitation,
            [{"meeting_id": meeting_id, "user_id": manager} for meeting_id in xenia_meetings],
        )
        insert(
            Subscriber,
            [
                {
                    "email": f"reader{i}@example.org",
                    "name": f"Reader {i}",
                    "language": ("nl", "de", "en")[i % 3],
                    "status": SubscriberStatus.confirmed,
                    "consent_source": ConsentSource.admin,
                    "consent_at": now,
                }
                for i in range(2000 * extra)
            ],
        )
        db.session.commit()
        db.engine.dispose()


def run_case(
    client: str, port: int, master: int, case: tuple[str, str], args
) -> tuple[tuple[float, float, float], float, int]:
    """One round of one page: ((requests/s, median s, tail s), CPU seconds of the workers,
    requests finished)."""
    path, cookie = case
    before = workers_cpu(master)
    if client == "wrk":
        headers = {"Accept-Language": "de", **({"Cookie": cookie} if cookie else {})}
        rate, done, median, tail = wrk_with_latency(port, path, headers, args.wrk_seconds)
        cpu = workers_cpu(master) - before
        settle(master)  # what wrk left queued is served before the next case, uncounted
        return (rate, median, tail), cpu, done
    per_round = max(1, args.n // args.rounds)
    result = measure(port, path, per_round, args.threads, cookie)
    done = max(1, per_round // args.threads) * args.threads
    return result, workers_cpu(master) - before, done


def main() -> None:
    parser = arguments(__doc__, 400, "requests per page (Python client)", "--requests")
    parser.add_argument("--threads", type=int, default=4, help="Python client threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="adds scale × 500 organisations, 200 meetings, 2,000 subscribers (10: issue 19's data)",
    )
    parser.add_argument(
        "--cold", action="store_true", help="no cache at all: every page rendered afresh"
    )
    parser.add_argument(
        "--client",
        choices=["auto", "threads", "wrk"],
        default="auto",
        help="wrk -t2 -c20 or Python client threads (auto: wrk where it is installed)",
    )
    parser.add_argument(
        "--wrk-seconds", type=float, default=WRK_SECONDS, help="wrk's time per page and round"
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds (best one counts)")
    args = parser.parse_args()
    client = args.client
    if client == "auto":
        client = "wrk" if has_wrk() else "threads"

    with database(args.database_url) as url:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
        if args.cold:
            env["CACHE_TYPE"] = "NullCache"
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run(
            [*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        if args.scale > 0:
            load_scale(url, args.scale)
        with serve(args.workers, env, start_seconds=120) as (port, master):
            cookie = sign_in(port, *MANAGER)
            cases = [(path, "") for path in ANONYMOUS] + [(path, cookie) for path in SIGNED_IN]
            for path, with_cookie in cases:  # warm-up: imports, templates, caches
                measure(port, path, 4, 1, with_cookie)
            # the pages take turns in rounds and each keeps its best round, so a burst of
            # load from elsewhere on a busy machine hits no page alone; CPU counts every round
            results: dict[tuple[str, str], tuple[float, float, float]] = {}
            cpu: dict[tuple[str, str], float] = {}
            sent: dict[tuple[str, str], int] = {}
            for _ in range(args.rounds):
                for case in cases:
                    result, used, done = run_case(client, port, master, case, args)
                    cpu[case] = cpu.get(case, 0) + used
                    sent[case] = sent.get(case, 0) + done
                    if case not in results or result[0] > results[case][0]:
                        results[case] = result

    base = results[("/healthz", "")][0]
    if client == "wrk":
        load, tail = f"wrk -t2 -c20, {args.wrk_seconds:g} s per page", "p99 ms"
    else:
        load, tail = f"{args.threads} client threads, {args.n} requests per page", "p95 ms"
    print(
        f"gunicorn {args.workers} workers, {load} in {args.rounds} rounds (best round), "
        f"{kind(url)}, demo data + {args.scale} × (500 organisations, 200 meetings, "
        f"2,000 subscribers), {'no cache (--cold)' if args.cold else 'caches on'}"
    )
    print(
        f"{'page':<30} {'who':<10} {'req/s':>8} {'median ms':>10} {tail:>8} "
        f"{'vs /healthz':>12} {'CPU ms':>7}"
    )
    for case, (rate, median, slow) in results.items():
        who = "manager" if case[1] else "anonymous"
        cpu_ms = cpu[case] / sent[case] * 1000
        print(
            f"{case[0]:<30} {who:<10} {rate:8.0f} {median * 1000:10.1f} {slow * 1000:8.1f} "
            f"{rate / base:12.2f} {cpu_ms:7.1f}"
        )


if __name__ == "__main__":
    main()
