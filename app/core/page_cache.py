"""Whole anonymous pages kept in a cache (Flask-Caching: a simple in-process cache by
default, Redis with `CACHE_TYPE=RedisCache` and `CACHE_REDIS_URL`).

- Only views marked `@cached_page`, only GET, only for visitors who are not signed in and
  have no message waiting to be shown.
- The key is the full URL and the language the page is rendered in; a page that set a
  cookie, holds a CSRF token (a form tied to one visitor's session) or did not answer 200
  is not kept.
- Every committed write to the database raises a generation number that is part of the
  key, so a change shows at once; `PAGE_CACHE_SECONDS` bounds a page's life anyway. Writes
  to tables that no page shows (`UNSHOWN_TABLES`: a browser's "last seen") do not count.

Signed-in pages keep parts instead (`shared_fragment`): the same generation and language
are in the key, and the caller adds whatever else the part depends on (the viewer's role,
the URL, or the viewer's id for a part that is theirs alone)."""

import hashlib
import re
from collections.abc import Callable

import redis
from cachelib.redis import RedisCache as CachelibRedisCache
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    render_template,
    request,
    session,
)
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..extensions import cache
from .generation_watch import GenerationWatch

GENERATION = "page-cache:generation"
WATCH = "netwerkbrug.generation_watch"
WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "TRUNCATE", "DROP", "ALTER", "CREATE"})


def cached_page(view: Callable) -> Callable:
    """Marks a view whose whole page may be kept for anonymous visitors."""
    view.cached_page = True
    return view


def _is_candidate() -> bool:
    if request.method != "GET" or not current_app.config.get("PAGE_CACHE", True):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "cached_page", False):
        return False
    return not current_user.is_authenticated and not session.get("_flashes")


def _key() -> str:
    wanted = f"{generation()}|{get_locale()}|{request.url}"
    return "page:" + hashlib.sha256(wanted.encode()).hexdigest()


def _serve_kept():
    if not _is_candidate():
        return None
    key = _key()
    kept = cache.get(key)
    if kept is None:
        g.page_cache_key = key
        return None
    body, content_type = kept
    return Response(body, content_type=content_type, headers={"X-Page-Cache": "hit"})


def _keep(response: Response) -> Response:
    key = g.pop("page_cache_key", None)
    if (
        key is None
        or response.status_code != 200
        or response.direct_passthrough
        or "Set-Cookie" in response.headers
        or current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g
        or session.modified
    ):
        return response
    cache.set(
        key,
        (response.get_data(), response.content_type),
        timeout=current_app.config.get("PAGE_CACHE_SECONDS", 300),
    )
    return response


def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:
    words = statement[:40].split(None, 1)
    if words and words[0].upper() in WRITES and not _writes_only_unshown(statement):
        conn.info["page_cache_wrote"] = True


