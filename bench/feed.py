"""Calendar feeds: a group feed of N meetings against the bare endpoint, a conditional
request (304) against the full feed, and the feed against building it as before this
change (every VEVENT through icalendar on every request, ETag = hash of the body).

Fills a database with one public group holding N meetings (all inside the feed's default
window), then times the same cases twice:
- in this process through the WSGI app (no HTTP server: the app's own cost), the cases
  taking turns in rounds, each keeping its best round;
- over real HTTP: gunicorn (2 sync workers) on loopback, the full feed's body really
  crossing a socket, under wrk (`-t2 -c20`, as the issue measured; Debian's `wrk`) where
  it is installed, else several Python client threads with keep-alive connections. With more than
  one worker the validators are remembered in a shared cache, so this starts a throw-away
  redis-server when there is one (else each worker keeps its own, as one process would).
Besides /healthz (which asks the database `SELECT 1`) it times "floor": a route of the same
app that answers an empty 304 and does nothing else, the least any request that enters
Flask can cost. A feed's 304 is answered in front of Flask (app.core.not_modified), so it
can beat the floor. Over HTTP the client threads share the machine with the server, so it
also prints the server's CPU per request (the gunicorn workers' CPU time, read from /proc)
and "304 vs full feed" by that CPU: how many 304s the server answers for one full feed.
Run: `.venv/bin/python bench/feed.py [--n 1000] [--requests 200] [--database-url URL]
[--http-requests 200] [--threads 4] [--http-cache redis|worker] [--no-http]
[--client auto|threads|wrk] [--http-rounds 5] [--wrk-seconds 2]`."""

import contextlib
import hashlib
import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import arguments, database, free_port, has_wrk, kind, settle, wrk

from app import create_app
from app.calendar import ical
from app.core.security import public
from app.core.urls import external_url
from app.extensions import db
from app.groups.models import GroupKind, WorkingGroup
from app.meetings.models import Meeting, MeetingKind

PATH = "/calendar/groups/bench.ics"
BEFORE = "/_bench/feed-before.ics"  # the feed as built before kept VEVENTs
FLOOR = "/_bench/floor"  # an empty 304, nothing else
HEADERS = {"Accept-Language": "de"}
ROUNDS = 5
HTTP_ROUNDS = 5
CHEAP = 5
GOAL = 20  # a 304 at >= 20x the rate of a full feed (issue 19)


def add_bench_routes(app) -> None:
    """Two routes that exist only in this benchmark's app: the feed built the way it was
    before this change, and the floor (an empty 304 through the same hooks)."""

    @public
    def feed_before():
        from flask import Response, request

        group = db.session.scalar(db.select(WorkingGroup).where(WorkingGroup.slug == "bench"))
        meetings = db.session.scalars(
            db.select(Meeting).where(Meeting.group_id == group.id).order_by(Meeting.start_at)
        )
        body = ical.feed_bytes(
            meetings,
            name=f"Netwerkbrug – {group.name}",
            lang="de",
            url_for=lambda m: external_url("meetings.show", meeting_id=m.id),
        )
        response = Response(body, content_type="text/calendar; charset=utf-8")
        response.set_etag(hashlib.sha256(body).hexdigest()[:32])
        return response.make_conditional(request)

    @public
    def floor():
        from flask import Response

        return Response(status=304)

    app.add_url_rule(BEFORE, "bench_feed_before", feed_before)
    app.add_url_rule(FLOOR, "bench_floor", floor)


def http_app():
    """What gunicorn serves here (`feed:http_app()`): the app from the environment plus
    the benchmark's routes."""
    app = create_app()
    add_bench_routes(app)
    return app


def fill(n: int) -> None:
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


