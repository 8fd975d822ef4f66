"""One date style per language, a 24-hour clock and no seconds: in the helpers, on a page,
in a mail and in a PDF."""

import io
import re
from datetime import UTC, date, datetime, time

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from app.core.dates import format_clock, format_day, format_when
from app.extensions import db
from tests.factories import make_group, make_meeting

WHEN = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Berlin (winter time)
SUMMER = datetime(2027, 7, 1, 16, 0, tzinfo=UTC)  # 18:00 in Berlin (summer time)
EXPECTED = {
    "nl": ("10 maart 2027, 10:00", "woensdag 10 maart 2027, 10:00", "1 juli 2027, 18:00"),
    "de": ("10. März 2027, 10:00", "Mittwoch, 10. März 2027, 10:00", "1. Juli 2027, 18:00"),
    "en": ("10 March 2027, 10:00", "Wednesday 10 March 2027, 10:00", "1 July 2027, 18:00"),
}
SECONDS = re.compile(r"\d:\d\d:\d\d")


@pytest.mark.parametrize("lang", ["nl", "de", "en"])
def test_each_language_has_its_style(lang):
    plain, with_weekday, summer = EXPECTED[lang]
    with force_locale(lang):
        assert format_when(WHEN) == plain
        assert format_when(WHEN, weekday=True) == with_weekday
        assert format_when(SUMMER) == summer
        assert format_day(date(2027, 3, 10)) == plain.split(",")[0]
        assert format_clock(time(14, 5)) == "14:05"
        assert format_when(None) == ""


@pytest.mark.parametrize("lang", ["nl", "de", "en"])
def test_a_meeting_page_shows_the_style_and_no_seconds(admin_client, lang):
    meeting = make_meeting(make_group(), start=WHEN, hours=2)
    db.session.commit()
    html = admin_client.get(f"/meetings/{meeting.id}?lang={lang}").get_data(as_text=True)
    main = html.split("<main", 1)[1]
    assert EXPECTED[lang][0].split(",")[0] in main
    assert "10:00" in main and "12:00" in main
    assert not SECONDS.search(main)
    assert "AM" not in main and "PM" not in main


@pytest.mark.parametrize(
    ("lang", "period"),
    [
        ("nl", "1 januari 2025 tot en met 31 december 2025"),
        ("de", "1. Januar 2025 bis 31. Dezember 2025"),
        ("en", "1 January 2025 to 31 December 2025"),
    ],
)
def test_the_handbook_pdf_uses_the_style(admin_client, lang, period):
    response = admin_client.get(f"/reports/handbook.pdf?from=2025-01-01&to=2025-12-31&lang={lang}")
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert period in " ".join(text.split())


@pytest.mark.parametrize(
    ("lang", "unity", "kings"),
    [
        ("nl", "Dag van de Duitse Eenheid", "Koningsdag"),
        ("de", "Tag der Deutschen Einheit", "Königstag"),
        ("en", "German Unity Day", "King's Day"),
    ],
)
def test_holiday_names_are_in_the_readers_language(lang, unity, kings):
    from app.meetings.services import public_holidays

    assert [(c, n) for _d, c, n in public_holidays(date(2030, 10, 3), lang=lang)] == [("DE", unity)]
    assert [(c, n) for _d, c, n in public_holidays(date(2030, 4, 27), lang=lang)] == [("NL", kings)]


@pytest.mark.parametrize("lang", ["nl", "de", "en"])
def test_the_written_out_styles_are_babels_patterns(lang):
    """format_day and format_clock write the patterns out themselves: they give what
    babel gives for DAY_PATTERNS, WEEKDAY_PATTERNS and CLOCK_PATTERN, any day of any year."""
    from datetime import timedelta

    from babel.dates import format_date, format_time

    from app.core.dates import CLOCK_PATTERN, DAY_PATTERNS, WEEKDAY_PATTERNS

    days = [date(2026, 12, 20) + timedelta(days=n) for n in range(400)]
    days += [date(1, 1, 1), date(999, 2, 28), date(2000, 2, 29), date(9999, 12, 31)]
    for day in days:
        assert format_day(day, lang) == format_date(day, DAY_PATTERNS[lang], locale=lang)
        assert format_day(day, lang, weekday=True) == format_date(
            day, WEEKDAY_PATTERNS[lang], locale=lang
        )
    for minute in range(0, 24 * 60, 7):
        moment = time(minute // 60, minute % 60, 59)
        assert format_clock(moment, lang) == format_time(moment, CLOCK_PATTERN, locale=lang)
