"""Consensus: proposals with numbered bilingual versions, moderated rounds on one version,
one position per voting member and round, and the reminders sent for a round."""

import enum
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UTCDateTime, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User
    from ..groups.models import Membership, WorkingGroup
    from ..partners.models import Organisation


# The default quorum: two thirds of the voting members (or organisations).
QUORUM_SHARE = (2, 3)
# An author may edit their contribution to a discussion for this long.
COMMENT_EDIT_WINDOW = timedelta(minutes=15)


def default_quorum(eligible: int) -> int:
    """Two thirds of the voting members, rounded up (at least one)."""
    numerator, denominator = QUORUM_SHARE
    return max(1, math.ceil(eligible * numerator / denominator))


class ProposalStatus(enum.Enum):
    open = "open"
    decided = "decided"

    @property
    def title(self) -> str:
        return str(STATUS_TITLES[self])


STATUS_TITLES = {
    ProposalStatus.open: _l("Under discussion"),
    ProposalStatus.decided: _l("Decided by consensus"),
}


class Visibility(enum.Enum):
    """Who sees which member took which position."""

    named = "named"
    # Members see positions and reasons without names; the moderator sees the names.
    anonymous = "anonymous"
    # Nobody sees who took which position; only who has answered, for the reminders.
    secret = "secret"  # noqa: S105 (a visibility mode, not a password)

    @property
    def title(self) -> str:
        return str(VISIBILITY_TITLES[self])


VISIBILITY_TITLES = {
    Visibility.named: _l("Named: everyone in the group sees who took which position"),
    Visibility.anonymous: _l("Anonymous to members, named to the moderator"),
    Visibility.secret: _l("Fully anonymous: nobody sees who took which position"),
}


class Stance(enum.Enum):
    agree = "agree"
    agree_with_reservations = "agree_with_reservations"
    stand_aside = "stand_aside"
    object = "object"

    @property
    def title(self) -> str:
        return str(STANCE_TITLES[self])

    @property
    def needs_reason(self) -> bool:
        return self in (Stance.agree_with_reservations, Stance.object)


STANCE_TITLES = {
    Stance.agree: _l("Agree"),
    Stance.agree_with_reservations: _l("Agree with reservations"),
    Stance.stand_aside: _l("Stand aside"),
    Stance.object: _l("Object"),
}


class Outcome(enum.Enum):
    consensus = "consensus"
    objections = "objections"
    no_quorum = "no_quorum"

    @property
    def title(self) -> str:
        return str(OUTCOME_TITLES[self])


OUTCOME_TITLES = {
    Outcome.consensus: _l("Consensus"),
    Outcome.objections: _l("Objections"),
    Outcome.no_quorum: _l("No quorum"),
}


