"""The consensus rules: who moderates and who takes a position, how a round opens and
closes, what its outcome is, and how a proposal is revised after objections.

Every function takes the acting person, checks the rule, changes the session and flushes;
the view (or the worker) commits once. A broken rule raises a ConsensusError subclass with
a translated message. Every moderator action is written to the audit log."""

import difflib
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.urls import external_url
from ..extensions import db
from ..groups.models import Membership, Role, WorkingGroup
from .models import (
    Comment,
    Outcome,
    Position,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Round,
    RoundReminder,
    Stance,
    Visibility,
)

QUORUM_SHARE = (2, 3)
REMINDER_INTERVAL = timedelta(days=1)
COMMENT_EDIT_WINDOW = timedelta(minutes=15)
BINDING_LANGUAGES = ("", "nl", "de")


class ConsensusError(DomainError):
    message = _l("This action is not allowed on this proposal.")


class NotModerator(ConsensusError):
    status_code = 403
    message = _l("Only the group's moderator or the project manager may do this.")


class NotAVotingMember(ConsensusError):
    status_code = 403
    message = _l(
        "Only voting members of the group take a position; observers and the moderator do not."
    )


class RoundClosed(ConsensusError):
    message = _l("This round is closed; positions can no longer be changed.")


class RoundAlreadyOpen(ConsensusError):
    message = _l("A round is already open on this proposal. Close it first.")


class ProposalDecided(ConsensusError):
    message = _l("This proposal has been decided; its record cannot be changed.")


class ReasonRequired(ConsensusError):
    status_code = 400
    message = _l("Please give a reason for reservations or an objection.")


class InvalidRound(ConsensusError):
    status_code = 400
    message = _l("The round cannot be opened with these settings.")


class ReminderTooSoon(ConsensusError):
    status_code = 429
    message = _l("A reminder for this round was sent less than a day ago.")


class NoVotingMembers(ConsensusError):
    message = _l("This group has no voting members, so no round can be opened.")


# --- the decision rule ---------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    counts: dict[Stance, int]

    @classmethod
    def of(cls, stances: Iterable[Stance]) -> "Tally":
        counter = Counter(stances)
        return cls({stance: counter.get(stance, 0) for stance in Stance})

    @classmethod
    def from_json(cls, data: dict[str, int]) -> "Tally":
        return cls({stance: int(data.get(stance.value, 0)) for stance in Stance})

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, int]:
        return {stance.value: n for stance, n in self.counts.items()}


class DecisionRule:
    """Turns a round's tally into an outcome. Registered by name in DECISION_RULES."""

    name = ""

    def decide(self, tally: Tally, quorum: int) -> Outcome:
        raise NotImplementedError


DECISION_RULES: dict[str, DecisionRule] = {}


def register_rule(cls: type[DecisionRule]) -> type[DecisionRule]:
    DECISION_RULES[cls.name] = cls()
    return cls


@register_rule
class ConsensusRule(DecisionRule):
    """Consensus when the quorum answered and nobody objects; standing aside and
    reservations do not block."""

    name = "consensus"

    def decide(self, tally: Tally, quorum: int) -> Outcome:
        if tally.answered < quorum:
            return Outcome.no_quorum
        if tally.counts[Stance.object]:
            return Outcome.objections
        return Outcome.consensus


def compute_outcome(stances: Iterable[Stance], quorum: int, rule: str = "consensus") -> Outcome:
    """The outcome of a round from its stances alone (a pure function)."""
    return DECISION_RULES[rule].decide(Tally.of(stances), quorum)


def default_quorum(eligible: int) -> int:
    """Two thirds of the voting members, rounded up (at least one)."""
    numerator, denominator = QUORUM_SHARE
    return max(1, math.ceil(eligible * numerator / denominator))


# --- who may do what -----------------------------------------------------------------


def _active_membership(group: WorkingGroup, user) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.group_id == group.id,
            Membership.user_id == user.id,
            Membership.left_on.is_(None),
        )
    )


