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
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.dates import format_when
from ..core.errors import DomainError
from ..core.urls import external_url
from ..extensions import db
from ..groups.models import Membership, Role, WorkingGroup
from ..partners.models import Organisation
from .models import (
    Comment,
    Outcome,
    Position,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    Representation,
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


class NotARepresentative(ConsensusError):
    status_code = 403
    message = _l(
        "This group decides per institution: only an organisation's representative or their deputy answers for it."
    )


class NotAllowedToName(ConsensusError):
    status_code = 403
    message = _l(
        "Only the project manager names representatives; a representative names their own deputy."
    )


class InvalidRepresentation(ConsensusError):
    status_code = 400
    message = _l("This person cannot answer for this organisation in this group.")


class CannotSupersede(ConsensusError):
    status_code = 400
    message = _l("Only a decision of the same group can be superseded.")


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


def count_eligible(group: WorkingGroup) -> int:
    """Voting members, or in a group that decides per institution the organisations they
    represent."""
    if not group.decides_per_institution:
        return count_voting_members(group)
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Membership.organisation_id))).where(
            *_voting_criteria(group), Membership.organisation_id.is_not(None)
        )
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


# --- deciding per institution -------------------------------------------------------


def representations_of(group: WorkingGroup) -> list[Representation]:
    return list(
        db.session.scalars(
            sa.select(Representation)
            .where(Representation.group_id == group.id)
            .options(
                selectinload(Representation.representative),
                selectinload(Representation.deputy),
            )
        )
    )


def answering_membership(group: WorkingGroup, user) -> Membership | None:
    """The membership with which `user` answers for an organisation: as its named
    representative (a voting member) or as the deputy the representative named."""
    membership = _active_membership(group, user)
    if membership is None or membership.organisation_id is None:
        return None
    representation = db.session.scalar(
        sa.select(Representation).where(
            Representation.group_id == group.id,
            Representation.organisation_id == membership.organisation_id,
        )
    )
    if representation is None or not representation.answers(user):
        return None
    if user.id == representation.representative_id and not takes_position(membership):
        return None
    return membership if _may_deputise(membership) else None


def _may_deputise(membership: Membership) -> bool:
    return membership.is_active and membership.role not in (Role.observer, Role.moderator)


@dataclass
class RepresentationRow:
    """One represented organisation: who answers for it, and who may."""

    organisation: Organisation
    representation: Representation | None
    representatives: list[User]  # its voting members
    deputies: list[User]  # its other members who may deputise


def representation_rows(group: WorkingGroup) -> list[RepresentationRow]:
    """The organisations of the group's voting members with their representation, in a
    fixed number of queries."""
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(
            Membership.group_id == group.id,
            Membership.left_on.is_(None),
            Membership.organisation_id.is_not(None),
        )
        .options(selectinload(Membership.user), selectinload(Membership.organisation))
    ).all()
    by_org = {r.organisation_id: r for r in representations_of(group)}
    rows: dict[int, RepresentationRow] = {}
    for m in sorted(memberships, key=lambda m: (m.user.name.lower(), m.id)):
        if takes_position(m):
            row = rows.setdefault(
                m.organisation_id,
                RepresentationRow(m.organisation, by_org.get(m.organisation_id), [], []),
            )
            row.representatives.append(m.user)
    for m in memberships:
        if m.organisation_id in rows and _may_deputise(m):
            rows[m.organisation_id].deputies.append(m.user)
    return sorted(rows.values(), key=lambda row: row.organisation.name.lower())


def set_representation(
    actor: User,
    group: WorkingGroup,
    organisation_id: int,
    *,
    representative_id: int | None,
    deputy_id: int | None,
) -> Representation:
    """The project manager names an organisation's representative and deputy; the
    representative names (or removes) their own deputy. `representative_id` None keeps
    the representative."""
    if not group.decides_per_institution:
        raise InvalidRepresentation(_("This group decides per person, not per institution."))
    row = next(
        (r for r in representation_rows(group) if r.organisation.id == organisation_id), None
    )
    if row is None:
        raise InvalidRepresentation()
    current = row.representation
    is_manager = bool(getattr(actor, "is_admin", False))
    if not is_manager and (
        current is None
        or actor.id != current.representative_id
        or representative_id not in (None, current.representative_id)
    ):
        raise NotAllowedToName()
    representative_id = representative_id or (current.representative_id if current else None)
    if representative_id not in {u.id for u in row.representatives}:
        raise InvalidRepresentation(_("The representative must be a voting member for it."))
    if deputy_id is not None and (
        deputy_id == representative_id or deputy_id not in {u.id for u in row.deputies}
    ):
        raise InvalidRepresentation(
            _("The deputy must be another member of the group for the same organisation.")
        )
    if current is None:
        current = Representation(group_id=group.id, organisation_id=organisation_id)
        db.session.add(current)
    current.representative_id = representative_id
    current.deputy_id = deputy_id
    current.updated_at = utcnow()
    db.session.flush()
    record_audit(
        actor,
        "consensus.set_representation",
        current,
        organisation=organisation_id,
        representative=representative_id,
        deputy=deputy_id,
    )
    return current


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
    supersedes: Proposal | None = None,
) -> Proposal:
    """The moderator (or project manager) puts a proposal to the group with version 1.
    A decision is never edited: a new proposal may supersede a decision of the group."""
    _require_moderator(actor, group)
    if supersedes is not None and (supersedes.group_id != group.id or not supersedes.is_decided):
        raise CannotSupersede()
    proposal = Proposal(
        group=group, title=title.strip(), created_by_id=actor.id, supersedes=supersedes
    )
    db.session.add(proposal)
    db.session.flush()
    _add_version(actor, proposal, text_nl, text_de, binding_language, change_note)
    record_audit(
        actor,
        "consensus.create_proposal",
        proposal,
        title=proposal.title,
        supersedes=supersedes.id if supersedes else None,
    )
    return proposal