class Proposal(db.Model):
    """A text the group works towards consensus on, in numbered versions."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    # The Dutch title; `title_de` the German one ("" when not translated yet).
    title: Mapped[str] = mapped_column(sa.String(200))
    title_de: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    status: Mapped[ProposalStatus] = mapped_column(
        sa.Enum(ProposalStatus, native_enum=False, length=10),
        default=ProposalStatus.open,
        server_default=ProposalStatus.open.name,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A decision is never edited; a new proposal that refers to it supersedes it.
    supersedes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="SET NULL"), index=True
    )

    group: Mapped["WorkingGroup"] = relationship()
    created_by: Mapped["User | None"] = relationship()
    supersedes: Mapped["Proposal | None"] = relationship(
        remote_side=[id], back_populates="superseded_by"
    )
    superseded_by: Mapped[list["Proposal"]] = relationship(
        back_populates="supersedes", order_by="Proposal.id"
    )
    versions: Mapped[list["ProposalVersion"]] = relationship(
        back_populates="proposal", order_by="ProposalVersion.number"
    )
    rounds: Mapped[list["Round"]] = relationship(back_populates="proposal", order_by="Round.number")

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.title!r}>"

    def title_for(self, language: str) -> str:
        """The title in `language`: the German one for German readers when there is one,
        else the Dutch one."""
        return self.title_de if language == "de" and self.title_de else self.title

    @property
    def local_title(self) -> str:
        """The title in the language of the page or mail being rendered."""
        from flask_babel import get_locale

        return self.title_for(str(get_locale() or "nl"))

    @property
    def is_decided(self) -> bool:
        return self.status == ProposalStatus.decided

    @property
    def current_version(self) -> "ProposalVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def current_round(self) -> "Round | None":
        """The round that has not been closed yet (at most one)."""
        return next((r for r in self.rounds if r.closed_at is None), None)

    @property
    def decision_round(self) -> "Round | None":
        return next((r for r in self.rounds if r.outcome == Outcome.consensus), None)


class ProposalVersion(db.Model):
    """One numbered text of a proposal, in Dutch and German side by side."""

    __tablename__ = "proposal_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    text_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    text_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # "nl" or "de" when one language is the binding one; "" when both are equal.
    binding_language: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")
    change_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="versions")
    author: Mapped["User | None"] = relationship()

    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)

    def __repr__(self) -> str:
        return f"<ProposalVersion {self.proposal_id}/{self.number}>"


class Round(db.Model):
    """A moderated round on one version: open until its closing time or until the
    moderator closes it; the outcome and the tally are written once, on closing."""

    __tablename__ = "consensus_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal_versions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    visibility: Mapped[Visibility] = mapped_column(
        sa.Enum(Visibility, native_enum=False, length=10)
    )
    is_tally_hidden: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Taken from the group when the round opens: one position per organisation.
    is_per_institution: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Both counted when the round opens: later membership changes do not move the bar.
    eligible_count: Mapped[int] = mapped_column()
    quorum: Mapped[int] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None when the worker closed it at the closing time.
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[Outcome | None] = mapped_column(sa.Enum(Outcome, native_enum=False, length=12))
    # Counts per stance at closing, e.g. {"agree": 20, "object": 1}.
    tally: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    # Why the moderator closed before the closing time ("" when it ran its course).
    closed_early_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Secret rounds only: the positions as [stance, reason] pairs, kept sorted so neither
    # order nor time ties one to a person (their Position rows record only who answered).
    secret_ballots: Mapped[list[list[str]]] = mapped_column(
        sa.JSON, default=list, server_default="[]"
    )
    # Raised by every position, reminder and the close: the live views' cheap ETag.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")

    proposal: Mapped[Proposal] = relationship(back_populates="rounds")
    version: Mapped[ProposalVersion] = relationship()
    opened_by: Mapped["User | None"] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped["User | None"] = relationship(foreign_keys=[closed_by_id])
    positions: Mapped[list["Position"]] = relationship(
        back_populates="round", order_by="Position.id"
    )
    reminders: Mapped[list["RoundReminder"]] = relationship(
        back_populates="round", order_by="RoundReminder.sent_at"
    )

    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)

    def __repr__(self) -> str:
        return f"<Round {self.proposal_id}/{self.number}>"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_open(self, now: datetime | None = None) -> bool:
        """Open until closed, and never after its closing time, even before the worker ran."""
        return self.closed_at is None and (now or utcnow()) < self.closes_at

    def is_due(self, now: datetime | None = None) -> bool:
        return self.closed_at is None and (now or utcnow()) >= self.closes_at

    @property
    def is_closed_early(self) -> bool:
        return self.closed_at is not None and self.closed_at < self.closes_at

    @property
    def is_consensus_below_default_quorum(self) -> bool:
        """Consensus reached with fewer answers than the default quorum asks."""
        answered = sum((self.tally or {}).values())
        return self.outcome == Outcome.consensus and answered < default_quorum(self.eligible_count)

    @property
    def is_secret(self) -> bool:
        return self.visibility == Visibility.secret

    def touch(self) -> None:
        """Something the live views show has changed."""
        self.revision = (self.revision or 0) + 1

    def shows_names_to(self, *, is_group_moderator: bool) -> bool:
        """Named rounds show names to everyone who sees the round; anonymous rounds only to
        the group's moderators (the project manager sees what a member sees unless they
        moderate the group); secret rounds to nobody."""
        if self.visibility == Visibility.named:
            return True
        if self.visibility == Visibility.anonymous:
            return is_group_moderator
        return False

    def shows_tally_to(self, *, is_group_moderator: bool) -> bool:
        return is_group_moderator or not self.is_tally_hidden or self.is_closed


class Position(db.Model):
    """One voting member's position in a round; changeable while the round is open. In a
    round per institution it is the organisation's position: `membership` and
    `answered_by` are whoever gave it last (the representative or the deputy).

    In a secret round the row records only that the member answered (for reminders and
    to answer once): `stance` is None, and the stance itself is in the round's
    `secret_ballots`, with nothing that leads back to this row."""

    __tablename__ = "consensus_positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consensus_rounds.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True
    )
    # Set only in rounds per institution: the organisation this position is given for.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    stance: Mapped[Stance | None] = mapped_column(sa.Enum(Stance, native_enum=False, length=30))
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship(back_populates="positions")
    membership: Mapped["Membership"] = relationship()
    organisation: Mapped["Organisation | None"] = relationship()
    answered_by: Mapped["User | None"] = relationship()
    changes: Mapped[list["PositionChange"]] = relationship(
        back_populates="position", order_by="PositionChange.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("round_id", "membership_id"),
        # NULLs are distinct: rounds per person are not limited by this one.
        sa.UniqueConstraint(
            "round_id", "organisation_id", name="uq_consensus_positions_round_organisation"
        ),
    )

    def __repr__(self) -> str:
        stance = self.stance.name if self.stance else "secret"
        return f"<Position {self.round_id}:{self.membership_id} {stance}>"


class PositionChange(db.Model):
    """One answer given in a round, kept when it is changed later: the position history.
    The first row of a position is its first answer; every further row is a change."""

    __tablename__ = "consensus_position_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consensus_rounds.id", ondelete="CASCADE"), index=True
    )
    position_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consensus_positions.id", ondelete="CASCADE"), index=True
    )
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    stance: Mapped[Stance] = mapped_column(sa.Enum(Stance, native_enum=False, length=30))
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()
    position: Mapped[Position] = relationship(back_populates="changes")
    answered_by: Mapped["User | None"] = relationship()

    def __repr__(self) -> str:
        return f"<PositionChange {self.position_id} {self.stance.name}>"


class Representation(db.Model):
    """Who answers for an organisation in a group that decides per institution: its
    representative, and a deputy the representative (or the project manager) named."""

    __tablename__ = "consensus_representations"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    representative_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    deputy_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped["WorkingGroup"] = relationship()
    organisation: Mapped["Organisation"] = relationship()
    representative: Mapped["User"] = relationship(foreign_keys=[representative_id])
    deputy: Mapped["User | None"] = relationship(foreign_keys=[deputy_id])

    __table_args__ = (sa.UniqueConstraint("group_id", "organisation_id"),)

    def __repr__(self) -> str:
        return f"<Representation {self.group_id}:{self.organisation_id}>"

    def answers(self, user) -> bool:
        return user is not None and user.id in (self.representative_id, self.deputy_id)


class RoundReminder(db.Model):
    """A reminder sent to those who had not answered (at most one a day per round)."""

    __tablename__ = "consensus_round_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consensus_rounds.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recipient_count: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="reminders")
    sent_by: Mapped["User | None"] = relationship()

    def __repr__(self) -> str:
        return f"<RoundReminder {self.round_id} {self.sent_at:%Y-%m-%d %H:%M}>"


class Comment(db.Model):
    """A contribution to a proposal's discussion, in Markdown (rendered sanitised). The
    author may edit it for a short time; the moderator may hide it with a visible reason."""

    __tablename__ = "proposal_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")

    proposal: Mapped[Proposal] = relationship()
    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped["User | None"] = relationship(foreign_keys=[hidden_by_id])

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.proposal_id}>"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def is_editable_by(self, user, now: datetime | None = None) -> bool:
        """Only its author, only within the edit window, and not once it is hidden."""
        return (
            user is not None
            and getattr(user, "is_authenticated", False)
            and self.author_id == user.id
            and not self.is_hidden
            and (now or utcnow()) - self.created_at < COMMENT_EDIT_WINDOW
        )