def in_process(app, requests: int) -> tuple[dict, int]:
    client = app.test_client()

    def case(path: str, status: int, headers: dict | None = None) -> Callable[[], None]:
        def call() -> None:
            assert client.get(path, headers={**HEADERS, **(headers or {})}).status_code == status

        return call

    full = client.get(PATH, headers=HEADERS)
    etag = full.headers["ETag"]
    cases = {
        "bare /healthz": case("/healthz", 200),
        "floor (empty 304)": case(FLOOR, 304),
        "full feed": case(PATH, 200),
        "304 (If-None-Match)": case(PATH, 304, {"If-None-Match": etag}),
        "feed as before": case(BEFORE, 200),
    }
    # the cheap cases get CHEAP times as many requests, so that each of their rounds lasts
    # about as long as one of the full feed's and a quiet moment favours none
    counts = {name: CHEAP * requests for name in cases}
    counts["full feed"] = requests
    counts["feed as before"] = max(ROUNDS, requests // 20)
    return rates(cases, counts), len(full.data)


@contextlib.contextmanager
def shared_cache(wanted: str) -> Iterator[dict]:
    """Settings for a cache all gunicorn workers share: a throw-away redis-server on a free
    loopback port (nothing saved), or {} (each worker its own cache) when `wanted` is
    "worker" or there is no redis-server."""
    server_binary = shutil.which("redis-server")
    if server_binary is None or wanted != "redis":
        yield {}
        return
    port = free_port()
    server = subprocess.Popen(
        [server_binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.1)
        url = f"redis://127.0.0.1:{port}/0"
        yield {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "RATELIMIT_STORAGE_URI": url}
    finally:
        server.terminate()
        server.wait(timeout=10)


def over_http(
    url: str,
    total: int,
    threads: int,
    cache: str,
    *,
    client: str = "threads",
    rounds: int = HTTP_ROUNDS,
    seconds: float = 2,
    workers: int = 2,
) -> tuple[dict, dict, str]:
    """Requests/s per case (best round), the server's CPU ms per request, and the setup.
    The client is Python threads (`total` requests a case) or wrk (`seconds` a case)."""
    from http_pages import measure, serve, workers_cpu

    bench_dir = Path(__file__).resolve().parent
    with shared_cache(cache) as cache_settings:
        env = {
            **os.environ,
            **cache_settings,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "WEB_CONCURRENCY": str(workers),
            "PYTHONPATH": os.pathsep.join([str(bench_dir), os.environ.get("PYTHONPATH", "")]),
        }
        if not cache_settings:
            # each worker its own cache, as if each were the only web process (which is
            # what the app requires of an in-process cache; nothing writes meanwhile)
            env["WEB_CONCURRENCY"] = "1"
        with serve(workers, env, start_seconds=120, app="feed:http_app()") as (port, master):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", PATH, headers=HEADERS)
            first = conn.getresponse()
            first.read()
            etag = first.getheader("ETag")
            conn.close()
            cases = {
                "bare /healthz": ("/healthz", {}, 200, CHEAP * total),
                "floor (empty 304)": (FLOOR, {}, 304, CHEAP * total),
                "full feed": (PATH, {}, 200, total),
                "304 (If-None-Match)": (PATH, {"If-None-Match": etag}, 304, CHEAP * total),
                "feed as before": (BEFORE, {}, 200, max(threads, total // 20)),
            }
            for path, extra, status, _count in cases.values():  # warm-up, every worker
                measure(port, path, threads, threads, headers={**HEADERS, **extra}, status=status)
            best = dict.fromkeys(cases, 0.0)
            cpu, sent = dict.fromkeys(cases, 0.0), dict.fromkeys(cases, 0)
            for _ in range(rounds):
                for name, (path, extra, status, count) in cases.items():
                    headers = {**HEADERS, **extra}
                    before = workers_cpu(master)
                    if client == "wrk":
                        rate, done = wrk(port, path, headers, seconds)
                    else:
                        count = max(threads, count // rounds)
                        rate, _median, _p95 = measure(
                            port, path, count, threads, headers=headers, status=status
                        )
                        done = threads * max(1, count // threads)
                    cpu[name] += workers_cpu(master) - before
                    sent[name] += done
                    if client == "wrk":
                        settle(master)  # the requests wrk left queued count to no case
                    best[name] = max(best[name], rate)
    cache_name = "Redis (shared)" if cache_settings else "in each worker"
    cpu_ms = {name: cpu[name] / sent[name] * 1000 for name in cases}
    who = "wrk -t2 -c20" if client == "wrk" else f"{threads} client threads"
    setup = f"gunicorn {workers} sync workers, {who}, cache {cache_name}"
    return best, cpu_ms, setup


def report(title: str, results: dict, cpu_ms: dict | None = None) -> None:
    bare, floor = results["bare /healthz"], results["floor (empty 304)"]
    full, not_modified = results["full feed"], results["304 (If-None-Match)"]
    before = results["feed as before"]
    print(title)
    for name, value in results.items():
        cpu = f"  {cpu_ms[name]:6.2f} ms server CPU per request" if cpu_ms else ""
        print(f"  {name:<22} {value:9.1f} req/s{cpu}")
    print(f"  304 vs full feed        : {not_modified / full:7.1f}x   (goal >= {GOAL}x)")
    if cpu_ms and cpu_ms["304 (If-None-Match)"] > 0:
        by_cpu = cpu_ms["full feed"] / cpu_ms["304 (If-None-Match)"]
        print(f"  … by server CPU         : {by_cpu:7.1f}x   (304s per full feed's CPU)")
    print(f"  full feed vs before     : {full / before:7.1f}x")
    print(f"  304 vs bare /healthz    : {not_modified / bare:7.2f}")
    print(f"  304 vs floor            : {not_modified / floor:7.2f}")
    print(f"  full feed vs bare       : {full / bare:7.3f}")
    print(
        f"  floor vs full feed      : {floor / full:7.1f}x   (the least a request through Flask costs)"
    )


def main() -> None:
    parser = arguments(__doc__, 1000, "meetings in the feed")
    parser.add_argument(
        "--requests", type=int, default=200, help=f"timed full feeds ({CHEAP}x as many 304s…)"
    )
    parser.add_argument("--http-requests", type=int, default=None, help="the same over HTTP")
    parser.add_argument("--threads", type=int, default=4, help="HTTP client threads")
    parser.add_argument("--no-http", action="store_true", help="only the in-process figures")
    parser.add_argument(
        "--client",
        choices=["auto", "threads", "wrk"],
        default="auto",
        help="over HTTP: Python client threads, or wrk (auto: wrk where it is installed)",
    )
    parser.add_argument("--http-rounds", type=int, default=HTTP_ROUNDS, help="rounds over HTTP")
    parser.add_argument("--wrk-seconds", type=float, default=2, help="wrk's time per case")
    parser.add_argument(
        "--http-cache",
        choices=["redis", "worker"],
        default="redis",
        help="over HTTP: a shared Redis (started here) or each worker's own cache",
    )
    args = parser.parse_args()
    n, requests = args.n, args.requests

    with database(args.database_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        add_bench_routes(app)
        with app.app_context():
            fill(n)
            local, size = in_process(app, requests)
            db.session.remove()
        remote = None
        if not args.no_http:
            total = args.http_requests or requests
            client = args.client
            if client == "auto":
                client = "wrk" if has_wrk() else "threads"
            remote = over_http(
                url,
                total,
                args.threads,
                args.http_cache,
                client=client,
                rounds=args.http_rounds,
                seconds=args.wrk_seconds,
            )
        with app.app_context():
            db.drop_all()
            db.engine.dispose()

    print(f"group feed of {n} meetings ({size:,} bytes), {kind(url)}")
    report(f"in-process WSGI, best of {ROUNDS} rounds:", local)
    if remote:
        results, cpu_ms, setup = remote
        report(f"over HTTP, {setup}, best of {args.http_rounds} rounds:", results, cpu_ms)


if __name__ == "__main__":
    main()
