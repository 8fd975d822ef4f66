"""Dates and times as people read them, in one style per language and a 24-hour clock
without seconds, in the platform's time zone (Europe/Berlin):

    nl  10 maart 2027, 10:00
    de  10. März 2027, 10:00
    en  10 March 2027, 10:00   (day before month, as in British English)

Templates use the filters `day`, `when` and `clock`; mails and PDFs call the functions
inside `force_locale(recipient.locale)`."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Flask
from flask_babel import get_locale, get_timezone

DAY_PATTERNS = {"nl": "d MMMM y", "de": "d. MMMM y", "en": "d MMMM y"}
# With the day of the week: `woensdag 10 maart 2027`, `Mittwoch, 10. März 2027`.
WEEKDAY_PATTERNS = {"nl": "EEEE d MMMM y", "de": "EEEE, d. MMMM y", "en": "EEEE d MMMM y"}
CLOCK_PATTERN = "HH:mm"
# The platform's one time zone (Europe/Berlin = Europe/Amsterdam), for code outside a request.
LOCAL_ZONE = ZoneInfo("Europe/Berlin")


def _lang(lang: str | None) -> str:
    code = lang or str(get_locale() or "en")
    code = code.split("_")[0]
    return code if code in DAY_PATTERNS else "en"


def _local(value: datetime) -> datetime:
    """Aware values move to local time; naive ones are taken as local time already
    (a visit's programme is written as wall-clock times)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(get_timezone())


def format_day(
    value: date | datetime | None, lang: str | None = None, *, weekday: bool = False
) -> str:
    """`10 maart 2027` (with `weekday`: `woensdag 10 maart 2027`); a datetime is first
    moved to local time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    code = _lang(lang)
    patterns = WEEKDAY_PATTERNS if weekday else DAY_PATTERNS
    return format_date(value, patterns[code], locale=code)


def format_clock(value: datetime | time | None, lang: str | None = None) -> str:
    """`10:00` (24-hour clock, no seconds)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return format_time(value, CLOCK_PATTERN, locale=_lang(lang))


def format_when(value: datetime | None, lang: str | None = None, *, weekday: bool = False) -> str:
    """`10 maart 2027, 10:00` in local time (with `weekday`: `woensdag 10 maart 2027, 10:00`)."""
    if value is None:
        return ""
    return f"{format_day(value, lang, weekday=weekday)}, {format_clock(value, lang)}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(day=format_day, when=format_when, clock=format_clock)


def format_moment(moment: datetime, locale=None) -> str:
    """`woensdag 10 maart 2027, 10:00`: a moment with its day of the week (mails)."""
    return format_when(moment, str(locale) if locale else None, weekday=True)


def format_time_range(start: datetime, end: datetime, locale=None) -> str:
    """`woensdag 10 maart 2027, 10:00–15:30`; across days
    `woensdag 10 maart 2027, 10:00 – donderdag 11 maart 2027, 15:30`."""
    lang = str(locale) if locale else None
    if _local(start).date() == _local(end).date():
        return f"{format_moment(start, lang)}–{format_clock(end, lang)}"
    return f"{format_moment(start, lang)} – {format_moment(end, lang)}"
