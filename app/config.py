"""Settings, read from the environment. Every one has a default that works for `make run`."""

import os
from datetime import timedelta
from pathlib import Path

LANGUAGES = ("nl", "de", "en")


def database_url(url: str | None, instance_path: str) -> str:
    """Normalise DATABASE_URL so `postgres://…` and `postgresql://…` use psycopg 3."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "netwerkbrug.db")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    env = os.environ.get
    return {
        "SECRET_KEY": env("SECRET_KEY") or "dev-only-not-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(env("DATABASE_URL"), instance_path),
        "SMTP_HOST": env("SMTP_HOST") or None,
        "SMTP_PORT": int(env("SMTP_PORT") or 0) or None,
        "SMTP_USERNAME": env("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env("SMTP_PASSWORD") or None,
        "SMTP_SECURITY": (env("SMTP_SECURITY") or "none").lower(),
        "SMTP_TIMEOUT": float(env("SMTP_TIMEOUT") or 30),
        "MAIL_FROM": env("MAIL_FROM") or "Netwerkbrug <noreply@netwerkbrug.example.org>",
        "MAIL_OUTBOX_DIR": env("MAIL_OUTBOX_DIR") or str(Path(instance_path) / "outbox"),
        "BASE_URL": (env("BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI") or "memory://",
        "GROUP_DOCUMENTS_DIR": env("GROUP_DOCUMENTS_DIR")
        or str(Path(instance_path) / "group-documents"),
        "NEWSLETTER_UNSUBSCRIBE_MAILTO": env("NEWSLETTER_UNSUBSCRIBE_MAILTO") or None,
        # Inbound mail: the address calendar replies, bounces (VERP) and mailto unsubscribes
        # go to; read by `flask mail receive` (an MTA pipe) or polled over IMAP by the worker.
        "MAIL_INBOUND_ADDRESS": env("MAIL_INBOUND_ADDRESS") or None,
        "MAIL_RETRY_WINDOW_HOURS": float(env("MAIL_RETRY_WINDOW_HOURS") or 72),
        # Per worker: SMTP connections kept busy at once; at most this many messages a
        # second to the relay (0: no limit); at most this many messages handed to the
        # connections and not yet recorded, which is what a hard kill can send twice.
        "MAIL_CONNECTIONS": int(env("MAIL_CONNECTIONS") or 4),
        "MAIL_IN_HAND": int(env("MAIL_IN_HAND") or 20),
        "MAIL_RATE_LIMIT": float(env("MAIL_RATE_LIMIT") or 0),
        "IMAP_HOST": env("IMAP_HOST") or None,
        "IMAP_PORT": int(env("IMAP_PORT") or 0) or None,
        "IMAP_USER": env("IMAP_USER") or None,
        "IMAP_PASSWORD": env("IMAP_PASSWORD") or None,
        "IMAP_SECURITY": (env("IMAP_SECURITY") or "ssl").lower(),
        "IMAP_FOLDER": env("IMAP_FOLDER") or "INBOX",
        "IMAP_FOLDER_DONE": env("IMAP_FOLDER_DONE") or "Netwerkbrug/Processed",
        "IMAP_POLL_SECONDS": float(env("IMAP_POLL_SECONDS") or 60),
        "DKIM_DOMAIN": env("DKIM_DOMAIN") or None,
        "DKIM_SELECTOR": env("DKIM_SELECTOR") or None,
        "DKIM_PRIVATE_KEY_FILE": env("DKIM_PRIVATE_KEY_FILE") or None,
        # Whole anonymous pages (directory, front page): kept in this process by default,
        # in Redis with CACHE_TYPE=RedisCache and CACHE_REDIS_URL=redis://…
        "CACHE_TYPE": env("CACHE_TYPE") or "SimpleCache",
        "CACHE_REDIS_URL": env("CACHE_REDIS_URL") or None,
        "PAGE_CACHE_SECONDS": int(env("PAGE_CACHE_SECONDS") or 300),
        # A feed poll whose validators match those remembered under the cache's generation
        # gets its 304 without a query (only where the cache sees every web write).
        "FEED_REMEMBER_VALIDATORS": _bool("FEED_REMEMBER_VALIDATORS", default=True),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE"),
        # Staff (the project manager and group moderators) must use a second factor.
        "REQUIRE_2FA_FOR_STAFF": _bool("REQUIRE_2FA_FOR_STAFF"),
        # Reverse proxies in front that set X-Forwarded-For/-Proto (0: none, trust nothing).
        # Without it, limits per IP address would see only the proxy's address.
        "PROXY_COUNT": int(env("PROXY_COUNT") or 0),
        # gunicorn's own worker-count variable; above 1, login limits must be in Redis.
        "WEB_CONCURRENCY": int(env("WEB_CONCURRENCY") or 1),
    }


class Defaults:
    """Values that are not secrets and rarely change per deployment."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent.parent / "translations")
    LANGUAGES = LANGUAGES
    BOOTSTRAP_SERVE_LOCAL = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_PASSWORD_RESET = "5 per minute"  # noqa: S105 (a rate, not a secret)
    RATELIMIT_SUBSCRIBE = "5 per minute"
    GROUP_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    # Login protection (app.auth.throttle): free failures per account and per address
    # within the window, then holds that double from the base delay up to the maximum.
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_FREE_FAILURES_PER_ACCOUNT = 5
    LOGIN_FREE_FAILURES_PER_ADDRESS = 20
    LOGIN_DELAY_BASE = timedelta(seconds=30)
    LOGIN_DELAY_MAX = timedelta(minutes=15)
    LOGIN_NOTIFY_AFTER = 5  # failures that send the account owner a mail (once per window)
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (a method name, not a secret)
    PASSWORD_MIN_LENGTH = 10
    RESET_LINK_MAX_AGE = timedelta(hours=2)
    INVITATION_LINK_MAX_AGE = timedelta(days=14)
    MAIL_HEARTBEAT_SECONDS = 10  # how often a worker writes its heartbeat row
    MAIL_WORKER_SILENT_MINUTES = 3  # after this, the sending pages say no worker is alive
    NEWSLETTER_BOUNCE_THRESHOLD = 5.0  # Mailman's default: disabled at this bounce score
    INBOUND_RAW_DAYS = 30  # how long the raw text of an incoming message is kept
    MAIL_RETRY_BASE_SECONDS = 30
    MAIL_LEASE_SECONDS = 120
    MAIL_BATCH_SIZE = 50
    USERS_PER_PAGE = 25
