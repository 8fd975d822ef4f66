"""Producers: other parts of the application that turn their own pending work into outbox
rows a chunk at a time, inside the mail worker's loop (e.g. a newsletter edition to
thousands of subscribers is rendered while it is being sent, not in the web request).

A producer is a function `producer(limit) -> int` registered on the app with
`register_producer(app, producer)`. It adds at most about `limit` outbox rows to the session
and returns how many units of work it did (0 when it had nothing to do); the worker commits
after each producer. It must be safe to run in several workers at once (claim its own rows
with one statement, as `claim_batch` does) and must leave the session clean on error."""

import threading
from collections.abc import Callable

from flask import Flask, current_app

from ..extensions import db

Producer = Callable[[int], int]
EXTENSION_KEY = "mail.producers"


def register_producer(app: Flask, producer: Producer) -> None:
    producers = app.extensions.setdefault(EXTENSION_KEY, [])
    if producer not in producers:
        producers.append(producer)


def run_producers(limit: int) -> int:
    """Runs every registered producer once and commits its work; returns the work done."""
    done = 0
    for producer in current_app.extensions.get(EXTENSION_KEY, []):
        try:
            done += producer(limit)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
    return done


class Ahead:
    """Runs the producers once more in a helper thread (with an app context and database
    session of its own) while the worker sends the batch it claimed, so the next chunk of
    a newsletter is made while this one goes out, instead of the connections waiting for it.

    Producers are safe in several workers at once, so one running beside the worker's own
    thread is too. `result()` waits for it and returns the work done, or raises what it
    raised (a database outage, say), so the worker handles it as its own."""

    def __init__(self, limit: int) -> None:
        app = current_app._get_current_object()
        self._done = 0
        self._error: BaseException | None = None

        def run() -> None:
            with app.app_context():
                try:
                    self._done = run_producers(limit)
                except BaseException as error:  # handed to the worker's thread
                    self._error = error
                finally:
                    db.session.remove()

        self._thread = threading.Thread(target=run, name="producers", daemon=True)
        self._thread.start()

    def result(self) -> int:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._done