def can_moderate(group: WorkingGroup, user) -> bool:
    """The group's moderator and the project manager lead proposals and rounds."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    membership = _active_membership(group, user)
    return membership is not None and membership.role == Role.moderator


def takes_position(membership: Membership | None) -> bool:
    """A voting member takes a position; observers and the moderator in that role do not."""
    return membership is not None and membership.can_vote and membership.role != Role.moderator


def _voting_criteria(group: WorkingGroup) -> tuple:
    return (
        Membership.group_id == group.id,
        Membership.left_on.is_(None),
        Membership.is_voting.is_(True),
        Membership.role.not_in([Role.observer, Role.moderator]),
    )


def count_voting_members(group: WorkingGroup) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Membership.id)).where(*_voting_criteria(group))
    )


def voting_memberships_stmt(group: WorkingGroup):
    return (
        sa.select(Membership)
        .where(*_voting_criteria(group))
        .options(selectinload(Membership.user), selectinload(Membership.organisation))
        .join(User, User.id == Membership.user_id)
        .order_by(sa.func.lower(User.name), Membership.id)
    )


def voting_memberships(group: WorkingGroup) -> list[Membership]:
    return list(db.session.scalars(voting_memberships_stmt(group)))


def voting_membership_of(group: WorkingGroup, user) -> Membership | None:
    membership = _active_membership(group, user)
    return membership if takes_position(membership) else None


def _require_moderator(actor, group: WorkingGroup) -> None:
    if not can_moderate(group, actor):
        raise NotModerator()


def _require_open_proposal(proposal: Proposal) -> None:
    if proposal.is_decided:
        raise ProposalDecided()


# --- proposals and versions ----------------------------------------------------------


def _clean_binding(binding_language: str) -> str:
    if binding_language not in BINDING_LANGUAGES:
        raise InvalidRound(_("Choose Dutch, German or no binding language."))
    return binding_language


def create_proposal(
    actor: User,
    group: WorkingGroup,
    *,
    title: str,
    text_nl: str,
    text_de: str,
    binding_language: str = "",
    change_note: str = "",
) -> Proposal:
    """The moderator (or project manager) puts a proposal to the group with version 1."""
    _require_moderator(actor, group)
    proposal = Proposal(group=group, title=title.strip(), created_by_id=actor.id)
    db.session.add(proposal)
    db.session.flush()
    _add_version(actor, proposal, text_nl, text_de, binding_language, change_note)
    record_audit(actor, "consensus.create_proposal", proposal, title=proposal.title)
    return proposal


def _add_version(actor, proposal, text_nl, text_de, binding_language, change_note):
    number = (
        db.session.scalar(
            sa.select(sa.func.max(ProposalVersion.number)).where(
                ProposalVersion.proposal_id == proposal.id
            )
        )
        or 0
    ) + 1
    version = ProposalVersion(
        proposal=proposal,
        number=number,
        text_nl=text_nl.strip(),
        text_de=text_de.strip(),
        binding_language=_clean_binding(binding_language),
        change_note=change_note.strip(),
        author_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    return version


def revise_proposal(
    actor: User,
    proposal: Proposal,
    *,
    text_nl: str,
    text_de: str,
    binding_language: str = "",
    change_note: str = "",
) -> ProposalVersion:
    """The moderator writes the next version; not while a round is open, not after the
    decision."""
    _require_moderator(actor, proposal.group)
    _require_open_proposal(proposal)
    if proposal.current_round is not None:
        raise RoundAlreadyOpen()
    version = _add_version(actor, proposal, text_nl, text_de, binding_language, change_note)
    record_audit(actor, "consensus.revise_proposal", proposal, version=version.number)
    return version


# --- rounds --------------------------------------------------------------------------


def open_round(
    actor: User,
    proposal: Proposal,
    *,
    closes_at: datetime,
    visibility: Visibility = Visibility.named,
    is_tally_hidden: bool = False,
    quorum: int | None = None,
    now: datetime | None = None,
) -> Round:
    """Opens a round on the current version. The quorum defaults to two thirds of the
    voting members counted now; it must lie between 1 and that number."""
    now = now or utcnow()
    _require_moderator(actor, proposal.group)
    _require_open_proposal(proposal)
    if proposal.current_round is not None:
        raise RoundAlreadyOpen()
    if closes_at <= now:
        raise InvalidRound(_("The closing time must lie in the future."))
    eligible = count_voting_members(proposal.group)
    if not eligible:
        raise NoVotingMembers()
    if quorum is None:
        quorum = default_quorum(eligible)
    if not 1 <= quorum <= eligible:
        raise InvalidRound(
            _("The quorum must lie between 1 and %(count)s voting members.", count=eligible)
        )
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
    return round_


def record_position(
    round_: Round,
    user: User,
    stance: Stance,
    reason: str = "",
    *,
    now: datetime | None = None,
) -> Position:
    """A voting member records or changes their position while the round is open.
    Reservations and objections need a reason."""
    now = now or utcnow()
    if not round_.is_open(now):
        raise RoundClosed()
    membership = voting_membership_of(round_.proposal.group, user)
    if membership is None:
        raise NotAVotingMember()
    reason = (reason or "").strip()
    if stance.needs_reason and not reason:
        raise ReasonRequired()
    position = db.session.scalar(
        sa.select(Position).where(
            Position.round_id == round_.id, Position.membership_id == membership.id
        )
    )
    if position is None:
        position = Position(round=round_, membership=membership, created_at=now)
        db.session.add(position)
    position.stance = stance
    position.reason = reason
    position.updated_at = now
    db.session.flush()
    return position


def close_round(actor: User | None, round_: Round, *, now: datetime | None = None) -> Outcome:
    """Closes the round and writes its outcome and tally once. On consensus the proposal
    becomes a decision. `actor` is None when the worker closes a round that is due."""
    now = now or utcnow()
    if actor is not None:
        _require_moderator(actor, round_.proposal.group)
    # Lock the row so two moderators closing at once produce one outcome.
    locked = db.session.scalar(
        sa.select(Round)
        .where(Round.id == round_.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked.closed_at is not None:
        raise RoundClosed(_("This round has already been closed."))
    stances = db.session.scalars(sa.select(Position.stance).where(Position.round_id == round_.id))
    tally = Tally.of(stances)
    outcome = DECISION_RULES["consensus"].decide(tally, round_.quorum)
    round_.closed_at = min(now, round_.closes_at) if actor is None else now
    round_.closed_by_id = actor.id if actor is not None else None
    round_.outcome = outcome
    round_.tally = tally.as_json()
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


# --- reminders -----------------------------------------------------------------------


def not_answered(round_: Round) -> list[Membership]:
    answered = set(
        db.session.scalars(sa.select(Position.membership_id).where(Position.round_id == round_.id))
    )
    return [m for m in voting_memberships(round_.proposal.group) if m.id not in answered]


def remind_non_responders(
    actor: User, round_: Round, *, now: datetime | None = None
) -> RoundReminder:
    """One mail each, in their language, to the voting members who have not answered;
    not more than once a day per round."""
    from ..mail.services import queue_template_mail

    now = now or utcnow()
    _require_moderator(actor, round_.proposal.group)
    if not round_.is_open(now):
        raise RoundClosed()
    last = db.session.scalar(
        sa.select(sa.func.max(RoundReminder.sent_at)).where(RoundReminder.round_id == round_.id)
    )
    if last is not None and now - last < REMINDER_INTERVAL:
        raise ReminderTooSoon()
    recipients = not_answered(round_)
    link = external_url("consensus.show", proposal_id=round_.proposal_id)
    for membership in recipients:
        person = membership.user
        locale = person.locale or "nl"
        from flask_babel import force_locale

        with force_locale(locale):
            deadline = format_datetime(round_.closes_at, "long")
            subject = _(
                "Reminder: your position on “%(title)s” is still missing",
                title=round_.proposal.title,
            )
        queue_template_mail(
            "consensus/emails/reminder",
            to=(person.name, person.email),
            locale=locale,
            subject=subject,
            category="consensus.reminder",
            person=person,
            round=round_,
            proposal=round_.proposal,
            deadline=deadline,
            link=link,
        )
    reminder = RoundReminder(
        round=round_, sent_at=now, sent_by_id=actor.id, recipient_count=len(recipients)
    )
    db.session.add(reminder)
    db.session.flush()
    record_audit(actor, "consensus.remind", round_, recipients=len(recipients))
    return reminder


# --- discussion ----------------------------------------------------------------------


class NotAMember(ConsensusError):
    status_code = 403
    message = _l("Only members of the group take part in the discussion.")


class EditWindowPassed(ConsensusError):
    status_code = 403
    message = _l("A contribution can only be edited by its author for 15 minutes.")


def can_comment(group: WorkingGroup, user) -> bool:
    """Active members of the group (observers too) and the project manager."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin) or _active_membership(group, user) is not None


