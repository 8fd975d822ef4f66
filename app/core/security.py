"""Deny by default: every endpoint needs a signed-in, active user unless it is marked
@public; admin pages add @admin_required. Security headers on every response."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, request
from flask_login import current_user

PUBLIC_ENDPOINTS = {"static", "bootstrap.static"}

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def public(view: Callable) -> Callable:
    """Marks a view as reachable without signing in."""
    view.is_public = True
    return view


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def is_public_endpoint(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return True
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


def _require_login():
    if is_public_endpoint(current_app, request.endpoint):
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    )
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_require_login)
    app.after_request(_security_headers)
