import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import UTCDateTime, utcnow
from ..extensions import db


class OutboxStatus(enum.Enum):
    pending = "pending"  # waiting to be sent (again, after next_attempt_at)
    sending = "sending"  # claimed by a worker until lease_expires_at
    sent = "sent"
    failed = "failed"  # refused for good, or still deferred when the retry window closed


class MailTemplate(db.Model):
    """One message to many readers, rendered once (`app.mail.template.MessageTemplate`): the
    wire bytes with stand-ins, and the text parts that hold them, encoded per reader."""

    __tablename__ = "mail_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    skeleton: Mapped[bytes] = mapped_column(sa.LargeBinary)
    parts: Mapped[list] = mapped_column(sa.JSON)  # [[part mark, text, is HTML], …]
    marks: Mapped[list] = mapped_column(sa.JSON)  # the stand-ins

    def __repr__(self) -> str:
        return f"<MailTemplate {self.id}>"


class OutboxMessage(db.Model):
    """One message to deliver. `raw` is the complete RFC 5322 message, or, for a message
    made from a template (a newsletter), empty, with `template_id` and the reader's `fields`
    (the stand-ins' values and the header lines of their own) from which the worker makes
    the bytes as it sends. The worker adds a Message-ID derived from the row id when the
    message has none, so a repeat after a hard kill is recognisable."""

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
    # The server refused the recipient for good (a 5xx answer), as opposed to a message that
    # was only deferred until the retry window closed: only a refusal says the address is dead.
    is_refused: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mail_templates.id"))
    fields: Mapped[dict | None] = mapped_column(sa.JSON)  # {"values": {mark: …}, "head": …}

    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status.name} to {self.recipient}>"


class WorkerHeartbeat(db.Model):
    """One row per `flask worker` process, written every loop, so the sending pages can say
    when no worker is alive or the mail server has been unreachable for a while."""

    __tablename__ = "mail_workers"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)  # new_worker_id()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Since when this worker could not reach the mail server (None while it can).
    smtp_down_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    smtp_error: Mapped[str | None] = mapped_column(sa.Text)

    def __repr__(self) -> str:
        return f"<WorkerHeartbeat {self.id} seen {self.seen_at:%H:%M:%S}>"


class InboundKind(enum.Enum):
    """What an incoming message was recognised as."""

    unsubscribe = "unsubscribe"  # a mail to the List-Unsubscribe mailto
    bounce = "bounce"  # a delivery status notification (or a non-standard bounce)
    auto_reply = "auto_reply"  # RFC 3834 Auto-Submitted, out of office: never a bounce
    calendar_reply = "calendar_reply"  # iTIP METHOD:REPLY to an invitation
    calendar_counter = "calendar_counter"  # iTIP METHOD:COUNTER: a proposed new time
    unrelated = "unrelated"  # anything else: left where it was

    @property
    def title(self) -> str:
        return str(INBOUND_KIND_TITLES[self])


class InboundOutcome(enum.Enum):
    applied = "applied"  # it changed a record (see detail)
    ignored = "ignored"  # understood, but nothing to change (see detail for why)
    left = "left"  # not ours: left in the mailbox untouched

    @property
    def title(self) -> str:
        return str(INBOUND_OUTCOME_TITLES[self])


INBOUND_KIND_TITLES = {
    InboundKind.unsubscribe: _l("Unsubscribe request"),
    InboundKind.bounce: _l("Bounce"),
    InboundKind.auto_reply: _l("Automatic reply"),
    InboundKind.calendar_reply: _l("Calendar answer"),
    InboundKind.calendar_counter: _l("Proposed new time"),
    InboundKind.unrelated: _l("Other mail"),
}
INBOUND_OUTCOME_TITLES = {
    InboundOutcome.applied: _l("Applied"),
    InboundOutcome.ignored: _l("Ignored"),
    InboundOutcome.left: _l("Left in the mailbox"),
}


class InboundMessage(db.Model):
    """Every message that came in through `flask mail receive` or the IMAP mailbox, what it
    was taken for and what it caused. The raw message is kept for RAW_DAYS days."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    source: Mapped[str] = mapped_column(sa.String(10))  # "stdin" or "imap"
    sender: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    subject: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    message_id: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # sha256 of the raw bytes: a message left in the IMAP inbox is recorded once
    digest: Mapped[str] = mapped_column(sa.String(64), index=True)
    kind: Mapped[InboundKind] = mapped_column(sa.Enum(InboundKind, native_enum=False, length=20))
    outcome: Mapped[InboundOutcome] = mapped_column(
        sa.Enum(InboundOutcome, native_enum=False, length=10)
    )
    # What it caused: an English msgid (marked with N_) and its parameters, translated
    # into the reader's language when shown (`detail_text`).
    detail: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    detail_params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary)  # emptied after RAW_DAYS
    moved_to: Mapped[str | None] = mapped_column(sa.String(200))  # IMAP folder it went to

    def __repr__(self) -> str:
        return f"<InboundMessage {self.id} {self.kind.name} {self.outcome.name}>"

    @property
    def detail_text(self) -> str:
        from flask_babel import gettext

        return gettext(self.detail, **(self.detail_params or {})) if self.detail else ""
