"""Dates and times as people read them, in one style per language and a 24-hour clock
without seconds, in the platform's time zone (Europe/Berlin):

    nl  10 maart 2027, 10:00
    de  10. März 2027, 10:00
    en  10 March 2027, 10:00   (day before month, as in British English)

Templates use the filters `day`, `when` and `clock`; mails and PDFs call the functions
inside `force_locale(recipient.locale)`."""

from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Flask
from flask_babel import get_locale, get_timezone

# The styles in Unicode (CLDR) patterns, as babel's format_date would take them; written
# out below with the locale's month and day names (a list page formats dozens of dates,
# and babel parses and applies the pattern anew each time).
DAY_PATTERNS = {"nl": "d MMMM y", "de": "d. MMMM y", "en": "d MMMM y"}
# With the day of the week: `woensdag 10 maart 2027`, `Mittwoch, 10. März 2027`.
WEEKDAY_PATTERNS = {"nl": "EEEE d MMMM y", "de": "EEEE, d. MMMM y", "en": "EEEE d MMMM y"}
CLOCK_PATTERN = "HH:mm"
_DAY_FORMATS = {"nl": "{d} {month} {y}", "de": "{d}. {month} {y}", "en": "{d} {month} {y}"}
_WEEKDAY_FORMATS = {
    "nl": "{weekday} {d} {month} {y}",
    "de": "{weekday}, {d}. {month} {y}",
    "en": "{weekday} {d} {month} {y}",
}
# The platform's one time zone (Europe/Berlin = Europe/Amsterdam), for code outside a request.
LOCAL_ZONE = ZoneInfo("Europe/Berlin")


@cache
def _names(code: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The locale's month names (January first) and day names (Monday first), as the
    patterns' MMMM and EEEE write them."""
    locale = Locale.parse(code)
    months = tuple(locale.months["format"]["wide"][month] for month in range(1, 13))
    days = tuple(locale.days["format"]["wide"][day] for day in range(7))
    return months, days


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


def _day_text(day: date, code: str, weekday: bool) -> str:
    months, days = _names(code)
    formats = _WEEKDAY_FORMATS if weekday else _DAY_FORMATS
    return formats[code].format(
        d=day.day, month=months[day.month - 1], y=day.year, weekday=days[day.weekday()]
    )


def _clock_text(value: datetime | time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _moment_text(local: datetime, code: str, weekday: bool) -> str:
    """`[weekday] day, clock` of a moment already in local time."""
    return f"{_day_text(local.date(), code, weekday)}, {_clock_text(local)}"


def format_day(
    value: date | datetime | None, lang: str | None = None, *, weekday: bool = False
) -> str:
    """`10 maart 2027` (with `weekday`: `woensdag 10 maart 2027`); a datetime is first
    moved to local time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return _day_text(value, _lang(lang), weekday)


def format_clock(value: datetime | time | None, lang: str | None = None) -> str:
    """`10:00` (24-hour clock, no seconds; the same in every language)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return _clock_text(value)


def format_when(value: datetime | None, lang: str | None = None, *, weekday: bool = False) -> str:
    """`10 maart 2027, 10:00` in local time (with `weekday`: `woensdag 10 maart 2027, 10:00`)."""
    if value is None:
        return ""
    return _moment_text(_local(value), _lang(lang), weekday)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(day=format_day, when=format_when, clock=format_clock)


def format_moment(moment: datetime, locale=None) -> str:
    """`woensdag 10 maart 2027, 10:00`: a moment with its day of the week (mails)."""
    return format_when(moment, str(locale) if locale else None, weekday=True)


def format_time_range(start: datetime, end: datetime, locale=None) -> str:
    """`woensdag 10 maart 2027, 10:00–15:30`; across days
    `woensdag 10 maart 2027, 10:00 – donderdag 11 maart 2027, 15:30`."""
    code = _lang(str(locale) if locale else None)
    first, last = _local(start), _local(end)
    opening = _moment_text(first, code, True)
    if first.date() == last.date():
        return f"{opening}–{_clock_text(last)}"
    return f"{opening} – {_moment_text(last, code, True)}"
