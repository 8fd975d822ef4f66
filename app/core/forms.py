"""Form pieces shared by every domain."""

from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from wtforms.validators import Email


class EmailAddress(Email):
    """An e-mail address that every mail server can deliver to: an ASCII local part
    (internationalised domains are fine). WTForms translates its own message."""

    def __init__(self, message=None):
        super().__init__(message=message, allow_smtputf8=False)


class CSRFWithoutId(_FlaskFormCSRF):
    """Flask-WTF's CSRF field, rendered without an id: a page with several forms would
    otherwise repeat id="csrf_token" (invalid HTML). Nothing refers to that id."""

    def setup_form(self, form):
        return [
            (name, unbound.field_class(*unbound.args, render_kw={"id": False}, **unbound.kwargs))
            for name, unbound in super().setup_form(form)
        ]


def init_app(_app) -> None:
    # Every FlaskForm gets it (the shared base form can name it in its Meta instead).
    FlaskForm.Meta.csrf_class = CSRFWithoutId