def decisions_of(group: WorkingGroup) -> list[Proposal]:
    """The group's decisions, newest first: what a new proposal may supersede."""
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.group_id == group.id, Proposal.status == ProposalStatus.decided)
            .order_by(Proposal.decided_at.desc(), Proposal.id.desc())
        )
    )


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
    notify: bool = True,
) -> Round:
    """Opens a round on the current version. The quorum defaults to two thirds of the
    voting members (or represented organisations) counted now; it must lie between 1 and
    that number. Those who answer get a mail with the text and the deadline."""
    now = now or utcnow()
    _require_moderator(actor, proposal.group)
    _require_open_proposal(proposal)
    if proposal.current_round is not None:
        raise RoundAlreadyOpen()
    if closes_at <= now:
        raise InvalidRound(_("The closing time must lie in the future."))
    eligible = count_eligible(proposal.group)
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
        _mail_people(
            round_recipients(round_),
            round_,
            "consensus/emails/round_opened",
            "consensus.round_opened",
            _l("Your position is asked: “%(title)s”", title=proposal.title),
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
    """A voting member records or changes their position while the round is open; in a
    round per institution the representative or the deputy gives (or replaces) their
    organisation's one position. Reservations and objections need a reason."""
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
    position = _position_where(round_, key)
    if position is None:
        position = _insert_position(round_, membership, key, now)
    position.membership_id = membership.id
    position.answered_by_id = user.id
    position.stance = stance
    position.reason = reason
    position.updated_at = now
    db.session.flush()
    return position


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
        stance=Stance.agree,  # overwritten by the caller
    )
    try:
        with db.session.begin_nested():
            db.session.add(position)
    except IntegrityError:
        position = _position_where(round_, key)
        if position is None:
            raise
    return position


