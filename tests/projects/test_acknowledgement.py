"""The current project's funding acknowledgement on what the public sees: the handbook PDF
and the newsletter's mails (raw bytes read back with the standard parser)."""

import io
from datetime import date
from email import message_from_bytes, policy

from pypdf import PdfReader

from app.extensions import db
from app.newsletter.models import Subscriber, SubscriberStatus
from app.newsletter.services import Reader, edition_message
from tests.factories import make_edition

from .helpers import ACKNOWLEDGEMENT_DE, ACKNOWLEDGEMENT_NL, make_project


def squeeze(text: str) -> str:
    return " ".join(text.split())


def test_the_handbook_pdf_ends_with_the_acknowledgement(admin_client):
    make_project(starts_on=date(2020, 1, 1), ends_on=date(2099, 12, 31))
    db.session.commit()
    response = admin_client.get("/reports/handbook.pdf?from=2025-01-01&to=2025-12-31&lang=de")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    text = squeeze(" ".join(page.extract_text() for page in reader.pages))
    assert squeeze(ACKNOWLEDGEMENT_DE) in text


def test_newsletter_mails_carry_the_acknowledgement_in_the_readers_language(app):
    make_project(starts_on=date(2020, 1, 1), ends_on=date(2099, 12, 31))
    edition = make_edition(quarter="2031 Q1")
    subscriber = Subscriber(
        email="lezer@example.nl", language="nl", status=SubscriberStatus.confirmed
    )
    db.session.add(subscriber)
    db.session.commit()
    with app.test_request_context():
        raw = edition_message(edition, Reader.of(subscriber)).as_bytes()
    message = message_from_bytes(raw, policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert squeeze(ACKNOWLEDGEMENT_NL) in squeeze(text)
    assert squeeze(ACKNOWLEDGEMENT_NL) in squeeze(html)


def test_the_handbook_pdf_carries_the_emblem_inline(app):
    import base64
    from datetime import UTC, datetime

    from app.reports.handbook import render_handbook
    from app.reports.services import Period

    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 5"><rect width="10" height="5"/></svg>'
    make_project(
        starts_on=date(2020, 1, 1),
        ends_on=date(2099, 12, 31),
        emblem_svg=svg,
        emblem_updated_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    db.session.commit()
    with app.test_request_context():
        html = render_handbook(
            Period(date(2025, 1, 1), date(2025, 12, 31)), None, "de", for_pdf=True
        )
    inline = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    assert inline in html
    assert squeeze(ACKNOWLEDGEMENT_DE) in squeeze(html)
