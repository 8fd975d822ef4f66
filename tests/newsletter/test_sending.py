"""Sending an edition through the real mail worker to a real SMTP server (aiosmtpd on
loopback): everyone confirmed exactly once, in their language, with every header; pause and
resume; failures; and workers stopped or killed half-way."""

import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from flask import current_app

from app.core.database import utcnow
from app.extensions import db
from app.mail.models import OutboxMessage, OutboxStatus
from app.mail.worker import run_worker
from app.newsletter import sending, services
from app.newsletter.models import (
    Delivery,
    DeliveryStatus,
    Edition,
    EditionStatus,
    Subscriber,
    SubscriberStatus,
)
from tests.factories import make_edition, make_subscriber, make_user
from tests.mail.conftest import CEILING

DOMAIN = "netwerkbrug.example.org"
SUBJECT_WORDS = {
    "nl": "Nieuws uit Enschede",
    "de": "Neues aus Münster",
    "en": "News from the border",
}


@dataclass(frozen=True)
class Reader:
    id: int
    email: str
    language: str
    token: str


@dataclass(frozen=True)
class Sending:
    id: int  # the edition's


def start_sending(languages=("nl", "de", "en"), confirmed: int = 30):
    """A project manager, `confirmed` subscribers spread over nl/de/en, one pending and one
    unsubscribed address, an edition written in `languages`, sending started and committed.
    Returns plain values: the worker closes the session, detaching loaded objects."""
    admin = make_user(is_admin=True)
    subscribers = [
        make_subscriber(email=f"reader{n}@example.org", language=("nl", "de", "en")[n % 3])
        for n in range(confirmed)
    ]
    make_subscriber(email="pending@example.org", status=SubscriberStatus.pending)
    make_subscriber(email="gone@example.org", status=SubscriberStatus.unsubscribed)
    edition = make_edition(quarter="2026 Q4", languages=languages)
    services.queue_edition(admin, edition)
    db.session.commit()
    readers = [Reader(s.id, s.email, s.language, s.token) for s in subscribers]
    return admin.id, Sending(edition.id), readers


def admin_of(admin_id: int):
    from app.auth.models import User

    return db.session.get(User, admin_id)


def expected_ids(edition, subscribers) -> Counter:
    return Counter(f"<newsletter-{edition.id}-{s.id}@{DOMAIN}>" for s in subscribers)


def fresh(edition) -> Edition:
    db.session.rollback()  # see what the worker committed
    return db.session.get(Edition, edition.id, populate_existing=True)


def test_every_confirmed_subscriber_gets_the_edition_once_in_their_language(smtp_config):
    _admin, edition, subscribers = start_sending()

    assert run_worker(once=True) == 30

    sink = smtp_config.handler
    assert Counter(sink.message_ids()) == expected_ids(edition, subscribers)
    # each of the worker's connections is opened once and reused for the whole send
    assert 1 <= sink.connections <= current_app.config["MAIL_CONNECTIONS"]
    recipients = {item.rcpt_tos[0]: item.message for item in sink.received}
    assert "pending@example.org" not in recipients
    assert "gone@example.org" not in recipients
    for subscriber in subscribers:
        msg = recipients[subscriber.email]
        assert SUBJECT_WORDS[subscriber.language] in str(msg["Subject"])
        assert msg["Content-Language"] == subscriber.language
        assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None
    assert fresh(edition).status is EditionStatus.sent
    progress = services.edition_progress(edition)
    assert (progress.total, progress.sent, progress.pending, progress.failed) == (30, 30, 0, 0)


def test_each_message_carries_the_list_headers_and_parses_back(smtp_config):
    _admin, edition, [reader] = start_sending(confirmed=1)
    db.session.get(Subscriber, reader.id).name = "Jürgen Oßenbrügge"
    db.session.commit()
    # the name changed after queueing: the worker renders at send time
    run_worker(once=True)

    [received] = smtp_config.handler.received
    msg = received.message
    assert msg["To"].addresses[0].display_name == "Jürgen Oßenbrügge"
    assert b"=?utf-8?" in received.content.split(b"\r\n\r\n", 1)[0]  # RFC 2047 encoded header
    assert msg["Message-ID"] == f"<newsletter-{edition.id}-{reader.id}@{DOMAIN}>"
    assert abs(parsedate_to_datetime(msg["Date"]) - utcnow()) < timedelta(minutes=5)
    links = [part.strip().strip("<>") for part in str(msg["List-Unsubscribe"]).split(",")]
    https, mailto = links
    assert https == f"http://netwerkbrug.test/newsletter/unsubscribe/{reader.token}"
    assert mailto.startswith(f"mailto:noreply@{DOMAIN}?subject=unsubscribe")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Id"] == f"Netwerkbrug newsletter <newsletter.{DOMAIN}>"
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    web = f"http://netwerkbrug.test/newsletter/editions/{edition.id}?lang=nl"
    assert web in html and web.replace("&", "&amp;") in text or web in text
    assert https in html and https in text
    assert "<strong>Xenia</strong>" in html


