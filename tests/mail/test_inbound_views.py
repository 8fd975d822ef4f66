"""The project manager's page of incoming mail, and re-enabling a bouncing subscriber."""

import sqlalchemy as sa

from app.extensions import db
from app.mail.inbound import receive
from app.mail.models import InboundMessage
from app.newsletter.models import Subscriber, SubscriberStatus
from tests.factories import make_subscriber

from .messages import out_of_office, unrelated_mail


def test_every_message_is_listed_with_what_it_caused_and_its_raw_text(admin_client):
    receive(unrelated_mail(), "stdin")
    record = receive(out_of_office("inbox+bounce-1-0000000000@netwerkbrug.example.org"), "imap")
    db.session.commit()

    page = admin_client.get("/admin/mail/inbound").get_data(as_text=True)
    assert "Vraag over de volgende bijeenkomst" in page
    assert "Automatic reply" in page and "not counted as a bounce" in page
    assert "Left in the mailbox" in page

    raw = admin_client.get(f"/admin/mail/inbound/{record.id}/raw")
    assert raw.status_code == 200
    assert raw.headers["Content-Type"].startswith("text/plain")
    assert raw.data == out_of_office("inbox+bounce-1-0000000000@netwerkbrug.example.org")

    only = admin_client.get("/admin/mail/inbound?kind=auto_reply").get_data(as_text=True)
    assert "Vraag over" not in only and "Automatische Antwort" in only


def test_an_expired_raw_text_and_a_bad_filter_answer_4xx(admin_client):
    record = receive(unrelated_mail(), "stdin")
    record.raw = None
    db.session.commit()
    gone = admin_client.get(f"/admin/mail/inbound/{record.id}/raw")
    assert gone.status_code == 404
    assert "kept for 30 days" in gone.get_data(as_text=True)
    assert admin_client.get("/admin/mail/inbound?kind=nonsense").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == 1


def test_the_project_manager_sees_why_a_subscriber_was_disabled_and_re_enables_them(
    admin_client,
):
    subscriber = make_subscriber(email="weg@example.nl", status=SubscriberStatus.disabled)
    subscriber.bounce_score = 5.0
    subscriber.bounce_reason = "hard: 5.1.1 550 User unknown"
    confirmed = make_subscriber(email="lezer@example.org")
    db.session.commit()
    ids = subscriber.id, confirmed.id

    page = admin_client.get("/newsletter/admin/subscribers").get_data(as_text=True)
    assert "Disabled after bounces" in page and "550 User unknown" in page

    response = admin_client.post(f"/newsletter/admin/subscribers/{ids[0]}/reenable")
    assert response.status_code == 302
    subscriber = db.session.get(Subscriber, ids[0])
    assert subscriber.status is SubscriberStatus.confirmed and subscriber.bounce_score == 0

    refused = admin_client.post(f"/newsletter/admin/subscribers/{ids[1]}/reenable")
    assert refused.status_code == 409
