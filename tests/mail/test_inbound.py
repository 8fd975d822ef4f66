"""The inbound channel through `flask mail receive` (an MTA's pipe transport): bounces,
auto-replies, mailto unsubscribes and calendar replies change the records, with no person in
between; every message is recorded."""

import os
import subprocess
import sys
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from app.core.database import utcnow
from app.extensions import db
from app.mail import inbound
from app.mail.models import InboundKind, InboundMessage, InboundOutcome, OutboxMessage
from app.newsletter.inbound import record_bounce
from app.newsletter.models import Subscriber

from . import inbound_scenario
from .conftest import PROJECT_ROOT
from .messages import INBOX


@pytest.fixture
def scene(app, monkeypatch, smtp_config):
    return inbound_scenario.set_up(app, monkeypatch, smtp_config)


def _receive(app, raw: bytes):
    result = app.test_cli_runner().invoke(args=["mail", "receive"], input=raw)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_kind_of_mail_through_standard_input(app, scene, smtp_config):
    sent = inbound_scenario.mails(scene)
    for raw in sent.values():
        _receive(app, raw)

    inbound_scenario.check_records(scene, sent)
    # the unsubscribe is confirmed by mail, in the subscriber's language
    confirmation = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == "stop@example.de")
    ).all()[-1]
    assert confirmation.category == "newsletter.unsubscribed"
    assert "Netwerkbrug" in confirmation.subject


def test_each_delivery_has_its_own_signed_verp_return_path(app, scene):
    verp = scene.verp["weg@gemeente.example.nl"]
    assert verp.startswith("inbox+bounce-") and verp.endswith("@netwerkbrug.example.org")
    assert len(set(scene.verp.values())) == 3
    secret = app.config["SECRET_KEY"]
    row_id = inbound.outbox_id_from_verp(verp, secret)
    assert db.session.get(OutboxMessage, row_id).recipient == "weg@gemeente.example.nl"
    forged = verp.replace(f"bounce-{row_id}-", f"bounce-{row_id + 1}-")
    assert inbound.outbox_id_from_verp(forged, secret) is None


def test_the_same_message_twice_changes_nothing_more(app, scene):
    raw = inbound_scenario.mails(scene)["soft_bounce"]
    _receive(app, raw)
    _receive(app, raw)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == 1
    subscriber = db.session.get(Subscriber, scene.subscriber_ids["vol@example.org"])
    assert subscriber.bounce_score == 0.5


def test_bounces_count_at_most_once_a_day_and_a_stale_score_starts_again(app, scene):
    subscriber = db.session.get(Subscriber, scene.subscriber_ids["vol@example.org"])
    soft = inbound.Bounce(outbox_id=None, soft=["vol@example.org"], reason="4.2.2")
    now = utcnow()
    assert record_bounce(soft, now=now).applied
    assert not record_bounce(soft, now=now + timedelta(hours=3)).applied
    assert record_bounce(soft, now=now + timedelta(days=1, hours=1)).applied
    assert subscriber.bounce_score == 1.0
    assert record_bounce(soft, now=now + timedelta(days=20)).applied
    assert subscriber.bounce_score == 0.5


def test_raw_text_is_dropped_after_30_days(app, scene):
    _receive(app, inbound_scenario.mails(scene)["unrelated"])
    record = db.session.scalar(sa.select(InboundMessage))
    record.received_at = utcnow() - timedelta(days=31)
    db.session.commit()
    _receive(app, inbound_scenario.mails(scene)["out_of_office"])
    db.session.expire_all()
    assert db.session.get(InboundMessage, record.id).raw is None
    assert db.session.get(InboundMessage, record.id).kind is InboundKind.unrelated


def test_invitations_name_the_inbound_address_as_organizer(app, monkeypatch, smtp_config):
    from icalendar import Calendar

    from app.meetings.models import Invitation
    from app.meetings.services import queue_invitation_mail
    from tests.factories import make_meeting, make_user

    monkeypatch.setitem(app.config, "MAIL_INBOUND_ADDRESS", INBOX)
    organiser = make_user(name="Projectleider Twente")
    member = make_user(email="anna@almelo.example.nl")
    meeting = make_meeting(organiser=organiser, invitees=[member])
    queue_invitation_mail(db.session.scalar(sa.select(Invitation)))
    raw = db.session.scalars(
        sa.select(OutboxMessage.raw).where(OutboxMessage.recipient == member.email)
    ).one()
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    event = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["ORGANIZER"]).lower() == f"mailto:{INBOX}"
    assert event["ORGANIZER"].params["CN"] == "Projectleider Twente"
    assert event["UID"] == meeting.uid


def test_flask_mail_receive_reads_standard_input_in_its_own_process(app, scene):
    """The command as an MTA runs it: a separate process, the message on stdin."""
    raw = inbound_scenario.mails(scene)["outlook"]
    env = {
        **os.environ,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_INBOUND_ADDRESS": INBOX,
    }
    env.pop("FLASK_APP", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "receive"],
        input=raw,
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"calendar_reply: applied" in done.stdout
    db.session.expire_all()
    record = db.session.scalar(sa.select(InboundMessage))
    assert record.outcome is InboundOutcome.applied and record.source == "stdin"


def test_a_non_standard_bounce_is_recognised_by_mailmans_detectors(app, scene):
    from .messages import qmail_bounce

    verp = scene.verp["vol@example.org"]
    kind, bounce = inbound.classify(qmail_bounce(verp, "vol@example.org"))
    assert kind is InboundKind.bounce
    assert bounce.hard == ["vol@example.org"] and bounce.is_hard
    assert bounce.outbox_id == inbound.outbox_id_from_verp(verp, app.config["SECRET_KEY"])

    _receive(app, qmail_bounce(verp, "vol@example.org"))
    assert db.session.get(Subscriber, scene.subscriber_ids["vol@example.org"]).bounce_score == 1


def test_a_delay_warning_is_no_bounce(app, scene):
    from .messages import dsn

    warning = dsn(
        scene.verp["vol@example.org"],
        final_recipient="vol@example.org",
        status="4.4.7",
        action="delayed",
        diagnostic="451 4.4.7 Delivery delayed for 4 hours",
    )
    _receive(app, warning)
    record = db.session.scalar(sa.select(InboundMessage))
    assert record.kind is InboundKind.auto_reply
    assert db.session.get(Subscriber, scene.subscriber_ids["vol@example.org"]).bounce_score == 0


def test_flask_mail_receive_asks_the_mta_to_try_again_while_the_database_is_down(app):
    env = {
        **os.environ,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",  # nothing listens there
    }
    env.pop("FLASK_APP", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "receive"],
        input=b"From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n",
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 75, done.stderr.decode()
    assert b"try again later" in done.stderr


def test_an_unsubscribe_token_in_the_address_works_too(app, scene):
    """Some mail programs drop the mailto's subject; the token may be in the address."""
    token = scene.tokens["stop@example.de"]
    raw = (
        f"From: <stop@example.de>\r\nTo: inbox+unsubscribe-{token}@netwerkbrug.example.org\r\n"
        "Subject: \r\nMessage-ID: <u2@example.de>\r\n\r\n\r\n"
    ).encode()
    kind, payload = inbound.classify(raw)
    assert (kind, payload) == (InboundKind.unsubscribe, token)
    _receive(app, raw)
    subscriber = db.session.get(Subscriber, scene.subscriber_ids["stop@example.de"])
    assert subscriber.status.name == "unsubscribed"