def test_the_unsubscribe_url_in_the_mail_works_by_one_click_post(smtp_config, client):
    start_sending(confirmed=1)
    run_worker(once=True)
    msg = smtp_config.handler.received[0].message
    url = str(msg["List-Unsubscribe"]).split(",")[0].strip().strip("<>")

    response = client.post(
        url.removeprefix("http://netwerkbrug.test"), data={"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    assert services.find_subscriber(msg["To"].addresses[0].addr_spec).status is (
        SubscriberStatus.unsubscribed
    )


def test_a_missing_language_falls_back_with_a_note(smtp_config):
    _admin, _edition, subscribers = start_sending(languages=("nl", "de"), confirmed=3)
    run_worker(once=True)

    by_address = {item.rcpt_tos[0]: item.message for item in smtp_config.handler.received}
    english = by_address[next(s.email for s in subscribers if s.language == "en")]
    german = by_address[next(s.email for s in subscribers if s.language == "de")]
    assert "Nieuws uit Enschede" in str(english["Subject"])  # Dutch comes first
    assert english["Content-Language"] == "nl"
    note = "This edition is not available in English. You are reading the Dutch version."
    assert note in english.get_body(("plain",)).get_content()
    assert note in english.get_body(("html",)).get_content()
    assert "not available" not in german.get_body(("plain",)).get_content()
    languages = dict(db.session.execute(sa.select(Delivery.subscriber_id, Delivery.language)).all())
    assert sorted(languages.values()) == ["de", "nl", "nl"]


def test_pause_holds_the_send_and_resume_sends_the_rest_once(smtp_config, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 10)
    admin, edition, subscribers = start_sending(confirmed=30)
    sending.produce_deliveries(10)  # a worker has rendered a first chunk …
    db.session.commit()

    withdrawn = services.pause_edition(admin_of(admin), fresh(edition))  # … and the manager pauses
    db.session.commit()

    assert withdrawn == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert run_worker(once=True) == 0
    assert smtp_config.handler.received == []
    assert services.edition_progress(edition).pending == 30

    services.resume_edition(admin_of(admin), fresh(edition))
    db.session.commit()
    assert run_worker(once=True) == 30
    assert Counter(smtp_config.handler.message_ids()) == expected_ids(edition, subscribers)
    assert fresh(edition).status is EditionStatus.sent


def test_an_address_unsubscribed_during_the_send_is_skipped(smtp_config):
    _admin, edition, subscribers = start_sending(confirmed=6)
    sending.produce_deliveries(3)  # the first three are in the outbox already
    db.session.commit()
    in_outbox, waiting = subscribers[0], subscribers[5]
    services.unsubscribe(db.session.get(Subscriber, in_outbox.id))
    services.unsubscribe(db.session.get(Subscriber, waiting.id))
    db.session.commit()

    assert run_worker(once=True) == 4

    received = {item.rcpt_tos[0] for item in smtp_config.handler.received}
    assert received == {s.email for s in subscribers} - {in_outbox.email, waiting.email}
    progress = services.edition_progress(edition)
    assert (progress.sent, progress.skipped, progress.pending) == (4, 2, 0)
    assert fresh(edition).status is EditionStatus.sent


def test_a_refused_address_is_listed_with_the_server_answer_and_a_busy_one_retried(
    smtp_config, admin_client
):
    _admin, edition, subscribers = start_sending(confirmed=4)
    refused, busy = subscribers[0].email, subscribers[1].email
    smtp_config.handler.answers[refused] = f"550 5.1.1 <{refused}>: Recipient address rejected"
    smtp_config.handler.answers[busy] = "451 4.7.1 Greylisted, try again later"

    assert run_worker(once=True) == 2

    progress = services.edition_progress(edition)
    assert (progress.sent, progress.failed, progress.pending, progress.retrying) == (2, 1, 1, 1)
    assert fresh(edition).status is EditionStatus.sending  # the retry is still due
    page = admin_client.get(f"/newsletter/admin/editions/{edition.id}/progress")
    html = page.get_data(as_text=True)
    assert refused in html
    assert "550 5.1.1" in html and "Recipient address rejected" in html

    del smtp_config.handler.answers[busy]
    db.session.execute(sa.update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert run_worker(once=True) == 1
    assert fresh(edition).status is EditionStatus.sent
    assert services.find_subscriber(refused).status is SubscriberStatus.failed
    assert services.find_subscriber(busy).status is SubscriberStatus.confirmed
    assert [i.rcpt_tos[0] for i in smtp_config.handler.received].count(busy) == 1


def test_a_large_send_reaches_500_subscribers_exactly_once(smtp_config, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BATCH_SIZE", 100)
    admin = make_user(is_admin=True)
    db.session.execute(
        sa.insert(Subscriber),
        [
            {
                "email": f"r{n}@example.org",
                "name": f"Leser {n}",
                "language": ("nl", "de", "en")[n % 3],
                "status": SubscriberStatus.confirmed,
                "token": f"token-{n:04d}-" + "x" * 30,
            }
            for n in range(500)
        ],
    )
    edition = make_edition(quarter="2026 Q4")
    assert services.queue_edition(admin, edition) == 500
    db.session.commit()
    edition = Sending(edition.id)

    assert run_worker(once=True) == 500

    ids = Counter(smtp_config.handler.message_ids())
    assert len(ids) == 500 and set(ids.values()) == {1}
    assert fresh(edition).status is EditionStatus.sent


# --- worker processes -------------------------------------------------------------------------


def test_a_worker_stopped_mid_send_and_restarted_sends_everyone_exactly_once(
    smtp_sink, start_worker
):
    _admin, edition, subscribers = start_sending(confirmed=90)
    smtp_sink.handler.data_delay = 0.03
    worker = start_worker(smtp_sink, flask_app='app:create_app({"MAIL_BATCH_SIZE": 10})')
    smtp_sink.handler.wait_for_received(15)

    worker.terminate()
    code, output = worker.wait()

    assert code == 0, output
    first_run = len(smtp_sink.handler.received)
    assert 15 <= first_run < 90, output
    assert fresh(edition).status is EditionStatus.sending
    smtp_sink.handler.data_delay = 0
    code, output = start_worker(smtp_sink, "--once").wait()
    assert code == 0, output
    assert Counter(smtp_sink.handler.message_ids()) == expected_ids(edition, subscribers)
    assert fresh(edition).status is EditionStatus.sent


@pytest.mark.parametrize(("connections", "in_hand"), [(1, 1), (3, 6)])
def test_a_killed_worker_repeats_at_most_the_messages_in_hand_and_skips_nobody(
    smtp_sink, start_worker, connections, in_hand
):
    _admin, edition, subscribers = start_sending(confirmed=60)
    smtp_sink.handler.data_delay = 0.3  # the kill lands while the server's answer is pending
    short_lease = (
        'app:create_app({"MAIL_BATCH_SIZE": 10, "MAIL_LEASE_SECONDS": 1, '
        f'"MAIL_CONNECTIONS": {connections}, "MAIL_IN_HAND": {in_hand}}})'
    )
    worker = start_worker(smtp_sink, flask_app=short_lease)
    smtp_sink.handler.wait_for_received(3)

    worker.process.kill()  # SIGKILL: no chance to record the message in hand
    worker.process.wait(timeout=CEILING)

    smtp_sink.handler.data_delay = 0
    time.sleep(1.2)  # the dead worker's lease expires
    code, output = start_worker(smtp_sink, "--once", flask_app=short_lease).wait()
    assert code == 0, output
    received = Counter(smtp_sink.handler.message_ids())
    assert set(received) == set(expected_ids(edition, subscribers)), "nobody skipped"
    repeats = sum(count - 1 for count in received.values())
    assert repeats <= in_hand, received.most_common(3)  # at most the messages in hand
    assert fresh(edition).status is EditionStatus.sent


def test_two_workers_at_once_never_send_the_edition_twice(smtp_sink, start_worker):
    _admin, edition, subscribers = start_sending(confirmed=60)
    smtp_sink.handler.data_delay = 0.01
    smtp_sink.handler.hold_until_connections = 2
    small = 'app:create_app({"MAIL_BATCH_SIZE": 5, "MAIL_CONNECTIONS": 1})'
    workers = [start_worker(smtp_sink, "--once", flask_app=small) for _ in range(2)]

    outputs = [worker.wait() for worker in workers]

    assert [code for code, _ in outputs] == [0, 0], outputs
    assert smtp_sink.handler.connections == 2
    assert Counter(smtp_sink.handler.message_ids()) == expected_ids(edition, subscribers)
    assert fresh(edition).status is EditionStatus.sent
    statuses = Counter(db.session.scalars(sa.select(Delivery.status)))
    assert statuses == Counter({DeliveryStatus.queued: 60})
    assert Counter(db.session.scalars(sa.select(OutboxMessage.status))) == Counter(
        {OutboxStatus.sent: 60}
    )
