"""Form pieces shared by every domain, and the input boundary every form passes.

Every form subclasses `BaseForm` (or `BaseSubForm` for the rows of a FieldList), whose
`Meta.bind_field` puts the same checks in front of each field's own validators:

- no NUL or other control characters (a text area keeps its line breaks and tabs);
- no line breaks in a single-line field (its value may end up in a mail header);
- a length bound on text, a range on numbers that fits a database integer;
- dates between 2000 and 2100.

A value that fails answers with a translated message on the field and a 4xx from the
view, before anything is written. `tests/core/test_boundary.py` fails when a form in
`app` does not subclass one of the two bases.
"""

import functools
import math
import re
from datetime import date, datetime

from babel import support
from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from flask_wtf.i18n import translations as flask_wtf_translations
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice
from wtforms.fields import (
    DateField,
    DateTimeField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.validators import Email, Length, ValidationError

from ..config import LANGUAGES

MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_SINGLE_LINE = 2000
MAX_MULTI_LINE = 100_000
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
# C0 and C1 control characters (NUL among them), line and paragraph separators and lone
# surrogates; a text area keeps tab, line feed and carriage return.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
CONTROL_IN_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# Characters that break a line somewhere: in a mail header, a CSV cell, a log line.
LINE_BREAK = re.compile("[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")

# WTForms' own catalogues lack these (newer) messages; ours translates them.
OWN_MESSAGES = {
    "Not a valid date value.": _l("Not a valid date value."),
    "Not a valid time value.": _l("Not a valid time value."),
    "Not a valid datetime value.": _l("Not a valid datetime value."),
}


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


def has_control_characters(text: str, multi_line: bool = False) -> bool:
    """NUL, other control characters and line separators (tab and line breaks are fine
    where several lines are allowed)."""
    return bool((CONTROL_IN_LINES if multi_line else CONTROL).search(text))


def plain_text(multi_line: bool = False):
    """The boundary's text check on what was sent (before any filter could hide it)."""

    def check(form, field) -> None:
        values = [v for v in field.raw_data or [] if isinstance(v, str)]
        if not any(has_control_characters(v, multi_line) for v in values):
            return
        if not multi_line and any(LINE_BREAK.search(v) for v in values):
            raise ValidationError(_l("Please enter this on a single line."))
        raise ValidationError(_l("Please remove the control characters from this field."))

    return check


def _integers(data) -> list[int]:
    items = data if isinstance(data, list | tuple) else [data]
    return [v for v in items if isinstance(v, int) and not isinstance(v, bool)]


def database_integer(form, field) -> None:
    """A number the database can store (also a choice coerced to int, e.g. an id)."""
    numbers = _integers(field.data)
    if any(not DB_INT_MIN <= n <= DB_INT_MAX for n in numbers):
        raise ValidationError(
            _l("Enter a number between %(min)s and %(max)s.", min=DB_INT_MIN, max=DB_INT_MAX)
        )
    if isinstance(field.data, float) and not math.isfinite(field.data):
        raise ValidationError(_l("Enter a number."))


def plausible_date(form, field) -> None:
    value = field.data
    if isinstance(value, datetime | date) and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(
            _l("Enter a date between %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR)
        )


def _has_length_bound(field) -> bool:
    return any(isinstance(v, Length) and v.max not in (None, -1) for v in field.validators)


def boundary_validators(field) -> list:
    """The checks every bound field gets in front of its own (numbers of any field type,
    text by single or multiple lines, dates)."""
    checks = [database_integer]
    if isinstance(field, TextAreaField) or getattr(type(field), "multi_line", False):
        checks.append(plain_text(multi_line=True))
        if not _has_length_bound(field):
            checks.append(Length(max=MAX_MULTI_LINE))
    elif isinstance(field, StringField):
        checks.append(plain_text())
        if not _has_length_bound(field):
            checks.append(Length(max=MAX_SINGLE_LINE))
    elif isinstance(field, DateField | DateTimeField):  # TimeField's data is a time: skipped
        checks.append(plausible_date)
    return checks


class MultiLineHiddenField(HiddenField):
    """A hidden field that carries several lines (e.g. an upload between two steps)."""

    multi_line = True


class _Translations:
    """WTForms' own messages, with the few its catalogues lack taken from ours."""

    def __init__(self, fallback):
        self.fallback = fallback

    def gettext(self, string):
        own = OWN_MESSAGES.get(string)
        return str(own) if own is not None else self.fallback.gettext(string)

    def ngettext(self, singular, plural, n):
        return self.fallback.ngettext(singular, plural, n)


class BoundaryMeta:
    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        field.validators = [*boundary_validators(field), *field.validators]
        return field

    def get_translations(self, form):
        given = super().get_translations(form)
        if given is flask_wtf_translations:  # WTF_I18N_ENABLED: the request's language
            given = _wtforms_catalogue(str(get_locale()))
        return _Translations(given)


@functools.cache
def _wtforms_catalogue(locale: str) -> support.NullTranslations:
    """WTForms' catalogue for `locale`, read once per process (Flask-WTF reads the file
    again for every request that makes a form)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class BaseForm(FlaskForm):
    """Every form of the application (CSRF from Flask-WTF, the boundary from here)."""

    class Meta(BoundaryMeta, FlaskForm.Meta):
        csrf_class = CSRFWithoutId


class BaseSubForm(Form):
    """A row inside a FieldList/FormField: the same boundary, no CSRF of its own."""

    class Meta(BoundaryMeta, Form.Meta):
        pass


def search_args() -> MultiDict:
    """The query string as a search form's data: without `?lang=`, which only switches
    the language of the page (the language links add it to any address)."""
    args = MultiDict(request.args)
    args.poplist("lang")
    return args


class GetForm(BaseForm):
    """A search form sent with GET: its values live in the URL, so a search can be shared."""

    class Meta:
        csrf = False


class LanguageForm(BaseForm):
    """The language switcher in the page header: a button per language."""

    lang = SelectField(choices=[SelectChoice(code, code) for code in LANGUAGES])
    next = HiddenField()
