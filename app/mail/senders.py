"""Several SMTP connections kept busy by one worker: `Senders` runs `MAIL_CONNECTIONS` threads,
each with a transport of its own (one connection, opened on first use and reused), and a
`RateLimit` shared by them, so the relay never gets more than `MAIL_RATE_LIMIT` messages a
second from this worker.

The threads only talk SMTP; everything that touches the database stays in the worker's own
thread. Sending is I/O, so the threads overlap the round trips of one connection with those
of the others (and with the worker's database work) although Python runs one at a time."""

import queue
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future

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
    """`connections` threads, each sending over a transport of its own made by
    `make_transport()` and taking its work from a queue of its own. `submit(send, key)`
    runs `send(transport)` on the thread that `key` (the recipient) falls to, so messages
    to one recipient leave in the order they were handed over (an invitation before its
    cancellation) while different recipients go out side by side."""

    def __init__(
        self, make_transport: Callable[[], Transport], connections: int, rate: float = 0
    ) -> None:
        self.connections = max(1, int(connections))
        self._make_transport = make_transport
        self._transports: list[Transport] = []
        self._lock = threading.Lock()
        self.rate = RateLimit(rate)
        self._queues: list[queue.SimpleQueue] = [
            queue.SimpleQueue() for _ in range(self.connections)
        ]
        self._threads = [
            threading.Thread(target=self._run, args=(work,), name=f"smtp-{n}", daemon=True)
            for n, work in enumerate(self._queues)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, work: queue.SimpleQueue) -> None:
        transport = None
        while (item := work.get()) is not None:
            future, send = item
            if not future.set_running_or_notify_cancel():
                continue  # cancelled before it started
            try:
                if transport is None:
                    transport = self._make_transport()
                    with self._lock:
                        self._transports.append(transport)
                self.rate.wait()
                future.set_result(send(transport))
            except BaseException as error:  # handed to whoever waits for the result
                future.set_exception(error)

    def submit(self, send: Callable[[Transport], object], key: str = "") -> Future:
        future: Future = Future()
        self._queues[zlib.crc32(key.encode()) % self.connections].put((future, send))
        return future

    def close_connections(self) -> None:
        """Lets go of every open connection (while no send runs); each reopens on next use."""
        with self._lock:
            for transport in self._transports:
                transport.close()

    def __enter__(self) -> "Senders":
        return self

    def __exit__(self, *exc_info) -> None:
        for work in self._queues:
            work.put(None)
        for thread in self._threads:
            thread.join()
        self.close_connections()
