"""Login protection per account and per IP address, kept in the rate-limit storage
(RATELIMIT_STORAGE_URI) so every web process sees the same counts.

Each wrong password (or wrong second-factor code) counts against the account and against
the address it came from, in a window of LOGIN_FAILURE_WINDOW. Beyond the free failures,
each further failure holds that account (or address) for a delay that doubles, up to
LOGIN_DELAY_MAX. While held, sign-in attempts are refused without checking the password.
Nothing is permanent: holds and counts expire by themselves, and a password-reset link
always signs the owner in."""

import hashlib
import math
import time

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..core.errors import DomainError
from ..extensions import limiter


class LoginHeld(DomainError):
    status_code = 429
    message = _l("Too many failed attempts. Please wait a little and try again.")

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(
            ngettext(
                "Too many failed sign-in attempts. Please try again in %(num)s second.",
                "Too many failed sign-in attempts. Please try again in %(num)s seconds.",
                seconds,
            )
        )


class StorageNotShared(RuntimeError):
    pass


def _key(kind: str, value: str, part: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    return f"{prefix}/netwerkbrug-login/{kind}/{digest}/{part}"


def _subjects(email: str, address: str | None) -> list[tuple[str, str, int]]:
    config = current_app.config
    subjects = [("account", email, config["LOGIN_FREE_FAILURES_PER_ACCOUNT"])]
    if address:
        subjects.append(("address", address, config["LOGIN_FREE_FAILURES_PER_ADDRESS"]))
    return subjects


def check_not_held(email: str, address: str | None) -> None:
    """Raises LoginHeld while the account or the address is held after failures."""
    storage = limiter.storage
    for kind, value, _free in _subjects(email, address):
        hold = _key(kind, value, "hold")
        if storage.get(hold) > 0:
            seconds = max(1, math.ceil(storage.get_expiry(hold) - time.time()))
            raise LoginHeld(seconds)


def delay_after(failures: int, free: int) -> int:
    """Seconds to hold after the given number of failures: none within the free ones, then
    LOGIN_DELAY_BASE, doubling with each further failure, at most LOGIN_DELAY_MAX."""
    if failures <= free:
        return 0
    config = current_app.config
    base = int(config["LOGIN_DELAY_BASE"].total_seconds())
    ceiling = int(config["LOGIN_DELAY_MAX"].total_seconds())
    return min(ceiling, base * 2 ** min(failures - free - 1, 20))


def record_failure(email: str, address: str | None) -> int:
    """Counts a failure against the account and the address; returns the account's count."""
    storage = limiter.storage
    window = int(current_app.config["LOGIN_FAILURE_WINDOW"].total_seconds())
    account_failures = 0
    for kind, value, free in _subjects(email, address):
        failures = storage.incr(_key(kind, value, "failures"), window)
        if kind == "account":
            account_failures = failures
        delay = delay_after(failures, free)
        if delay:
            storage.incr(_key(kind, value, "hold"), delay)
    return account_failures


def forget_failures(email: str) -> None:
    """After a successful sign-in the account starts afresh (the address does not)."""
    storage = limiter.storage
    storage.clear(_key("account", email, "failures"))
    storage.clear(_key("account", email, "hold"))


def check_storage_is_shared(app: Flask) -> None:
    """Per-process memory would let each web process count on its own: refuse to start
    when the deployment looks like production and the counts are not in Redis."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if not uri.startswith("memory://"):
        return
    workers = app.config.get("WEB_CONCURRENCY") or 1
    if app.config.get("SESSION_COOKIE_SECURE") or workers > 1:
        raise StorageNotShared(
            "RATELIMIT_STORAGE_URI must name a shared store such as redis://host:6379/0 when "
            "SESSION_COOKIE_SECURE=true or WEB_CONCURRENCY is above 1: login protection kept "
            "in per-process memory would let every web process count failed sign-ins on its "
            f"own (now RATELIMIT_STORAGE_URI={uri!r}, WEB_CONCURRENCY={workers})."
        )