def add_comment(actor: User, proposal: Proposal, body: str) -> Comment:
    """A member adds a contribution to the discussion while the proposal is open."""
    _require_open_proposal(proposal)
    if not can_comment(proposal.group, actor):
        raise NotAMember()
    comment = Comment(proposal=proposal, author_id=actor.id, body=body.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


def edit_comment(
    actor: User, comment: Comment, body: str, *, now: datetime | None = None
) -> Comment:
    """Its author edits a contribution within 15 minutes of writing it."""
    now = now or utcnow()
    if not comment.is_editable_by(actor, now):
        raise EditWindowPassed()
    comment.body = body.strip()
    comment.edited_at = now
    db.session.flush()
    return comment


def hide_comment(actor: User, comment: Comment, reason: str) -> Comment:
    """The moderator hides a contribution; the reason stays visible in its place."""
    _require_moderator(actor, comment.proposal.group)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Please give the reason for hiding this contribution."))
    comment.hidden_at = utcnow()
    comment.hidden_by_id = actor.id
    comment.hidden_reason = reason
    db.session.flush()
    record_audit(
        actor, "consensus.hide_comment", comment, proposal=comment.proposal_id, reason=reason
    )
    return comment


# --- reading -------------------------------------------------------------------------


@dataclass
class DiffPart:
    kind: str  # "equal", "insert", "delete", or "gap" (a space between the two)
    text: str


_TOKENS = re.compile(r"\s+|[^\s]+")


def diff_texts(old: str, new: str) -> list[DiffPart]:
    """A word-level diff of two texts, as runs of equal, deleted and inserted text.

    For readability a short common word between two changes ("in", "der") is folded into
    the change, and each changed stretch shows all removed text before all added text."""
    a = _TOKENS.findall(old or "")
    b = _TOKENS.findall(new or "")
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    opcodes = matcher.get_opcodes()
    blocks: list[tuple[str, str, str]] = []  # (kind, removed, added)
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        is_inner = 0 < index < len(opcodes) - 1
        if tag == "equal" and not (is_inner and len(removed.strip()) <= 3):
            blocks.append(("equal", removed, added))
            continue
        if blocks and blocks[-1][0] == "change":
            _, old_removed, old_added = blocks.pop()
            removed, added = old_removed + removed, old_added + added
        blocks.append(("change", removed, added))
    parts: list[DiffPart] = []
    for kind, removed, added in blocks:
        if kind == "equal":
            parts.append(DiffPart("equal", removed))
            continue
        if removed:
            parts.append(DiffPart("delete", removed))
        if removed.strip() and added.strip():
            parts.append(DiffPart("gap", " "))  # keeps "eine" and "Wohnungen" apart
        if added:
            parts.append(DiffPart("insert", added))
    return parts


@dataclass
class RoundView:
    """What one viewer may see of a round: the tally, and positions with or without names."""

    round: Round
    show_tally: bool
    show_names: bool
    tally: Tally
    objections: list[Position] = field(default_factory=list)
    reservations: list[Position] = field(default_factory=list)
    stand_asides: list[Position] = field(default_factory=list)
    answered: list[Membership] = field(default_factory=list)
    waiting: list[Membership] = field(default_factory=list)
    show_participation: bool = False

    def as_json(self) -> dict:
        def entry(position: Position) -> dict:
            data = {"stance": position.stance.value, "reason": position.reason}
            if self.show_names:
                data["name"] = position.membership.user.name
                org = position.membership.organisation
                data["organisation"] = org.name if org else ""
            return data

        r = self.round
        data = {
            "round": r.number,
            "is_open": r.is_open(),
            "closes_at": r.closes_at.isoformat(),
            "quorum": r.quorum,
            "eligible": r.eligible_count,
            "outcome": r.outcome.value if r.outcome else None,
            "tally_hidden": not self.show_tally,
        }
        if self.show_tally:
            data["answered"] = self.tally.answered
            data["tally"] = self.tally.as_json()
            data["objections"] = [entry(p) for p in self.objections]
            data["reservations"] = [entry(p) for p in self.reservations]
        if self.show_participation:
            data["not_answered"] = [m.user.name for m in self.waiting]
        return data


def round_view(round_: Round, viewer, *, is_moderator: bool) -> RoundView:
    """Loads the round's positions in a fixed number of queries and keeps what the viewer
    may see. Members of anonymous rounds never get names; nobody gets them in secret ones."""
    show_tally = round_.shows_tally_to(is_moderator=is_moderator)
    show_names = round_.shows_names_to(viewer, is_moderator=is_moderator)
    # The voting members first: the positions' memberships then come from the identity map.
    members = voting_memberships(round_.proposal.group)
    member_ids = {m.id for m in members}
    positions = db.session.scalars(
        sa.select(Position)
        .where(Position.round_id == round_.id)
        .order_by(Position.updated_at, Position.id)
    ).all()
    if any(p.membership_id not in member_ids for p in positions):
        # Someone answered and left the group since: load their memberships in one go.
        db.session.scalars(
            sa.select(Membership)
            .where(Membership.id.in_([p.membership_id for p in positions]))
            .options(selectinload(Membership.user), selectinload(Membership.organisation))
        ).all()
    if round_.is_closed and round_.tally:
        tally = Tally.from_json(round_.tally)
    else:
        tally = Tally.of(p.stance for p in positions)
    view = RoundView(round=round_, show_tally=show_tally, show_names=show_names, tally=tally)
    if show_tally:
        view.objections = [p for p in positions if p.stance == Stance.object]
        view.reservations = [p for p in positions if p.stance == Stance.agree_with_reservations]
        view.stand_asides = [p for p in positions if p.stance == Stance.stand_aside]
    if is_moderator:
        # The moderator sees who has answered (for reminders) in every mode; which stance
        # each person took only when names are shown.
        view.show_participation = True
        answered_ids = {p.membership_id for p in positions}
        by_id = {p.membership_id: p.membership for p in positions}
        view.answered = sorted(by_id.values(), key=lambda m: (m.user.name.lower(), m.id))
        view.waiting = [m for m in members if m.id not in answered_ids]
    return view