# Tables that no kept page or part shows: a write to them alone keeps every page. A signed-in
# browser's "last seen" is written every few minutes and would otherwise drop them all.
UNSHOWN_TABLES = frozenset({"signed_in_devices"})
_WRITTEN_TABLE = re.compile(r'\s*(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


def _writes_only_unshown(statement: str) -> bool:
    written = _WRITTEN_TABLE.match(statement)
    return written is not None and written.group(1).lower() in UNSHOWN_TABLES


def _write_flags(conn) -> dict:
    """The connection's notes, or nothing when the database connection is gone: a rollback
    during an outage runs this hook on an invalidated connection, and asking it for its
    `info` would try to reconnect and raise from inside the rollback."""
    if conn.closed or conn.invalidated:
        return {}
    return conn.info


def _after_commit(conn) -> None:
    wrote = _write_flags(conn).pop("page_cache_wrote", False)
    if wrote and has_app_context() and "cache" in current_app.extensions:
        invalidate()


def _after_rollback(conn) -> None:
    _write_flags(conn).pop("page_cache_wrote", None)


def per_change(name: str, compute: Callable[[], object]) -> object:
    """`compute()` once per change of the database (and at most every PAGE_CACHE_SECONDS),
    for values that many requests share, such as a filter's choices. The value must
    pickle (plain data, no database objects)."""
    key = f"shared:{name}:{generation()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=current_app.config.get("PAGE_CACHE_SECONDS", 300))
    return value


# Stands for the viewer's CSRF token in a kept part; `kept_html` puts the token in.
CSRF_PLACEHOLDER = "csrf-token-of-the-viewer-3c1f9e"


def shared_fragment(name: str, key: tuple, render: Callable[[], object]) -> object:
    """What `render()` returns (HTML, or a tuple of plain values), kept until the next
    committed change, for every viewer who asks with the same `key` in the same language
    (and time zone).

    `key` must hold everything the part depends on besides the language and the data:
    the viewer's role where it changes the part, the URL for a list's filters and page,
    the viewer's id for what is theirs alone. A part that asked for the CSRF token while
    rendering (a form tied to one session) is not kept: render such forms with
    `CSRF_PLACEHOLDER` as the token; `kept_html` puts the viewer's own in."""
    if not current_app.config.get("PAGE_CACHE", True):
        return render()
    wanted = f"{generation()}|{get_locale()}|{get_timezone()}|{name}|{key!r}"
    cache_key = "fragment:" + hashlib.sha256(wanted.encode()).hexdigest()
    kept = cache.get(cache_key)
    if kept is not None:
        return kept
    field_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.pop(field_name, None)
    try:
        value = render()
        personal = field_name in g
    finally:
        if token is not None:
            setattr(g, field_name, token)
    if not personal:
        cache.set(cache_key, value, timeout=current_app.config.get("PAGE_CACHE_SECONDS", 300))
    return value


def shared_include(template: str, key: tuple, **context) -> Markup:
    """In a template: `template` rendered with `context`, kept as `shared_fragment` keeps
    it (`key` names what it depends on besides the language and the data)."""

    return kept_html(
        shared_fragment(f"include:{template}", key, lambda: render_template(template, **context))
    )


def kept_html(html: str) -> Markup:
    """A kept part, rendered by our templates (so already escaped), as markup for a page,
    with the viewer's own CSRF token in place of the placeholder."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return Markup(html)  # noqa: S704 - the output of render_template, escaped there


def generation() -> int:
    """The number every committed write raises, read once per request: a page's kept parts
    are all looked up under the same one (and a write the request commits drops the
    reading, see `invalidate`)."""
    if not has_request_context():
        return _current_generation()
    if "page_cache_generation" not in g:
        g.page_cache_generation = _current_generation()
    return g.page_cache_generation


def watch() -> GenerationWatch | None:
    """The app's process-local view of the generation (with Redis), else None."""
    return current_app.extensions.get(WATCH)


def _current_generation() -> int:
    seen = watch()
    number = seen.current() if seen is not None else None
    return number if number is not None else cache.get(GENERATION) or 0


def invalidate() -> None:
    """Every kept page is stale from now on."""
    if has_request_context():
        g.pop("page_cache_generation", None)
    seen = watch()
    if seen is not None:
        seen.raise_generation()
    elif cache.get(GENERATION) is None:
        cache.set(GENERATION, 1, timeout=0)
    else:
        cache.cache.inc(GENERATION)


def _watch_for(app: Flask) -> GenerationWatch | None:
    """A watch over the generation where the cache is a Redis server that one client
    talks to (not a cluster, not the in-process cache)."""
    backend = app.extensions["cache"][cache]
    client = getattr(backend, "_write_client", None)
    if not isinstance(backend, CachelibRedisCache) or type(client) is not redis.Redis:
        return None
    key = backend._get_prefix() + GENERATION
    return GenerationWatch(client, key, channel=key)


def init_app(app: Flask) -> None:
    app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 300)
    cache.init_app(app)
    app.extensions[WATCH] = _watch_for(app)
    if app.config["CACHE_TYPE"] == "SimpleCache" and app.config.get("WEB_CONCURRENCY", 1) > 1:
        app.logger.warning(
            "CACHE_TYPE=SimpleCache with WEB_CONCURRENCY > 1: each web process keeps its own "
            "pages, so a change made through one shows in the others only after "
            "PAGE_CACHE_SECONDS. Set CACHE_TYPE=RedisCache and CACHE_REDIS_URL."
        )
    app.jinja_env.globals["shared_include"] = shared_include
    app.before_request(_serve_kept)
    app.after_request(_keep)
    if not event.contains(Engine, "before_cursor_execute", _note_write):
        event.listen(Engine, "before_cursor_execute", _note_write)
        event.listen(Engine, "commit", _after_commit)
        event.listen(Engine, "rollback", _after_rollback)
