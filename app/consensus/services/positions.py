"""Positions in a round: recording and changing them, and their history."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...core.audit import record_audit
from ...core.database import utcnow
from ...extensions import db
from ...groups.models import Membership
from ..models import (
    Position,
    PositionChange,
    Round,
    Stance,
    Visibility,
)
from .access import voting_membership_of
from .errors import (
    NotARepresentative,
    NotAVotingMember,
    ReasonRequired,
    RoundClosed,
    SecretPositionFinal,
)
from .representation import answering_membership


def record_position(
    round_: Round,
    user: User,
    stance: Stance,
    reason: str = "",
    *,
    now: datetime | None = None,
) -> Position:
    """A voting member records or changes their position while the round is open; in a
    round per institution the representative or the deputy gives (or replaces) their
    organisation's one position. Reservations and objections need a reason.

    The round's row is locked first, as `close_round` does, so a position and the close
    are serialised: a position either lands before the close and is counted, or finds the
    round closed and is refused (RoundClosed, 409) with nothing stored. Every answer is
    kept in the position's history and written to the audit log."""
    now = now or utcnow()
    if not round_.is_open(now):
        raise RoundClosed()
    membership = answering_membership_in(round_, user)
    if membership is None:
        raise NotARepresentative() if round_.is_per_institution else NotAVotingMember()
    key = _position_key(round_, membership)
    reason = (reason or "").strip()
    if stance.needs_reason and not reason:
        raise ReasonRequired()
    if not lock_round(round_).is_open(now):
        raise RoundClosed()
    position = _position_where(round_, key)
    is_change = position is not None
    if round_.is_secret:
        if is_change:
            raise SecretPositionFinal()
        return _record_secret(round_, membership, key, user, stance, reason, now)
    if position is None:
        position = _insert_position(round_, membership, key, now)
    position.membership_id = membership.id
    position.answered_by_id = user.id
    position.stance = stance
    position.reason = reason
    position.updated_at = now
    db.session.add(
        PositionChange(
            round_id=round_.id,
            position=position,
            answered_by_id=user.id,
            stance=stance,
            reason=reason,
            created_at=now,
        )
    )
    round_.touch()
    db.session.flush()
    details = {"proposal": round_.proposal_id, "changed": is_change}
    if round_.visibility == Visibility.named:
        # Anonymous and secret rounds keep stances out of the log that names the actor.
        details["stance"] = stance.value
    record_audit(user, "consensus.record_position", round_, **details)
    return position


def _record_secret(round_, membership, key, user, stance, reason, now) -> Position:
    """In a secret round the position row says only that the member answered; the stance
    and reason join the round's ballots, sorted, so no order or time ties them to anyone.
    The audit log names who answered, not what."""
    position = _insert_position(round_, membership, key, now)
    position.answered_by_id = user.id
    position.updated_at = now
    round_.secret_ballots = sorted([*(round_.secret_ballots or []), [stance.value, reason]])
    round_.touch()
    db.session.flush()
    record_audit(user, "consensus.record_position", round_, proposal=round_.proposal_id)
    return position


def secret_stances(round_: Round) -> list[tuple[Stance, str]]:
    """A secret round's positions as (stance, reason), in no person's order."""
    return [(Stance(stance), reason) for stance, reason in round_.secret_ballots or []]


def stored_stances(round_: Round) -> list[Stance]:
    """The stances of the round's stored positions (whatever its visibility)."""
    if round_.is_secret:
        return [stance for stance, _reason in secret_stances(round_)]
    return list(
        db.session.scalars(sa.select(Position.stance).where(Position.round_id == round_.id))
    )


def lock_round(round_: Round) -> Round:
    """Locks the round's row until the transaction ends (SELECT … FOR UPDATE; SQLite has a
    single writer anyway) and reloads it, so that positions, reminders and the close
    happen one after the other and each sees the others' result."""
    return db.session.scalar(
        sa.select(Round)
        .where(Round.id == round_.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def history_of(round_: Round) -> dict[int, list[PositionChange]]:
    """Each position's answers in order, by position id."""
    history: dict[int, list[PositionChange]] = {}
    for change in db.session.scalars(
        sa.select(PositionChange)
        .where(PositionChange.round_id == round_.id)
        .options(selectinload(PositionChange.answered_by))
        .order_by(PositionChange.created_at, PositionChange.id)
    ):
        history.setdefault(change.position_id, []).append(change)
    return history


def answering_membership_in(round_: Round, user) -> Membership | None:
    """The membership with which `user` answers in this round, if they answer at all."""
    group = round_.proposal.group
    if round_.is_per_institution:
        return answering_membership(group, user)
    return voting_membership_of(group, user)


def position_of(round_: Round, membership: Membership) -> Position | None:
    """The position that membership gives (per institution: its organisation's)."""
    key = _position_key(round_, membership)
    return db.session.scalar(sa.select(Position).where(Position.round_id == round_.id, key))


def _position_key(round_: Round, membership: Membership):
    if round_.is_per_institution:
        return Position.organisation_id == membership.organisation_id
    return Position.membership_id == membership.id


def _position_where(round_: Round, key) -> Position | None:
    return db.session.scalar(
        sa.select(Position)
        .where(Position.round_id == round_.id, key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _insert_position(round_: Round, membership: Membership, key, now: datetime) -> Position:
    """Inserts the position in a savepoint. When a simultaneous request inserted it first,
    the unique constraint refuses ours and the row that won is updated instead."""
    position = Position(
        round_id=round_.id,
        membership_id=membership.id,
        organisation_id=membership.organisation_id if round_.is_per_institution else None,
        answered_by_id=membership.user_id,
        created_at=now,
        stance=None if round_.is_secret else Stance.agree,  # set by the caller
    )
    try:
        with db.session.begin_nested():
            db.session.add(position)
    except IntegrityError:
        position = _position_where(round_, key)
        if position is None:
            raise
    return position
