"""The request's side of the input boundary: the path and every query-string value.

Forms check their own fields (core.forms.BaseForm); query parameters that are not a form
(`?q=` on the subscriber list, `?month=`, `?next=`) and the path pass here first, before any
view or the language switch reads them. NUL and other control characters, line breaks and
overlong values never reach a query or a header.
"""

from flask import Flask, abort, request
from flask_babel import gettext as _

from .errors import render_error
from .forms import has_control_characters

MAX_QUERY_VALUE = 2000
MAX_QUERY_ITEMS = 100


def check_request():
    """Returns the 400 page when a query value is unusable; None lets the request pass."""
    if has_control_characters(request.path):
        abort(404)
    for count, (key, value) in enumerate(request.args.items(multi=True), start=1):
        if count > MAX_QUERY_ITEMS:
            return render_error(400, _("The address has too many parameters."))
        if has_control_characters(key) or has_control_characters(value):
            return render_error(400, _("The address contains characters that are not allowed."))
        if len(value) > MAX_QUERY_VALUE:
            return render_error(
                400,
                _("A value in the address is longer than %(max)s characters.", max=MAX_QUERY_VALUE),
            )
    return None


def init_app(app: Flask) -> None:
    # First of all before_request functions: the language switch reads ?lang=.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
