import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import UTCDateTime, utcnow
from ..extensions import db


class OutboxStatus(enum.Enum):
    pending = "pending"  # waiting to be sent (again, after next_attempt_at)
    sending = "sending"  # claimed by a worker until lease_expires_at
    sent = "sent"
    failed = "failed"  # permanent failure or attempts exhausted; last_error says why


class OutboxMessage(db.Model):
    """One message to deliver. `raw` is the complete RFC 5322 message; the worker adds a
    Message-ID derived from the row id, so a repeat after a hard kill is recognisable."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    category: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(
        sa.Enum(OutboxStatus, native_enum=False, length=10),
        default=OutboxStatus.pending,
        server_default=OutboxStatus.pending.name,
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_by: Mapped[str | None] = mapped_column(sa.String(80))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status.name} to {self.recipient}>"
