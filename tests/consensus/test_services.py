"""The consensus rules, called directly."""

import email
import email.policy
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.consensus import services
from app.consensus.models import Outcome, Position, ProposalStatus, Stance, Visibility
from app.consensus.services import compute_outcome
from app.core.audit import AuditEntry
from app.core.database import utcnow
from app.core.dates import format_when
from app.extensions import db
from app.groups.models import Membership, Role
from app.mail.models import OutboxMessage
from tests.factories import make_membership, make_proposal, make_round, make_user

from .helpers import xenia

# --- the outcome rule (pure) ---------------------------------------------------------


def test_objection_blocks_consensus():
    stances = [Stance.agree, Stance.agree, Stance.object]
    assert compute_outcome(stances, quorum=2) == Outcome.objections


def test_no_quorum_without_enough_answers():
    assert compute_outcome([Stance.agree], quorum=2) == Outcome.no_quorum
    # Not even an objection counts when the quorum was not reached.
    assert compute_outcome([Stance.object], quorum=2) == Outcome.no_quorum


def test_stand_aside_does_not_block():
    assert compute_outcome([Stance.stand_aside] * 3, quorum=3) == Outcome.consensus
    assert compute_outcome([Stance.agree, Stance.stand_aside], quorum=2) == Outcome.consensus


def test_reservations_only_is_consensus():
    stances = [Stance.agree_with_reservations, Stance.agree_with_reservations]
    assert compute_outcome(stances, quorum=2) == Outcome.consensus


def test_decision_rule_registry_has_the_consensus_rule():
    assert "consensus" in services.DECISION_RULES
    assert isinstance(services.DECISION_RULES["consensus"], services.ConsensusRule)


@pytest.mark.parametrize(("eligible", "quorum"), [(1, 1), (3, 2), (5, 4), (36, 24), (100, 67)])
def test_default_quorum_is_two_thirds_rounded_up(eligible, quorum):
    assert services.default_quorum(eligible) == quorum


# --- rounds --------------------------------------------------------------------------


def test_quorum_computed_at_opening():
    w = xenia(voters=5)
    proposal = make_proposal(w.group, w.moderator)
    round_ = make_round(proposal, w.moderator)
    assert (round_.eligible_count, round_.quorum) == (5, 4)
    # A member joining later does not move the bar of the open round.
    make_membership(w.group, make_user(), role=Role.member)
    db.session.flush()
    assert (round_.eligible_count, round_.quorum) == (5, 4)
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "consensus.open_round")
    )


def test_quorum_must_fit_the_group():
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    with pytest.raises(services.InvalidRound):
        make_round(proposal, w.moderator, quorum=4)
    with pytest.raises(services.InvalidRound):
        make_round(proposal, w.moderator, closes_in_days=-1)


def test_only_the_moderator_or_project_manager_opens_a_round():
    w = xenia(voters=3)
    proposal = make_proposal(w.group, w.moderator)
    with pytest.raises(services.NotModerator):
        make_round(proposal, w.voters[0])
    manager = make_user(is_admin=True)
    assert make_round(proposal, manager).number == 1
    with pytest.raises(services.RoundAlreadyOpen):
        make_round(proposal, manager)


def _round(voters=3, **settings):
    w = xenia(voters=voters)
    proposal = make_proposal(w.group, w.moderator)
    return w, make_round(proposal, w.moderator, **settings)


def test_reasons_required_for_reservations_and_objections():
    w, round_ = _round()
    for stance in (Stance.agree_with_reservations, Stance.object):
        with pytest.raises(services.ReasonRequired):
            services.record_position(round_, w.voters[0], stance, "   ")
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) == 0
    services.record_position(round_, w.voters[0], Stance.stand_aside, "")
    services.record_position(round_, w.voters[1], Stance.object, "Te weinig woningen.")


def test_position_changes_until_close_and_not_after():
    w, round_ = _round()
    services.record_position(round_, w.voters[0], Stance.object, "Nee.")
    services.record_position(round_, w.voters[0], Stance.agree)
    positions = db.session.scalars(sa.select(Position)).all()
    assert [p.stance for p in positions] == [Stance.agree]
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    with pytest.raises(services.RoundClosed):
        services.record_position(round_, w.voters[0], Stance.object, "Toch niet.")


