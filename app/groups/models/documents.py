from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ...core.database import UTCDateTime, utcnow
from ...extensions import db
from .groups import WorkingGroup

if TYPE_CHECKING:
    from ...auth.models import User

DOCUMENT_LANGUAGES = ("nl", "de", "en")


def is_uploader_or_admin(document, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin) or document.uploaded_by_id == user.id


class StoredDocument:
    """The columns of a kept file, shared by group and meeting documents: its title and
    language, the name it came with, the random name it is stored under, and who added it."""

    title: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(5))
    filename: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size_bytes: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def uploaded_by(cls) -> Mapped["User | None"]:
        return relationship()


class GroupDocument(StoredDocument, db.Model):
    """A file of a group. It lives under the instance folder by a random name and is only
    handed out by the download view, which checks who asks."""

    __tablename__ = "group_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )

    group: Mapped[WorkingGroup] = relationship(back_populates="documents")

    def can_delete(self, user) -> bool:
        """Whoever added it, the group's moderator and the project manager."""
        return is_uploader_or_admin(self, user) or self.group.is_moderated_by(user)

    def __repr__(self) -> str:
        return f"<GroupDocument {self.id} {self.filename}>"
