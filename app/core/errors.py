"""Domain errors and the translated error pages.

The 5xx pages must never fail themselves: they render without touching the database (no
`current_user`, whose lookup is a query, and a rolled-back session), so a broken
transaction or a database outage still gets the branded page. An outage (the server
gone, a refused or dropped connection) is a 503 with Retry-After, signed in or not.
"""

import logging

import sqlalchemy as sa
from flask import Flask, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


class DomainError(Exception):
    """A rule of the domain was broken; the message is shown to the user, translated."""

    status_code = 409
    message = _l("This action is not allowed.")

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please check what you entered and try again."),
    ),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or has been moved.")),
    405: (_l("Method not allowed"), _l("This page cannot be used in this way.")),
    413: (_l("File too large"), _l("The uploaded file is larger than the allowed maximum.")),
    429: (
        _l("Too many attempts"),
        _l("You have tried this too often. Please wait a minute and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. It has been logged; please try again later."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The platform cannot reach its database right now. Please try again in a minute."),
    ),
}


def is_database_outage(error: BaseException) -> bool:
    """The database cannot be reached (as opposed to a statement it refused)."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError)


def _forget_transaction() -> None:
    """The session may hold a failed transaction or a dead connection; the error page
    must not trip over it."""
    from ..extensions import db

    try:
        db.session.rollback()
    except Exception:  # a dead connection may fail to roll back; the page comes first
        log.warning("rollback after a server error failed", exc_info=True)


def render_server_error(code: int):
    """A branded 5xx page that reads nothing from the database: the layout is rendered
    for an anonymous visitor and the language is not looked up in the profile."""
    g.database_free = True
    _forget_transaction()
    title, text = ERROR_TEXTS[code]
    if request.accept_mimetypes.best == "application/json":
        response = current_app.response_class(
            current_app.json.dumps({"error": str(title), "detail": str(text)}),
            status=code,
            mimetype="application/json",
        )
    else:
        # The template straight from the environment: context processors (Flask-Login's
        # loads the user) are skipped, Flask's globals (request, config, url_for) remain.
        template = current_app.jinja_env.get_template("errors/error.html")
        html = template.render(
            code=code,
            title=title,
            text=text,
            detail=None,
            current_user=current_app.login_manager.anonymous_user(),
        )
        response = current_app.response_class(html, status=code, mimetype="text/html")
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def render_error(code: int, detail: str | None = None):
    if code >= 500:
        return render_server_error(503 if code == 503 else 500)
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500] if code >= 500 else ERROR_TEXTS[400])
    wants_json = request.accept_mimetypes.best == "application/json"
    if wants_json:
        return {"error": str(title), "detail": detail or str(text)}, code
    return render_template(
        "errors/error.html", code=code, title=title, text=text, detail=detail
    ), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from flask_babel import gettext as _

        return render_error(
            400,
            _(
                "The form has expired or was not sent from this site. Please reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return render_error(error.status_code, str(error.message))

    @app.errorhandler(sa.exc.DBAPIError)
    @app.errorhandler(sa.exc.TimeoutError)
    def database_unavailable(error: sa.exc.SQLAlchemyError):
        if not is_database_outage(error):
            raise error  # a bug, not an outage: the 500 handler (or the test) sees it
        log.error("database unavailable: %s", error)
        return render_server_error(503)

    @app.errorhandler(500)
    def server_error(error):
        return render_server_error(500)