def test_position_refused_after_closing_time_before_the_worker_ran():
    w, round_ = _round()
    later = round_.closes_at + timedelta(minutes=1)
    with pytest.raises(services.RoundClosed):
        services.record_position(round_, w.voters[0], Stance.agree, now=later)


def test_observer_non_member_and_moderator_refused():
    w, round_ = _round()
    for person in (w.observer, make_user(), w.moderator):
        with pytest.raises(services.NotAVotingMember):
            services.record_position(round_, person, Stance.agree)
    # The moderator stays out even when made a voting member in that role.
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.user_id == w.moderator.id)
    )
    membership.is_voting = True
    with pytest.raises(services.NotAVotingMember):
        services.record_position(round_, w.moderator, Stance.agree)


def test_close_computes_outcome_and_decides():
    w, round_ = _round(voters=3)
    for person in w.voters[:2]:
        services.record_position(round_, person, Stance.agree)
    assert (
        services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
        == Outcome.consensus
    )
    assert round_.tally["agree"] == 2
    assert round_.closed_by_id == w.moderator.id
    assert round_.proposal.status == ProposalStatus.decided
    with pytest.raises(services.RoundClosed):
        services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    with pytest.raises(services.ProposalDecided):
        services.revise_proposal(w.moderator, round_.proposal, text_nl="x", text_de="y")


def test_after_objections_the_moderator_revises_and_opens_the_next_round():
    w, round_ = _round(voters=3)
    services.record_position(round_, w.voters[0], Stance.object, "Segregatie.")
    services.record_position(round_, w.voters[1], Stance.agree)
    assert (
        services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
        == Outcome.objections
    )
    proposal = round_.proposal
    assert proposal.status == ProposalStatus.open
    version = services.revise_proposal(
        w.moderator, proposal, text_nl="Nieuw", text_de="Neu", change_note="Na bezwaar"
    )
    assert version.number == 2
    second = make_round(proposal, w.moderator)
    assert (second.number, second.version.number) == (2, 2)
    with pytest.raises(services.RoundAlreadyOpen):
        services.revise_proposal(w.moderator, proposal, text_nl="a", text_de="b")


def test_close_due_rounds_closes_only_past_rounds():
    w = xenia(voters=2)
    due = make_round(make_proposal(w.group, w.moderator), w.moderator, closes_in_days=1)
    not_due = make_round(make_proposal(w.group, w.moderator), w.moderator, closes_in_days=3)
    services.record_position(due, w.voters[0], Stance.agree)
    services.record_position(due, w.voters[1], Stance.agree)
    closed = services.close_due_rounds(utcnow() + timedelta(days=2))
    assert closed == [due]
    assert due.outcome == Outcome.consensus and due.closed_by_id is None
    assert due.closed_at == due.closes_at
    assert not_due.closed_at is None
    assert services.close_due_rounds(utcnow() + timedelta(days=2)) == []


def test_close_due_command(runner):
    w = xenia(voters=2)
    round_ = make_round(make_proposal(w.group, w.moderator), w.moderator, closes_in_days=1)
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["consensus", "close-due"])
    assert "Closed 1 round(s)." in result.output
    db.session.expire_all()
    assert db.session.get(type(round_), round_.id).outcome == Outcome.no_quorum


def test_the_mail_worker_closes_a_round_at_its_closing_time():
    from app.mail.worker import run_worker

    w = xenia(voters=2)
    round_ = make_round(make_proposal(w.group, w.moderator), w.moderator, closes_in_days=1)
    services.record_position(round_, w.voters[0], Stance.agree)
    services.record_position(round_, w.voters[1], Stance.object, reason="Te weinig sociale huur")
    round_.closes_at = utcnow() - timedelta(minutes=1)
    round_id = round_.id
    db.session.commit()

    run_worker(once=True)

    closed = db.session.get(type(round_), round_id)
    assert closed.outcome == Outcome.objections
    assert closed.closed_by_id is None


