"""A round's lifecycle: opening on a version, closing (by the moderator or the worker)
with its outcome."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...auth.models import User
from ...core.audit import record_audit
from ...core.database import utcnow
from ...extensions import db
from ..models import (
    Outcome,
    Proposal,
    ProposalStatus,
    Round,
    Visibility,
    default_quorum,
)
from .access import count_eligible, require_moderator, require_open_proposal
from .errors import InvalidRound, NoVotingMembers, ReasonRequired, RoundAlreadyOpen, RoundClosed
from .positions import lock_round, stored_stances
from .reminders import mail_people, round_recipients, title_of
from .rules import DECISION_RULES, Tally, quorum_floor


def open_round(
    actor: User,
    proposal: Proposal,
    *,
    closes_at: datetime,
    visibility: Visibility = Visibility.named,
    is_tally_hidden: bool = False,
    quorum: int | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> Round:
    """Opens a round on the current version. The quorum defaults to two thirds of the
    voting members (or represented organisations) counted now; it must lie between the
    group's floor (a simple majority unless the group set another) and that number. Those
    who answer get a mail with the text and the deadline."""
    now = now or utcnow()
    require_moderator(actor, proposal.group)
    require_open_proposal(proposal)
    if proposal.current_round is not None:
        raise RoundAlreadyOpen()
    if closes_at <= now:
        raise InvalidRound(_("The closing time must lie in the future."))
    eligible = count_eligible(proposal.group)
    if not eligible:
        raise NoVotingMembers()
    if quorum is None:
        quorum = default_quorum(eligible)
    floor = quorum_floor(proposal.group, eligible)
    if not floor <= quorum <= eligible:
        if proposal.group.decides_per_institution:
            message = _(
                "The quorum must lie between %(floor)s and %(count)s organisations.",
                floor=floor,
                count=eligible,
            )
        else:
            message = _(
                "The quorum must lie between %(floor)s and %(count)s voting members.",
                floor=floor,
                count=eligible,
            )
        raise InvalidRound(message)
    number = (
        db.session.scalar(
            sa.select(sa.func.max(Round.number)).where(Round.proposal_id == proposal.id)
        )
        or 0
    ) + 1
    round_ = Round(
        proposal=proposal,
        version=proposal.current_version,
        number=number,
        visibility=visibility,
        is_tally_hidden=is_tally_hidden,
        is_per_institution=proposal.group.decides_per_institution,
        eligible_count=eligible,
        quorum=quorum,
        opened_at=now,
        opened_by_id=actor.id,
        closes_at=closes_at,
        tally={},
    )
    db.session.add(round_)
    db.session.flush()
    record_audit(
        actor,
        "consensus.open_round",
        round_,
        proposal=proposal.id,
        version=round_.version.number,
        quorum=quorum,
        visibility=visibility.value,
    )
    if notify:
        mail_people(
            round_recipients(round_),
            round_,
            "consensus/emails/round_opened",
            "consensus.round_opened",
            _l("Your position is asked: “%(title)s”", title=title_of(proposal)),
        )
    return round_


def close_round(
    actor: User | None,
    round_: Round,
    *,
    reason: str = "",
    now: datetime | None = None,
    notify: bool = True,
) -> Outcome:
    """Closes the round and writes its outcome and tally once. On consensus the proposal
    becomes a decision. `actor` is None when the worker closes a round that is due. A
    moderator who closes before the closing time gives a reason, shown in the record.
    Those who answer are told the outcome.

    The round's row is locked (as `record_position` does) so two moderators closing at
    once produce one outcome and no position arrives between the count and the close."""
    now = now or utcnow()
    reason = (reason or "").strip()
    if actor is not None:
        require_moderator(actor, round_.proposal.group)
    locked = lock_round(round_)
    if locked.closed_at is not None:
        raise RoundClosed(_("This round has already been closed."))
    closes_early = actor is not None and now < locked.closes_at
    if closes_early and not reason:
        raise ReasonRequired(_("Please say why the round closes before its closing time."))
    tally = Tally.of(stored_stances(round_))
    outcome = DECISION_RULES["consensus"].decide(tally, round_.quorum)
    round_.closed_at = min(now, round_.closes_at) if actor is None else now
    round_.closed_by_id = actor.id if actor is not None else None
    round_.outcome = outcome
    round_.tally = tally.as_json()
    round_.closed_early_reason = reason if closes_early else ""
    round_.touch()
    if outcome == Outcome.consensus:
        round_.proposal.status = ProposalStatus.decided
        round_.proposal.decided_at = round_.closed_at
    db.session.flush()
    record_audit(
        actor,
        "consensus.close_round",
        round_,
        proposal=round_.proposal_id,
        outcome=outcome.value,
        by="worker" if actor is None else "moderator",
        early_reason=round_.closed_early_reason or None,
    )
    if notify:
        mail_people(
            round_recipients(round_),
            round_,
            "consensus/emails/outcome",
            "consensus.outcome",
            _l(
                "Outcome of round %(number)s: “%(title)s”",
                number=round_.number,
                title=title_of(round_.proposal),
            ),
        )
    return outcome


def close_due_rounds(now: datetime | None = None) -> list[Round]:
    """Closes every round whose closing time has passed (run by the worker)."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Round)
        .where(Round.closed_at.is_(None), Round.closes_at <= now)
        .order_by(Round.closes_at, Round.id)
    ).all()
    closed = []
    for round_ in due:
        try:
            close_round(None, round_, now=now)
        except RoundClosed:
            continue
        closed.append(round_)
    return closed


def close_due_rounds_job(limit: int) -> int:
    """The worker's producer hook: closes due rounds; returns how many."""
    return len(close_due_rounds())
