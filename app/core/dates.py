"""One way to write when something happens, in every language: the local date as a person
writes it and 24-hour times without seconds, in Europe/Berlin.

    nl  woensdag 10 maart 2027, 10:00–15:30
    de  Mittwoch, 10. März 2027, 10:00–15:30
    en  Wednesday, March 10, 2027, 10:00–15:30

Across days: "woensdag 10 maart 2027, 10:00 – donderdag 11 maart 2027, 15:30"."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale

LOCAL_ZONE = ZoneInfo("Europe/Berlin")


def _locale(locale) -> str:
    return str(locale or get_locale() or "nl")


def format_moment(moment: datetime, locale=None) -> str:
    local = moment.astimezone(LOCAL_ZONE)
    return f"{format_date(local.date(), 'full', locale=_locale(locale))}, {local:%H:%M}"


def format_time_range(start: datetime, end: datetime, locale=None) -> str:
    first, last = start.astimezone(LOCAL_ZONE), end.astimezone(LOCAL_ZONE)
    if first.date() == last.date():
        return f"{format_date(first.date(), 'full', locale=_locale(locale))}, {first:%H:%M}–{last:%H:%M}"
    return f"{format_moment(first, locale)} – {format_moment(last, locale)}"
