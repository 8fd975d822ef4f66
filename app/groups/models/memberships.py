import enum
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...extensions import db
from .groups import WorkingGroup

if TYPE_CHECKING:
    from ...auth.models import User
    from ...partners.models import Organisation


def local_today() -> date:
    """The date in the project's time zone (Münster and Enschede share it)."""
    return datetime.now(ZoneInfo("Europe/Berlin")).date()


class Role(enum.Enum):
    chair = "chair"
    deputy_chair = "deputy_chair"
    moderator = "moderator"
    secretary = "secretary"
    member = "member"
    observer = "observer"

    @property
    def title(self) -> str:
        return str(ROLE_TITLES[self])

    @property
    def votes_by_default(self) -> bool:
        """Chairs and members vote; a moderator (usually external), the secretary and
        observers do not unless they are made voting members (observers never)."""
        return self in (Role.chair, Role.deputy_chair, Role.member)


ROLE_TITLES = {
    Role.chair: _l("Chair"),
    Role.deputy_chair: _l("Deputy chair"),
    Role.moderator: _l("Moderator"),
    Role.secretary: _l("Secretary"),
    Role.member: _l("Member"),
    Role.observer: _l("Observer"),
}


class MembershipTerms:
    """What a membership's role and dates say (its term, whether it votes): for the
    database row and for the plain entries of the group page's member list
    (app.groups.services.MemberEntry), which read the same columns: `role`, `is_voting`,
    `left_on` and `term_ends_on`."""

    @property
    def has_term_ended(self) -> bool:
        return self.term_ends_on is not None and local_today() >= self.term_ends_on

    @property
    def is_active(self) -> bool:
        """Not ended, and its term (if any) has not run out: from the term's end date on,
        the person no longer votes and shows as a former member."""
        return self.left_on is None and not self.has_term_ended

    @property
    def ended_on(self) -> date | None:
        if self.left_on is not None:
            return self.left_on
        return self.term_ends_on if self.has_term_ended else None

    @property
    def can_vote(self) -> bool:
        """Only an active, voting member who is not an observer takes part in a vote."""
        return self.is_active and self.is_voting and self.role != Role.observer


class Membership(MembershipTerms, db.Model):
    """A person's seat in a group, for the organisation they represent. Ending it sets
    `left_on` and keeps the row, so past records still show who took part."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # None for someone who represents no organisation, such as an external moderator.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=20))
    is_voting: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    joined_on: Mapped[date] = mapped_column(sa.Date)
    left_on: Mapped[date | None] = mapped_column(sa.Date)
    # The last day of a membership for a term; after it the voting right lapses and the
    # person shows as a former member.
    term_ends_on: Mapped[date | None] = mapped_column(sa.Date)

    group: Mapped[WorkingGroup] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship()
    organisation: Mapped["Organisation | None"] = relationship()

    __table_args__ = (
        # At most one active membership per person and group, on SQLite and PostgreSQL.
        sa.Index(
            "uq_memberships_active_person",
            "group_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("left_on IS NULL"),
            postgresql_where=sa.text("left_on IS NULL"),
        ),
        sa.CheckConstraint("role != 'observer' OR NOT is_voting", name="observer_never_votes"),
    )

    def __repr__(self) -> str:
        return f"<Membership {self.group_id}:{self.user_id} {self.role.name}>"

    @classmethod
    def current(cls, on: date | None = None):
        """SQL: the membership is active on `on` (today by default), as `is_active`."""
        on = on or local_today()
        return sa.and_(
            cls.left_on.is_(None), sa.or_(cls.term_ends_on.is_(None), cls.term_ends_on > on)
        )
