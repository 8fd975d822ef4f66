from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import UTCDateTime, utcnow
from ..extensions import db


class Introduction(db.Model):
    """What the process is, per language, as the project manager writes it for the front
    page (Markdown). One row; without it the front page shows a built-in sentence."""

    __tablename__ = "introductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    text_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    text_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<Introduction {self.updated_at:%Y-%m-%d}>"
