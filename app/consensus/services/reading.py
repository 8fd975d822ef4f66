"""What a viewer may see: a round's tally and positions, and the diff between versions."""

import difflib
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ...auth.models import User
from ...extensions import db
from ...groups.models import Membership
from ...partners.models import Organisation
from ..models import (
    Position,
    PositionChange,
    Round,
    Stance,
)
from .access import can_moderate, moderates_group, voting_memberships
from .positions import history_of, secret_stances
from .representation import representations_of
from .rules import Tally


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


@dataclass(frozen=True)
class Ballot:
    """A position in a secret round: a stance and a reason, and nobody's name."""

    stance: Stance
    reason: str


@dataclass
class HistoryEntry:
    """The answers one member (or organisation) gave in a round, in order; `label` is their
    name, or "Participant 3" where the viewer may not see names."""

    label: str
    changes: list[PositionChange]


@dataclass
class RoundView:
    """What one viewer may see of a round: the tally, and positions with or without names."""

    round: Round
    show_tally: bool
    show_names: bool
    tally: Tally
    answered_count: int = 0
    objections: list[Position] = field(default_factory=list)
    reservations: list[Position] = field(default_factory=list)
    stand_asides: list[Position] = field(default_factory=list)
    answered: list[Seat] = field(default_factory=list)
    waiting: list[Seat] = field(default_factory=list)
    show_participation: bool = False
    # Positions changed at least once, with every answer (only where the tally shows).
    history: list[HistoryEntry] = field(default_factory=list)
    change_count: int = 0

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
            "revision": r.revision,
            "is_open": r.is_open(),
            "closes_at": r.closes_at.isoformat(),
            "quorum": r.quorum,
            "eligible": r.eligible_count,
            "counts": "organisations" if r.is_per_institution else "members",
            "answered": self.answered_count,
            "outcome": r.outcome.value if r.outcome else None,
            "tally_hidden": not self.show_tally,
        }
        if self.show_tally:
            data["tally"] = self.tally.as_json()
            data["objections"] = [entry(p) for p in self.objections]
            data["reservations"] = [entry(p) for p in self.reservations]
            data["changes"] = self.change_count
            data["history"] = [
                {
                    "who": item.label,
                    "answers": [
                        {
                            "stance": c.stance.value,
                            "reason": c.reason,
                            "at": c.created_at.isoformat(),
                        }
                        for c in item.changes
                    ],
                }
                for item in self.history
            ]
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


def round_view(
    round_: Round,
    viewer,
    *,
    is_moderator: bool | None = None,
    show_participation: bool | None = None,
) -> RoundView:
    """Loads the round's positions in a fixed number of queries and keeps what the viewer
    may see. Only the group's moderators see names in anonymous rounds and the tally a
    round hides; the project manager sees what a member sees unless they moderate the
    group. Nobody sees names in secret rounds. Whoever may run the round (the moderator
    and the project manager) sees who has answered, for the reminders.

    `is_moderator` and `show_participation` override what is worked out from `viewer`
    (the projected view passes False for both: it shows what the room may see)."""
    group = round_.proposal.group
    if is_moderator is None:
        is_moderator = moderates_group(group, viewer)
    if show_participation is None:
        show_participation = is_moderator or can_moderate(group, viewer)
    show_tally = round_.shows_tally_to(is_group_moderator=is_moderator)
    show_names = round_.shows_names_to(is_group_moderator=is_moderator)
    # The voting members first: the positions' memberships then come from the identity map.
    members = voting_memberships(group)
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
    # What the tally and the reasons are made of: the positions, or a secret round's
    # ballots, which name nobody.
    ballots = (
        [Ballot(stance, reason) for stance, reason in secret_stances(round_)]
        if round_.is_secret
        else positions
    )
    if round_.is_closed and round_.tally:
        tally = Tally.from_json(round_.tally)
    else:
        tally = Tally.of(b.stance for b in ballots)
    view = RoundView(
        round=round_,
        show_tally=show_tally,
        show_names=show_names,
        tally=tally,
        answered_count=tally.answered if round_.is_closed else len(positions),
    )
    if show_tally:
        view.objections = [b for b in ballots if b.stance == Stance.object]
        view.reservations = [b for b in ballots if b.stance == Stance.agree_with_reservations]
        view.stand_asides = [b for b in ballots if b.stance == Stance.stand_aside]
        view.history, view.change_count = _history(round_, positions, show_names)
    if show_participation:
        # Who has answered (for reminders) in every mode; which stance each person took
        # only when names are shown.
        view.show_participation = True
        seats = sorted(
            (seat_of(p) for p in positions),
            key=lambda seat: seat_label(seat).lower(),
        )
        view.answered = seats
        view.waiting = _waiting_seats(round_, members, positions)
    return view


def _history(round_: Round, positions, show_names: bool) -> tuple[list[HistoryEntry], int]:
    """The positions that changed, each with all its answers, and the number of changes.
    Without names a position is "Participant n", numbered by when it was first given."""
    changes = history_of(round_)
    numbers = {
        position_id: n
        for n, position_id in enumerate(
            sorted(changes, key=lambda pid: (changes[pid][0].created_at, pid)), start=1
        )
    }
    entries = []
    for position in positions:
        answers = changes.get(position.id, [])
        if len(answers) < 2:
            continue
        if show_names:
            label = seat_label(seat_of(position))
        else:
            label = _("Participant %(number)s", number=numbers[position.id])
        entries.append(HistoryEntry(label, answers))
    entries.sort(key=lambda e: e.changes[0].created_at)
    count = sum(len(answers) - 1 for answers in changes.values())
    return entries, count


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
