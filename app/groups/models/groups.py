import enum
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...core.i18n_fields import Localised, localised
from ...extensions import db

if TYPE_CHECKING:
    from .documents import GroupDocument
    from .memberships import Membership


class GroupKind(enum.Enum):
    xenia = "xenia"
    bridge = "bridge"
    core = "core"
    steering = "steering"

    @property
    def title(self) -> str:
        return str(GROUP_KIND_TITLES[self])


GROUP_KIND_TITLES = {
    GroupKind.xenia: _l("Thematic working group (Xenia)"),
    GroupKind.bridge: _l("Bridge group"),
    GroupKind.core: _l("Core group"),
    GroupKind.steering: _l("Steering group"),
}


class Phase(enum.Enum):
    """The phases of the interactive policy process, in their order."""

    information_input = "information_input"
    mediation = "mediation"
    consensus = "consensus"
    implementation = "implementation"
    closed = "closed"

    @property
    def title(self) -> str:
        return str(PHASE_TITLES[self])

    @property
    def position(self) -> int:
        return PHASE_ORDER.index(self)

    @property
    def next(self) -> "Phase | None":
        index = self.position + 1
        return PHASE_ORDER[index] if index < len(PHASE_ORDER) else None


PHASE_ORDER = list(Phase)
PHASE_TITLES = {
    Phase.information_input: _l("Information and input"),
    Phase.mediation: _l("Mediation"),
    Phase.consensus: _l("Consensus"),
    Phase.implementation: _l("Implementation"),
    Phase.closed: _l("Closed"),
}


class WorkingGroup(db.Model):
    """A group of the policy process: the Xenia working group, the core, bridge or
    steering group."""

    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[GroupKind] = mapped_column(sa.Enum(GroupKind, native_enum=False, length=10))
    name_nl: Mapped[str] = mapped_column(sa.String(200))
    name_de: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    name_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    theme_nl: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    theme_de: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    theme_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The cities the group works for, as written on both sides ("Münster, Enschede").
    cities: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    is_public: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Only an organisation's leadership may represent it in this group (Xenia: heads of
    # institutions).
    is_leadership_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Consensus rounds count one position per represented organisation, given by its
    # representative or their deputy (app.consensus.models.Representation).
    decides_per_institution: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The lowest quorum a moderator may set for a round, as a number of voting members (or
    # organisations); None: a simple majority of them.
    quorum_floor: Mapped[int | None] = mapped_column()
    phase: Mapped[Phase] = mapped_column(
        sa.Enum(Phase, native_enum=False, length=20),
        default=Phase.information_input,
        server_default=Phase.information_input.name,
    )
    created_on: Mapped[date] = mapped_column(sa.Date, default=date.today)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)

    phases: Mapped[list["GroupPhase"]] = relationship(
        back_populates="group", order_by="GroupPhase.started_on, GroupPhase.id"
    )
    memberships: Mapped[list["Membership"]] = relationship(back_populates="group")
    documents: Mapped[list["GroupDocument"]] = relationship(back_populates="group")

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.slug}>"

    @property
    def name(self) -> Localised:
        return localised(self, "name")

    @property
    def description(self) -> Localised:
        return localised(self, "description")

    @property
    def theme(self) -> Localised:
        return localised(self, "theme")

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.closed

    def _active_role_of(self, user):
        from .memberships import Membership

        if user is None or not getattr(user, "is_authenticated", False):
            return None
        stmt = sa.select(Membership.role).where(
            Membership.group_id == self.id,
            Membership.user_id == user.id,
            Membership.current(),
        )
        return db.session.scalar(stmt)

    def is_member(self, user) -> bool:
        return self._active_role_of(user) is not None

    def is_visible_to(self, user) -> bool:
        """A public group is readable by anyone; a private one by its active members and
        the project manager."""
        if self.is_public:
            return True
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return bool(user.is_admin) or self.is_member(user)

    def can_see_members(self, user) -> bool:
        """The member list needs a signed-in person (and, for a private group, a member)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return self.is_visible_to(user)

    def can_manage(self, user) -> bool:
        """The project manager and the group's chair or moderator add people, change roles
        and end memberships."""
        from .memberships import Role

        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_admin:
            return True
        return self._active_role_of(user) in (Role.chair, Role.moderator)

    def can_move_phase(self, user) -> bool:
        """Moving to the next phase is the moderator's or the project manager's decision."""
        from .memberships import Role

        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_admin:
            return True
        return self._active_role_of(user) == Role.moderator

    def page_rights_of(self, user) -> tuple[bool, bool]:
        """(`can_manage`, `can_move_phase`) of `user`, for the group page: the same answers
        with one lookup of their role instead of one per question."""
        from .memberships import Role

        if user is None or not getattr(user, "is_authenticated", False):
            return False, False
        if user.is_admin:
            return True, True
        role = self._active_role_of(user)
        return role in (Role.chair, Role.moderator), role == Role.moderator

    def is_moderated_by(self, user) -> bool:
        from .memberships import Role

        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return self._active_role_of(user) == Role.moderator

    def can_upload(self, user) -> bool:
        """Active members and the project manager add documents."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return bool(user.is_admin) or self.is_member(user)


class GroupPhase(db.Model):
    """A phase the group has reached: when it started, with a short note."""

    __tablename__ = "group_phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    phase: Mapped[Phase] = mapped_column(sa.Enum(Phase, native_enum=False, length=20))
    started_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    started_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    group: Mapped[WorkingGroup] = relationship(back_populates="phases")
    started_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("group_id", "phase", name="uq_group_phases_group_phase"),)

    def __repr__(self) -> str:
        return f"<GroupPhase {self.group_id} {self.phase.name}>"
