"""What every benchmark shares: `--database-url` and `--n`, and a database to fill.

Without `--database-url` a benchmark uses a throw-away SQLite file. With one (for example
`postgresql://postgres@127.0.0.1:5432/nwb_bench`) it fills that database and empties it
again afterwards, so give it one that holds nothing else."""

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def arguments(doc: str, n: int, n_help: str, *aliases: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--n", *aliases, dest="n", type=int, default=n, help=n_help)
    parser.add_argument(
        "--database-url", default=None, help="an empty database to use (default: SQLite file)"
    )
    return parser


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """A database URL: a temporary SQLite file, or `url`, emptied again at the end."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    try:
        yield url
    finally:
        empty(url)


def empty(url: str) -> None:
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.engine.dispose()


def kind(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_sink(port: int, keep: bool, count, ready, requests, replies) -> None:
    """The SMTP sink process: aiosmtpd on loopback, counting (and keeping) every message."""
    import asyncio

    from aiosmtpd.controller import Controller

    kept: list[tuple[str, list[str], bytes]] = []
    keeping = [keep]

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook)
            if keeping[0]:
                kept.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(
        Handler(), hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop()
    )
    controller.start()
    ready.set()
    while (request := requests.get()) != "stop":
        if request == "messages":  # handed over once; from now on nothing is kept
            replies.put(list(kept))
            kept.clear()
            keeping[0] = False
        elif request == "cpu":
            import time

            replies.put(time.process_time())
    controller.stop()


class SinkProcess:
    """An aiosmtpd SMTP sink in a process of its own, as a relay would be, so the worker and
    the raw-smtplib baseline each get the sink's whole process (not a thread sharing their
    interpreter). `count` says how many messages it accepted; `messages()` hands over
    those it kept when started with `keep=True`, once: it keeps nothing more after that,
    so a measurement that follows finds the sink as lean as the one before."""

    def __init__(self, keep: bool = False) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.port = free_port()
        self._count = context.Value("q", 0)
        self._ready = context.Event()
        self._requests = context.Queue()
        self._replies = context.Queue()
        self._process = context.Process(
            target=_run_sink,
            args=(self.port, keep, self._count, self._ready, self._requests, self._replies),
            daemon=True,
        )

    def __enter__(self) -> "SinkProcess":
        self._process.start()
        if not self._ready.wait(120):
            raise RuntimeError("the SMTP sink did not start")
        return self

    def __exit__(self, *exc_info) -> None:
        self._requests.put("stop")
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()

    @property
    def count(self) -> int:
        return self._count.value

    def cpu(self) -> float:
        """Seconds of CPU the sink process has used so far."""
        self._requests.put("cpu")
        return self._replies.get(timeout=300)

    def messages(self) -> list[tuple[str, list[str], bytes]]:
        self._requests.put("messages")
        return self._replies.get(timeout=300)


def send_raw(port: int, messages: list[tuple[str, list[str], bytes]]) -> float:
    """Sends `messages` with plain smtplib over one reused connection; returns the seconds."""
    import smtplib
    import time

    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for mail_from, rcpt_tos, content in messages:
            smtp.sendmail(mail_from, rcpt_tos, content)
    return time.perf_counter() - start


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk(port: int, path: str, headers: dict, seconds: float) -> tuple[float, int]:
    """(requests/s, requests) that wrk, a load generator written in C (Debian's `wrk`),
    reaches on `path` for `seconds` with 2 threads and 20 connections: its client costs the
    machine far less than Python's, so the server's own limit shows. wrk does not tell a
    304 from a 200; it fails here on any answer of 400 or more, or on socket errors."""
    rate, done, _median, _p99 = wrk_with_latency(port, path, headers, seconds)
    return rate, done


def wrk_with_latency(
    port: int, path: str, headers: dict, seconds: float
) -> tuple[float, int, float, float]:
    """As `wrk`, with the median and 99th-percentile latency in seconds (wrk --latency)."""
    # wrk's own timeout (2 s) would count the slowest case's answers as socket errors: 20
    # connections queue for 2 workers, and "feed as before" costs half a second each
    command = [
        "wrk",
        "-t2",
        "-c20",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "60s",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx or 3xx responses" in out or "Socket errors" in out:
        raise SystemExit(f"wrk on {path}:\n{out}")
    done = re.search(r"(\d+) requests in", out)
    rate = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if done is None or rate is None:
        raise SystemExit(f"wrk printed no rate for {path}:\n{out}")
    return (
        float(rate.group(1)),
        int(done.group(1)),
        _wrk_percentile(out, "50%"),
        _wrk_percentile(out, "99%"),
    )


_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _wrk_percentile(out: str, which: str) -> float:
    """A line of wrk's latency distribution (`     50%    4.21ms`) in seconds; nan if
    wrk printed none (no request finished)."""
    found = re.search(rf"^\s*{re.escape(which)}\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if found is None:
        return float("nan")
    return float(found.group(1)) * _WRK_UNITS[found.group(2)]


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def workers_cpu(master: int) -> float:
    """Seconds of CPU (user + system) the master's child processes have used so far."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == master:  # fields[1] is the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def settle(master: int) -> None:
    """Returns once the gunicorn workers are idle (their CPU time stood still for 0.3 s):
    when wrk stops, the requests still queued on its connections are served after it, and
    must not slow the next case down. (So with wrk the CPU per request is that of the
    timed seconds over the requests finished in them: for the slowest case, "feed as
    before", the few requests under way at the end make it an estimate.)"""
    import time

    deadline = time.monotonic() + 120
    last = workers_cpu(master)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = workers_cpu(master)
        if now == last:
            return
        last = now
