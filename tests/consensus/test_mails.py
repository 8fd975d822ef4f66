"""Mails when a round opens and when its outcome is recorded: one per person and event,
in each person's language, with the deadline in Europe/Berlin time; the round-opened mail
also over real SMTP through the worker."""

import email
import email.policy
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.consensus import services
from app.consensus.models import Stance
from app.extensions import db
from app.mail.models import OutboxMessage
from tests.factories import make_proposal, make_round
from tests.mail.conftest import _mail_from, smtp_sink, start_worker  # noqa: F401

from .helpers import institutions, xenia

CLOSES = datetime(2030, 7, 1, 16, 0, tzinfo=UTC)  # 18:00 in Berlin (summer time)


def mails(category: str) -> dict[str, str]:
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.category == category)
    ).all()
    bodies = {}
    for row in rows:
        message = email.message_from_bytes(row.raw, policy=email.policy.default)
        assert row.recipient not in bodies, "one mail per person"
        bodies[row.recipient] = (
            f"{message['Subject']}\n{message.get_body(('plain',)).get_content()}"
        )
    return bodies


def open_on(world, closes=CLOSES):
    proposal = make_proposal(world.group, world.moderator)
    return services.open_round(
        world.moderator, proposal, closes_at=closes, now=datetime(2030, 6, 1, tzinfo=UTC)
    )


def test_round_opened_mail_to_each_voting_member_in_their_language():
    w = xenia(voters=3)
    w.voters[0].locale, w.voters[1].locale, w.voters[2].locale = "nl", "de", "en"
    round_ = open_on(w)
    sent = mails("consensus.round_opened")
    # Voting members only: not the moderator, not the observer.
    assert set(sent) == {p.email for p in w.voters}
    dutch, german, english = (sent[p.email] for p in w.voters)
    assert "1 juli 2030, 18:00" in dutch and "18:00:00" not in dutch
    assert "1. Juli 2030, 18:00" in german
    assert "1 July 2030, 18:00" in english  # day before month, 24-hour clock
    assert round_.version.text_nl in dutch
    assert round_.version.text_de in german
    assert f"http://netwerkbrug.test/consensus/proposals/{round_.proposal_id}" in english


def test_per_institution_mails_go_to_representatives_and_deputies():
    w = institutions(2)
    round_ = open_on(w)
    people = {p.email for p in w.representatives + w.deputies}
    assert set(mails("consensus.round_opened")) == people  # not the bystander
    services.record_position(round_, w.deputies[0], Stance.agree)
    services.record_position(round_, w.representatives[1], Stance.agree)
    services.close_round(
        w.moderator, round_, reason="Agreed in the meeting.", now=datetime(2030, 6, 2, tzinfo=UTC)
    )
    outcome = mails("consensus.outcome")
    assert set(outcome) == people
    assert f"/consensus/proposals/{round_.proposal_id}/decision" in outcome[w.deputies[1].email]


def test_outcome_mail_once_per_person_and_event():
    w = xenia(voters=2)
    round_ = make_round(make_proposal(w.group, w.moderator), w.moderator)
    services.record_position(round_, w.voters[0], Stance.object, "Nee.")
    services.record_position(round_, w.voters[1], Stance.agree)
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    sent = mails("consensus.outcome")
    assert set(sent) == {p.email for p in w.voters}
    assert "Outcome: Objections." in sent[w.voters[1].email]
    assert "- Object: 1" in sent[w.voters[1].email]
    assert "/decision" not in sent[w.voters[1].email]
    # A second close is refused and sends nothing more.
    with pytest.raises(services.RoundClosed):
        services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    assert len(mails("consensus.outcome")) == 2


def test_round_opened_mail_arrives_over_smtp(smtp_sink, start_worker):  # noqa: F811
    w = xenia(voters=1)
    w.voters[0].locale = "de"
    round_ = open_on(w)
    db.session.commit()
    worker = start_worker(smtp_sink, "--once")
    code, output = worker.wait()
    assert code == 0, output
    [received] = smtp_sink.handler.received
    assert received.rcpt_tos == [w.voters[0].email]
    assert round_.proposal.title in str(received.message["Subject"])
    text = received.message.get_body(("plain",)).get_content()
    assert "1. Juli 2030, 18:00" in text and "18:00:00" not in text
    assert f"/consensus/proposals/{round_.proposal_id}" in text
