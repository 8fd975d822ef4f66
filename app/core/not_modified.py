"""Conditional requests answered in front of the app, for views whose answer depends on
nothing but the URL and the request's language headers (calendar feeds: a calendar
program polls the same URL every few minutes, without cookies).

- A view calls `remember_validators()` before it reads the database. When its answer to a
  cookie-free GET is a 200 or 304 with an ETag, the middleware keeps that answer's headers
  under the request (host, scheme, path, query, Accept-Language) together with the page
  cache's generation read before the view ran (every committed write raises it).
- A later cookie-free, conditional GET for the same request whose If-None-Match or
  If-Modified-Since matches the kept validators is answered 304 with the kept headers
  while the generation stands still, without entering Flask (no hooks, no session, no
  query). Anything else (a cookie, another language header, a write since, a validator
  that does not match) goes to the app as before.
- With Redis, a process that knows the generation through its subscription
  (`page_cache.watch()`) keeps the answers it has seen in its own memory as well, so a
  matching poll costs no round trip at all; they go when the generation moves.
- Only where the cache sees every write a web process commits: a shared cache (Redis), or
  the in-process cache with one web process (`WEB_CONCURRENCY=1`), and only with
  `FEED_REMEMBER_VALIDATORS` on (the default). Writes by other processes (the worker,
  CLI) count after at most `PAGE_CACHE_SECONDS`, as for kept pages."""

import hashlib
import time
from datetime import datetime

from flask import Flask, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.http import is_resource_modified, parse_date, remove_entity_headers, unquote_etag

from ..extensions import cache
from . import page_cache

MARK = "netwerkbrug.remember_validators"
PREFIX = "not-modified:"
# caches that live inside one process: they see only that process's writes
IN_PROCESS_CACHES = frozenset({"simplecache", "simple", "nullcache", "null"})
# headers that describe a body; a 304 carries none of them
BODY_HEADERS = frozenset(
    {"content-type", "content-length", "content-disposition", "content-encoding"}
)
# parts of the request that the kept answer depends on (besides the path and the query)
KEYED = ("HTTP_HOST", "wsgi.url_scheme", "HTTP_X_FORWARDED_PROTO", "HTTP_ACCEPT_LANGUAGE")
# the most answers one process keeps itself (all dropped when reached, and at every write)
KEPT_HERE = 10_000


def is_enabled(config) -> bool:
    """Whether the cache sees every write a web process commits (see the module's doc)."""
    if not config.get("FEED_REMEMBER_VALIDATORS", True):
        return False
    cache_type = str(config.get("CACHE_TYPE") or "SimpleCache").rsplit(".", 1)[-1].lower()
    return cache_type not in IN_PROCESS_CACHES or (config.get("WEB_CONCURRENCY") or 1) <= 1


def remember_validators(until: datetime | None = None) -> None:
    """Lets the middleware keep this request's 200/304 answer for conditional requests
    until the next committed write (and at most until `until`, when the answer changes
    with time). Call it before reading the database: the generation it reads then is the
    one the answer was computed under."""
    if is_enabled(current_app.config):
        stop = until.timestamp() if until is not None else None
        request.environ[MARK] = (page_cache.generation(), stop)


def _is_candidate(environ) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and "HTTP_COOKIE" not in environ
        and "HTTP_AUTHORIZATION" not in environ
    )


def _parts(environ) -> tuple:
    """What the kept answer depends on: the path, the query and the `KEYED` headers."""
    return (
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        *(str(environ.get(name, "")) for name in KEYED),
    )


def _key(parts: tuple) -> str:
    return PREFIX + hashlib.sha256("\x00".join(parts).encode("latin-1")).hexdigest()


def _matches(environ, etag: str, last_modified) -> bool:
    """Whether the request's validators match (the common case, a calendar program sending
    back the ETag it got, without parsing anything)."""
    if environ.get("HTTP_IF_NONE_MATCH") == f'"{etag}"':
        return True
    return not is_resource_modified(environ, etag=etag, last_modified=last_modified)


class NotModified:
    """The WSGI layer in front of the Flask app (see the module's doc)."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        # answers kept in this process too, where the generation is known without asking
        # Redis (page_cache.watch()): under the generation they were kept for, with the
        # monotonic time they expire at; emptied when the generation moves
        self._here: dict[tuple, tuple] = {}
        self._here_generation: int | None = None

    def _backend(self):
        return self.app.extensions["cache"][cache]

    def _seconds(self) -> int:
        return self.app.config.get("PAGE_CACHE_SECONDS", 300)

    def _current(self, parts: tuple):
        """The answer kept for `parts` under the current generation, or None."""
        watch = self.app.extensions.get(page_cache.WATCH)
        number = watch.current() if watch is not None else None
        if number is None:  # no watch (or it cannot tell): ask the cache for both
            generation, kept = self._backend().get_many(page_cache.GENERATION, _key(parts))
            return kept if kept is not None and kept[0] == (generation or 0) else None
        if number != self._here_generation:
            self._here.clear()
            self._here_generation = number
        here = self._here.get(parts)
        if here is not None and here[1][0] == number and time.monotonic() < here[0]:
            return here[1]
        kept = self._backend().get(_key(parts))
        if kept is None or kept[0] != number:
            return None
        self._keep_here(parts, kept)
        return kept

    def _keep_here(self, parts: tuple, kept: tuple) -> None:
        if kept[0] != self._here_generation:
            return
        if len(self._here) >= KEPT_HERE:
            self._here.clear()
        self._here[parts] = (time.monotonic() + self._seconds(), kept)

    def _kept_answer(self, environ, parts: tuple):
        if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
            return None
        kept = self._current(parts)
        if kept is None:
            return None
        _, until, etag, last_modified, headers = kept
        if until is not None and time.time() >= until:
            return None
        return headers if _matches(environ, etag, last_modified) else None

    def _keep(self, environ, parts: tuple, status: str, headers: list) -> None:
        mark = environ.get(MARK)
        if mark is None or status[:3] not in ("200", "304"):
            return
        names = {name.lower(): value for name, value in headers}
        if "etag" not in names or "set-cookie" in names:
            return
        generation, until = mark
        etag, weak = unquote_etag(names["etag"])
        if weak:
            return
        last_modified = parse_date(names.get("last-modified"))
        # what Werkzeug sends with the app's own 304 (it drops the headers about a body)
        answer = Headers(headers)
        remove_entity_headers(answer)
        answer.remove("Content-Disposition")
        kept = (generation, until, etag, last_modified, answer.to_wsgi_list())
        self._backend().set(_key(parts), kept, timeout=self._seconds())
        self._keep_here(parts, kept)

    def __call__(self, environ, start_response):
        if not _is_candidate(environ):
            return self.wsgi_app(environ, start_response)
        parts = _parts(environ)
        headers = self._kept_answer(environ, parts)
        if headers is not None:
            start_response("304 NOT MODIFIED", list(headers))
            return []

        def keeping(status, headers, exc_info=None):
            if exc_info is None:
                self._keep(environ, parts, status, headers)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, keeping)


def init_app(app: Flask) -> None:
    app.wsgi_app = NotModified(app, app.wsgi_app)