# --- visibility ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "member_sees", "moderator_sees"),
    [
        (Visibility.named, True, True),
        (Visibility.anonymous, False, True),
        (Visibility.secret, False, False),
    ],
)
def test_anonymity_modes(visibility, member_sees, moderator_sees):
    w, round_ = _round(visibility=visibility)
    services.record_position(round_, w.voters[0], Stance.object, "Geheim bezwaar")
    as_member = services.round_view(round_, w.voters[1], is_moderator=False).as_json()
    as_moderator = services.round_view(round_, w.moderator, is_moderator=True).as_json()
    assert ("name" in as_member["objections"][0]) is member_sees
    assert ("name" in as_moderator["objections"][0]) is moderator_sees
    assert "not_answered" not in as_member
    assert as_moderator["objections"][0]["reason"] == "Geheim bezwaar"


def test_hidden_tally_until_closed():
    w, round_ = _round(is_tally_hidden=True)
    services.record_position(round_, w.voters[0], Stance.object, "Nee")
    as_member = services.round_view(round_, w.voters[1], is_moderator=False).as_json()
    assert as_member["tally_hidden"] is True
    assert "tally" not in as_member and "objections" not in as_member
    assert "tally" in services.round_view(round_, w.moderator, is_moderator=True).as_json()
    services.close_round(w.moderator, round_, reason="Agreed in the meeting.")
    after = services.round_view(round_, w.voters[1], is_moderator=False).as_json()
    assert after["tally"]["object"] == 1


# --- diff ----------------------------------------------------------------------------


def test_diff_marks_removed_and_added_words():
    parts = services.diff_texts("Wonen in 5% van de wijken.", "Wonen in alle wijken.")
    kinds = {(p.kind, p.text.strip()) for p in parts if p.text.strip()}
    assert ("delete", "5% van de") in kinds
    assert ("insert", "alle") in kinds
    new = "".join(p.text for p in parts if p.kind in ("equal", "insert"))
    old = "".join(p.text for p in parts if p.kind in ("equal", "delete"))
    assert (old, new) == ("Wonen in 5% van de wijken.", "Wonen in alle wijken.")


# --- reminders -----------------------------------------------------------------------


def test_reminders_one_per_person_not_twice_a_day():
    w, round_ = _round(voters=3)
    w.voters[1].locale = "de"
    w.voters[2].locale = "nl"
    services.record_position(round_, w.voters[0], Stance.agree)
    now = utcnow()
    reminder = services.remind_non_responders(w.moderator, round_, now=now)
    assert reminder.recipient_count == 2
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.category == "consensus.reminder")
    ).all()
    assert sorted(r.recipient for r in rows) == sorted([w.voters[1].email, w.voters[2].email])
    by_recipient = {r.recipient: r for r in rows}
    # Each mail is rendered in the recipient's language (the deadline shows it even
    # before the catalogues are translated).
    for person in w.voters[1:]:
        with force_locale(person.locale):
            deadline = format_when(round_.closes_at)
        body = email.message_from_bytes(
            by_recipient[person.email].raw, policy=email.policy.default
        ).get_body(("plain",))
        assert deadline in body.get_content()
    with pytest.raises(services.ReminderTooSoon):
        services.remind_non_responders(w.moderator, round_, now=now + timedelta(hours=23))
    services.remind_non_responders(w.moderator, round_, now=now + timedelta(hours=25))
    reminders = sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.category == "consensus.reminder"
    )
    assert db.session.scalar(reminders) == 4


def test_demo_seed_is_idempotent():
    from app.consensus.demo import seed_consensus
    from app.demo.seed import seed_demo

    assert seed_demo()["proposals"] == 1
    assert seed_consensus() == 0
    from app.consensus.models import Proposal

    proposal = db.session.scalar(sa.select(Proposal))
    assert [r.outcome for r in proposal.rounds] == [Outcome.objections, Outcome.consensus]
    assert len(proposal.versions) == 2
    assert proposal.is_decided


def test_diff_of_a_rewritten_sentence_stays_readable():
    parts = services.diff_texts(
        "Zuwanderer erhalten eine Wohnung in Quartieren",
        "Zuwanderer erhalten Wohnungen verteilt über alle Quartiere",
    )
    changed = [p for p in parts if p.kind in ("delete", "insert")]
    assert [p.kind for p in changed] == ["delete", "insert"]
    assert changed[0].text.strip() == "eine Wohnung in Quartieren"
