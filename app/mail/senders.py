"""Several SMTP connections kept busy by one worker: `Senders` runs `MAIL_CONNECTIONS` threads,
each with a transport of its own (one connection, opened on first use and reused), and a
`RateLimit` shared by them, so the relay never gets more than `MAIL_RATE_LIMIT` messages a
second from this worker.

The threads only talk SMTP; everything that touches the database stays in the worker's own
thread. Sending is I/O, so the threads overlap the round trips of one connection with those
of the others (and with the worker's database work) although Python runs one at a time."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from .transports import Transport


class RateLimit:
    """At most `per_second` starts a second over all threads (0 or less: no limit), spaced
    evenly rather than in bursts."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second and per_second > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class Senders:
    """A pool of `connections` threads, each sending over a transport of its own made by
    `make_transport()`. `submit(send)` runs `send(transport)` on a free thread."""

    def __init__(
        self, make_transport: Callable[[], Transport], connections: int, rate: float = 0
    ) -> None:
        self.connections = max(1, int(connections))
        self._make_transport = make_transport
        self._local = threading.local()
        self._transports: list[Transport] = []
        self._lock = threading.Lock()
        self.rate = RateLimit(rate)
        self._pool = ThreadPoolExecutor(self.connections, thread_name_prefix="smtp")

    def _transport(self) -> Transport:
        transport = getattr(self._local, "transport", None)
        if transport is None:
            transport = self._local.transport = self._make_transport()
            with self._lock:
                self._transports.append(transport)
        return transport

    def submit(self, send: Callable[[Transport], object]) -> Future:
        def run():
            self.rate.wait()
            return send(self._transport())

        return self._pool.submit(run)

    def close_connections(self) -> None:
        """Lets go of every open connection (while no send runs); each reopens on next use."""
        with self._lock:
            for transport in self._transports:
                transport.close()

    def __enter__(self) -> "Senders":
        return self

    def __exit__(self, *exc_info) -> None:
        self._pool.shutdown(wait=True)
        self.close_connections()
