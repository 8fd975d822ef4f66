import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


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


class WorkingGroup(db.Model):
    """A group of the policy process. The working-groups issue adds phases and memberships."""

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
    is_public: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.slug}>"
