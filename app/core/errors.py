"""Domain errors and the translated error pages."""

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
}


def render_error(code: int, detail: str | None = None):
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

    @app.errorhandler(500)
    def server_error(error):
        return render_error(500)