def close_round(
    actor: User | None, round_: Round, *, now: datetime | None = None, notify: bool = True
) -> Outcome:
    """Closes the round and writes its outcome and tally once. On consensus the proposal
    becomes a decision. `actor` is None when the worker closes a round that is due. Those
    who answer are told the outcome."""
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
    if notify:
        _mail_people(
            round_recipients(round_),
            round_,
            "consensus/emails/outcome",
            "consensus.outcome",
            _l(
                "Outcome of round %(number)s: “%(title)s”",
                number=round_.number,
                title=round_.proposal.title,
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


# --- reminders and mails ------------------------------------------------------------


def answered_keys(round_: Round) -> set[int]:
    """Membership ids (or organisation ids, per institution) that have answered."""
    column = Position.organisation_id if round_.is_per_institution else Position.membership_id
    return set(db.session.scalars(sa.select(column).where(Position.round_id == round_.id)))


def _people_of(representations: Iterable[Representation]) -> list[User]:
    people: dict[int, User] = {}
    for representation in representations:
        for person in (representation.representative, representation.deputy):
            if person is not None:
                people.setdefault(person.id, person)
    return list(people.values())


def round_recipients(round_: Round, *, only_waiting: bool = False) -> list[User]:
    """Who answers in the round: the voting members, or per institution the
    representatives and deputies; with `only_waiting` only those who have not answered."""
    answered = answered_keys(round_) if only_waiting else set()
    group = round_.proposal.group
    if round_.is_per_institution:
        return _people_of(r for r in representations_of(group) if r.organisation_id not in answered)
    return [m.user for m in voting_memberships(group) if m.id not in answered]


def _mail_people(people: list[User], round_: Round, template: str, category: str, subject):
    """One mail each, in the person's language, with the deadline in Europe/Berlin time."""
    from ..mail.services import queue_template_mail

    proposal = round_.proposal
    for person in people:
        locale = person.locale or "nl"
        with force_locale(locale):
            deadline = format_when(round_.closes_at)
        queue_template_mail(
            template,
            to=(person.name, person.email),
            locale=locale,
            subject=subject,
            category=category,
            person=person,
            round=round_,
            proposal=proposal,
            version=round_.version,
            tally=Tally.from_json(round_.tally or {}),
            deadline=deadline,
            link=external_url("consensus.show", proposal_id=proposal.id),
            decision_link=external_url("consensus.decision", proposal_id=proposal.id),
        )


def remind_non_responders(
    actor: User, round_: Round, *, now: datetime | None = None
) -> RoundReminder:
    """One mail each, in their language, to those who have not answered (per institution:
    the representative and the deputy of each organisation still missing); not more than
    once a day per round."""
    now = now or utcnow()
    _require_moderator(actor, round_.proposal.group)
    if not round_.is_open(now):
        raise RoundClosed()
    last = db.session.scalar(
        sa.select(sa.func.max(RoundReminder.sent_at)).where(RoundReminder.round_id == round_.id)
    )
    if last is not None and now - last < REMINDER_INTERVAL:
        raise ReminderTooSoon()
    recipients = round_recipients(round_, only_waiting=True)
    _mail_people(
        recipients,
        round_,
        "consensus/emails/reminder",
        "consensus.reminder",
        _l("Reminder: your position on “%(title)s” is still missing", title=round_.proposal.title),
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
class Seat:
    """One who answers in a round: a voting member, or per institution an organisation
    with the person who answered for it (or its representative while it is missing)."""

    person: User | None
    organisation: Organisation | None


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
    answered: list[Seat] = field(default_factory=list)
    waiting: list[Seat] = field(default_factory=list)
    show_participation: bool = False

    def as_json(self) -> dict:
        def entry(position: Position) -> dict:
            data = {"stance": position.stance.value, "reason": position.reason}
            if self.show_names:
                seat = seat_of(position)
                data["name"] = seat.person.name if seat.person else ""
                data["organisation"] = seat.organisation.name if seat.organisation else ""
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
            data["not_answered"] = [seat_label(seat) for seat in self.waiting]
        return data


def seat_of(position: Position) -> Seat:
    if position.organisation_id is not None:
        return Seat(position.answered_by, position.organisation)
    return Seat(position.membership.user, position.membership.organisation)


def seat_label(seat: Seat) -> str:
    name = seat.person.name if seat.person else _("no representative named")
    if seat.organisation is None:
        return name
    return _("%(person)s for %(organisation)s", person=name, organisation=seat.organisation.name)


def round_view(round_: Round, viewer, *, is_moderator: bool) -> RoundView:
    """Loads the round's positions in a fixed number of queries and keeps what the viewer
    may see. Members of anonymous rounds never get names; nobody gets them in secret ones."""
    show_tally = round_.shows_tally_to(is_moderator=is_moderator)
    show_names = round_.shows_names_to(viewer, is_moderator=is_moderator)
    # The voting members first: the positions' memberships then come from the identity map.
    members = voting_memberships(round_.proposal.group)
    member_ids = {m.id for m in members}
    stmt = (
        sa.select(Position)
        .where(Position.round_id == round_.id)
        .order_by(Position.updated_at, Position.id)
    )
    if round_.is_per_institution:
        stmt = stmt.options(selectinload(Position.answered_by), selectinload(Position.organisation))
    positions = db.session.scalars(stmt).all()
    if any(p.membership_id not in member_ids for p in positions):
        # Someone answered and left the group since (or a deputy answered): load their
        # memberships in one go.
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
        seats = sorted(
            (seat_of(p) for p in positions),
            key=lambda seat: seat_label(seat).lower(),
        )
        view.answered = seats
        view.waiting = _waiting_seats(round_, members, positions)
    return view


def _waiting_seats(round_: Round, members: list[Membership], positions) -> list[Seat]:
    if not round_.is_per_institution:
        answered_ids = {p.membership_id for p in positions}
        return [Seat(m.user, m.organisation) for m in members if m.id not in answered_ids]
    answered_orgs = {p.organisation_id for p in positions}
    by_org = {r.organisation_id: r for r in representations_of(round_.proposal.group)}
    organisations = {m.organisation_id: m.organisation for m in members if m.organisation_id}
    waiting = [
        Seat(by_org[org_id].representative if org_id in by_org else None, organisation)
        for org_id, organisation in organisations.items()
        if org_id not in answered_orgs
    ]
    return sorted(waiting, key=lambda seat: seat.organisation.name.lower())
