"""One scene for the inbound channel's tests, whichever way the mail comes in (standard
input or IMAP): a newsletter sent to three subscribers through the SMTP sink (so each
delivery has its VERP Return-Path), and a meeting four members are invited to."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.mail.models import InboundKind, InboundMessage, InboundOutcome
from app.mail.worker import run_worker
from app.meetings.models import Invitation, Response
from app.newsletter import services
from app.newsletter.models import Subscriber, SubscriberStatus
from tests.factories import make_edition, make_meeting, make_subscriber, make_user

from . import messages
from .messages import INBOX


@dataclass
class Scene:
    verp: dict[str, str]  # subscriber address -> the Return-Path of their delivery
    subscriber_ids: dict[str, int]
    tokens: dict[str, str]
    meeting_id: int
    meeting_uid: str
    invitation_ids: dict[str, int]


def set_up(app, monkeypatch, sink) -> Scene:
    monkeypatch.setitem(app.config, "MAIL_INBOUND_ADDRESS", f"Netwerkbrug <{INBOX}>")
    monkeypatch.setitem(app.config, "NEWSLETTER_BOUNCE_THRESHOLD", 1.0)
    readers = [
        make_subscriber(email=address)
        for address in ("weg@gemeente.example.nl", "vol@example.org", "stop@example.de")
    ]
    edition = make_edition(quarter="2026 Q4", languages=("nl",))
    services.queue_edition(make_user(is_admin=True), edition)
    members = {
        name: make_user(email=f"{name}@almelo.example.nl", name=name.title())
        for name in ("anna", "bert", "carla", "dora")
    }
    make_user(email="dirk@almelo.example.nl", name="Dirk")  # not invited
    meeting = make_meeting(invitees=members.values(), sequence=1)
    scene_meeting = (meeting.id, meeting.uid)
    invitations = {
        i.user.email.split("@")[0]: i.id
        for i in db.session.scalars(sa.select(Invitation).where(Invitation.meeting == meeting))
    }
    ids = {r.email: r.id for r in readers}
    tokens = {r.email: r.token for r in readers}
    db.session.commit()
    run_worker(once=True)
    verp = {item.rcpt_tos[0]: item.mail_from for item in sink.handler.received}
    return Scene(verp, ids, tokens, *scene_meeting, invitations)


def mails(scene: Scene) -> dict[str, bytes]:
    """Every case, by name."""
    uid = scene.meeting_uid
    return {
        "hard_bounce": messages.dsn(
            scene.verp["weg@gemeente.example.nl"],
            final_recipient="j.vandijk@intern.gemeente.example.nl",  # a forward: hides them
            status="5.1.1",
            diagnostic="550 5.1.1 <j.vandijk@intern.gemeente.example.nl>: User unknown",
        ),
        "soft_bounce": messages.dsn(
            scene.verp["vol@example.org"],
            final_recipient="vol@example.org",
            status="4.2.2",
            diagnostic="452 4.2.2 Mailbox full",
        ),
        "out_of_office": messages.out_of_office(scene.verp["stop@example.de"]),
        "unsubscribe": messages.unsubscribe_mail(
            "stop@example.de", scene.tokens["stop@example.de"]
        ),
        "outlook": messages.outlook_reply(uid, "anna@almelo.example.nl", "Anna", sequence=1),
        "thunderbird": messages.thunderbird_reply(
            uid, "bert@almelo.example.nl", "Bert", sequence=1
        ),
        "apple": messages.apple_reply(uid, "carla@almelo.example.nl", "Carla", sequence=1),
        "gmail": messages.gmail_reply(uid, "dora@almelo.example.nl", "Dora", sequence=1),
        "old_sequence": messages.outlook_reply(
            uid, "carla@almelo.example.nl", "Carla", partstat="ACCEPTED", sequence=0
        ),
        "not_invited": messages.thunderbird_reply(
            uid, "dirk@almelo.example.nl", "Dirk", partstat="ACCEPTED", sequence=1
        ),
        "unknown_uid": messages.apple_reply(
            "no-such-meeting@elsewhere", "anna@almelo.example.nl", "Anna", sequence=1
        ),
        "counter": messages.counter_proposal(uid, "anna@almelo.example.nl", "Anna"),
        "unrelated": messages.unrelated_mail(),
    }


EXPECTED = {  # name: (kind, outcome)
    "hard_bounce": (InboundKind.bounce, InboundOutcome.applied),
    "soft_bounce": (InboundKind.bounce, InboundOutcome.applied),
    "out_of_office": (InboundKind.auto_reply, InboundOutcome.ignored),
    "unsubscribe": (InboundKind.unsubscribe, InboundOutcome.applied),
    "outlook": (InboundKind.calendar_reply, InboundOutcome.applied),
    "thunderbird": (InboundKind.calendar_reply, InboundOutcome.applied),
    "apple": (InboundKind.calendar_reply, InboundOutcome.applied),
    "gmail": (InboundKind.calendar_reply, InboundOutcome.applied),
    "old_sequence": (InboundKind.calendar_reply, InboundOutcome.ignored),
    "not_invited": (InboundKind.calendar_reply, InboundOutcome.ignored),
    "unknown_uid": (InboundKind.calendar_reply, InboundOutcome.ignored),
    "counter": (InboundKind.calendar_counter, InboundOutcome.ignored),
    "unrelated": (InboundKind.unrelated, InboundOutcome.left),
}


def record_of(raw: bytes) -> InboundMessage:
    import hashlib

    digest = hashlib.sha256(raw).hexdigest()
    return db.session.scalar(sa.select(InboundMessage).where(InboundMessage.digest == digest))


def check_records(scene: Scene, sent: dict[str, bytes]) -> None:
    """Each message recorded as expected, and the database changed accordingly."""
    db.session.expire_all()
    for name, raw in sent.items():
        record = record_of(raw)
        assert record is not None, name
        assert (record.kind, record.outcome) == EXPECTED[name], (name, record.detail)
        assert record.raw == raw
    with force_locale("en"):
        reasons = {name: record_of(raw).detail_text for name, raw in sent.items()}
    assert "version 0" in reasons["old_sequence"] and "now version 1" in reasons["old_sequence"]
    assert "not invited" in reasons["not_invited"]
    assert "no meeting has the UID no-such-meeting@elsewhere" in reasons["unknown_uid"]
    assert "proposes a new time" in reasons["counter"]
    assert "2030-06-03 14:00" in reasons["counter"]  # 12:00 UTC, in Enschede's time
    assert "anna@almelo.example.nl accepted" in reasons["outlook"]
    assert "bounce score 1, so the address was disabled" in reasons["hard_bounce"]

    subscriber = {e: db.session.get(Subscriber, i) for e, i in scene.subscriber_ids.items()}
    gone = subscriber["weg@gemeente.example.nl"]
    assert gone.status is SubscriberStatus.disabled  # threshold 1 in this scene
    assert gone.bounce_score == 1.0 and "5.1.1" in gone.bounce_reason
    full = subscriber["vol@example.org"]
    assert full.status is SubscriberStatus.confirmed and full.bounce_score == 0.5
    stop = subscriber["stop@example.de"]
    assert stop.status is SubscriberStatus.unsubscribed
    assert stop.bounce_score == 0  # the out-of-office reply counted for nothing

    answers = {
        name: db.session.get(Invitation, i).response for name, i in scene.invitation_ids.items()
    }
    assert answers == {
        "anna": Response.accepted,
        "bert": Response.tentative,
        "carla": Response.declined,  # the old SEQUENCE's "accepted" changed nothing
        "dora": Response.accepted,
    }
