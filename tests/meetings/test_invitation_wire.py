"""Invitation mails as people and programs read them: one "When" format per language
(no seconds, 24-hour clock), CRLF in the calendar part, and the pages behind the mail's
links in the recipient's stored language."""

import re
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage
from app.meetings.models import Invitation
from app.meetings.services import make_rsvp_token, queue_invitation_mail
from tests.factories import make_meeting, make_subscriber, make_user

START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Enschede and Münster


# Mostly non-Latin text (a welcome in Arabic and Turkish for the migrant organisations):
# the calendar part is then base64-encoded, where bare LF line ends used to show.
WELCOME = "مرحبا بكم في ورشة العمل. Hoş geldiniz, çalıştayımıza. " * 8


def _invitation_mail(locale: str):
    person = make_user(email=f"lid-{locale}@example.org", locale=locale)
    make_meeting(
        start=START,
        hours=5.5,
        invitees=[person],
        **{f"description_{locale}": WELCOME},
    )
    queue_invitation_mail(db.session.scalar(sa.select(Invitation)))
    raw = db.session.scalars(
        sa.select(OutboxMessage.raw).where(OutboxMessage.recipient == person.email)
    ).one()
    return BytesParser(policy=policy.default).parsebytes(raw)


@pytest.mark.parametrize(
    ("locale", "when"),
    [
        ("nl", "woensdag 10 maart 2027, 10:00–15:30"),
        ("de", "Mittwoch, 10. März 2027, 10:00–15:30"),
        ("en", "Wednesday 10 March 2027, 10:00–15:30"),  # British order, 24 hours
    ],
)
def test_the_when_line_is_one_format_per_language_without_seconds(locale, when):
    msg = _invitation_mail(locale)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert when in text and when in html
    assert not re.search(r"\d\d:\d\d:\d\d", text)
    # a 12-hour clock (not "AM"/"PM" anywhere: the signed links are random letters)
    assert not re.search(r"\d\s?[AaPp]\.?[Mm]\b", text)


def test_the_calendar_part_has_crlf_line_ends():
    msg = _invitation_mail("nl")
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    assert part["Content-Transfer-Encoding"] == "base64"
    content = part.get_payload(decode=True)
    assert content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert content.count(b"\n") == content.count(b"\r\n")


def test_the_answer_page_speaks_the_invitees_language_unless_they_switch(client):
    person = make_user(email="anna@example.de", locale="de")
    make_meeting(start=datetime(2030, 6, 3, 8, 0, tzinfo=UTC), invitees=[person])
    token = make_rsvp_token(db.session.scalar(sa.select(Invitation)))
    db.session.commit()

    german = client.get(f"/meetings/rsvp/{token}?answer=accepted")  # the browser asks for en
    assert german.status_code == 200
    assert '<html lang="de"' in german.get_data(as_text=True)
    english = client.get(f"/meetings/rsvp/{token}?answer=accepted&lang=en")
    assert '<html lang="en"' in english.get_data(as_text=True)
    again = client.get(f"/meetings/rsvp/{token}")  # the switch is remembered
    assert '<html lang="en"' in again.get_data(as_text=True)


def test_the_unsubscribe_page_speaks_the_subscribers_language(client):
    subscriber = make_subscriber(email="leser@example.de", language="de")
    db.session.commit()
    page = client.get(f"/newsletter/unsubscribe/{subscriber.token}")
    assert '<html lang="de"' in page.get_data(as_text=True)
    done = client.post(f"/newsletter/unsubscribe/{subscriber.token}")
    assert '<html lang="de"' in done.get_data(as_text=True)
