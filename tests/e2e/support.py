"""What the browser fixtures and the screenshot script share: how Chromium is started and
how the app is served on a free loopback port."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class QuietRequestHandler(WSGIRequestHandler):
    """Logs errors but not every request, so a failing test's output stays readable."""

    def log_request(self, *args, **kwargs):
        pass


def _closing_each_response(app: Flask):
    """The app, each response's iterable closed as soon as it is sent or dropped. Werkzeug's
    development server skips the close when the browser has already dropped the connection
    (it fails reading what is left of the request first), which left a static file open
    until the garbage collector found it: a ResourceWarning in some later test."""

    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            yield from iterable
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return wsgi


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serves the app in a daemon thread and yields its base URL; stops it cleanly."""
    server = make_server(
        "127.0.0.1",
        0,
        _closing_each_response(app),
        threaded=True,
        request_handler=QuietRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
