"""Throughput and latency of the main pages, as ratios against /healthz on the same server.

Starts gunicorn on loopback against a database with the demo data (a throw-away SQLite file unless --database-url), sends
a bounded number of keep-alive requests from a few client threads, and prints requests/s,
median and p95 latency per page, and each page's throughput as a share of /healthz.
Run: `.venv/bin/python bench/http_pages.py [--n 400] [--threads 4] [--database-url URL]`."""

import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from common import arguments, database, kind

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 4
PAGES = ["/healthz", "/", "/login", "/partners/", "/groups/", "/visits/", "/visits/learning"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
def gunicorn(
    workers: int, env: dict, start_seconds: float = 30, app: str = "wsgi:app"
) -> Iterator[int]:
    """`app` (default `wsgi:app`) under gunicorn on a free loopback port, answering once
    this yields."""
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
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def hammer(port: int, path: str, count: int, latencies: list[float]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(count):
        start = time.perf_counter()
        conn.request("GET", path, headers={"Accept-Language": "de"})
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - start)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
    conn.close()


def measure(port: int, path: str, total: int, threads: int) -> tuple[float, float, float]:
    latencies: list[float] = []
    per_thread = max(1, total // threads)
    workers = [
        threading.Thread(target=hammer, args=(port, path, per_thread, latencies))
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
        latencies[int(len(latencies) * 0.95) - 1],
    )


def main() -> None:
    parser = arguments(__doc__, 400, "requests per page", "--requests")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with database(args.database_url) as url:
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run(
            [*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        with gunicorn(args.workers, env, start_seconds=120) as port:
            measure(port, "/healthz", 50, 2)  # warm-up
            # the pages take turns in rounds and each keeps its best round, so a burst of
            # load from elsewhere on a busy machine hits no page alone
            results: dict[str, tuple[float, float, float]] = {}
            for _ in range(ROUNDS):
                for path in PAGES:
                    result = measure(port, path, max(1, args.n // ROUNDS), args.threads)
                    if path not in results or result[0] > results[path][0]:
                        results[path] = result

    base = results["/healthz"][0]
    print(
        f"gunicorn {args.workers} workers, {args.threads} client threads, "
        f"{args.n} requests per page in {ROUNDS} rounds (best round), {kind(url)}"
    )
    print(f"{'page':<12} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'vs /healthz':>12}")
    for path, (rate, median, p95) in results.items():
        print(f"{path:<12} {rate:8.0f} {median * 1000:10.1f} {p95 * 1000:8.1f} {rate / base:12.2f}")


if __name__ == "__main__":
    main()
