"""The quarterly newsletter: subscribers (double opt-in), editions written per language and
one delivery per subscriber and edition, which the mail worker turns into an outbox row."""

import enum
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UTCDateTime, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..mail.models import OutboxMessage

LANGUAGES = ("nl", "de", "en")
# Which language stands in when an edition is not written in the reader's own.
FALLBACK_ORDER = ("nl", "de", "en")
QUARTER_PATTERN = re.compile(r"^(\d{4}) Q([1-4])$")


def new_token() -> str:
    """The secret in a subscriber's unsubscribe link: random, stable for the subscriber."""
    return secrets.token_urlsafe(32)


class SubscriberStatus(enum.Enum):
    pending = "pending"  # subscribed, waiting for the click in the confirmation mail
    confirmed = "confirmed"  # receives editions
    unsubscribed = "unsubscribed"
    failed = "failed"  # the mail server refused an edition for good (address gone)
    disabled = "disabled"  # bounced too often (bounce_score over the threshold)

    @property
    def title(self) -> str:
        return str(SUBSCRIBER_STATUS_TITLES[self])


SUBSCRIBER_STATUS_TITLES = {
    SubscriberStatus.pending: _l("Waiting for confirmation"),
    SubscriberStatus.confirmed: _l("Confirmed"),
    SubscriberStatus.unsubscribed: _l("Unsubscribed"),
    SubscriberStatus.failed: _l("Address refused"),
    SubscriberStatus.disabled: _l("Disabled after bounces"),
}


class ConsentSource(enum.Enum):
    form = "form"  # the public form, confirmed by the link in the mail (double opt-in)
    imported = "import"  # an address list the project manager imported, with a stated basis
    admin = "admin"  # added by the project manager, with a stated basis

    @property
    def title(self) -> str:
        return str(CONSENT_SOURCE_TITLES[self])


CONSENT_SOURCE_TITLES = {
    ConsentSource.form: _l("Subscription form"),
    ConsentSource.imported: _l("Import"),
    ConsentSource.admin: _l("Added by the project manager"),
}


class Subscriber(db.Model):
    __tablename__ = "newsletter_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="nl", server_default="nl")
    status: Mapped[SubscriberStatus] = mapped_column(
        sa.Enum(SubscriberStatus, native_enum=False, length=12),
        default=SubscriberStatus.pending,
        server_default=SubscriberStatus.pending.name,
        index=True,
    )
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent_source: Mapped[ConsentSource] = mapped_column(
        sa.Enum(ConsentSource, native_enum=False, length=10),
        default=ConsentSource.form,
        server_default=ConsentSource.form.name,
    )
    # When consent was given: the click on the confirmation link, or the import/addition.
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The project manager's statement of the legal basis for imported or added addresses.
    consent_basis: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Mailman-style bounce score: a hard bounce counts 1, a soft one 0.5, at most once a day.
    bounce_score: Mapped[float] = mapped_column(sa.Float, default=0.0, server_default="0")
    last_bounce_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    deliveries: Mapped[list["Delivery"]] = relationship(
        back_populates="subscriber", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Subscriber {self.email} {self.status.name}>"

    @property
    def is_confirmed(self) -> bool:
        return self.status is SubscriberStatus.confirmed

    @classmethod
    def not_erased(cls) -> sa.ColumnElement[bool]:
        """SQL condition: the subscriber's data has not been erased. Erasure keeps the row
        (deliveries refer to it) under an address in the erased domain; lists, counts
        and exports leave such rows out."""
        from ..auth.models import ERASED_DOMAIN

        return sa.not_(cls.email.like(f"%@{ERASED_DOMAIN}"))


class EditionStatus(enum.Enum):
    draft = "draft"
    sending = "sending"
    paused = "paused"
    sent = "sent"

    @property
    def title(self) -> str:
        return str(EDITION_STATUS_TITLES[self])


EDITION_STATUS_TITLES = {
    EditionStatus.draft: _l("Draft"),
    EditionStatus.sending: _l("Sending"),
    EditionStatus.paused: _l("Paused"),
    EditionStatus.sent: _l("Sent"),
}


class Edition(db.Model):
    __tablename__ = "newsletter_editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(sa.String(7), unique=True)  # "2026 Q4"
    title_nl: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_de: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    body_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    body_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[EditionStatus] = mapped_column(
        sa.Enum(EditionStatus, native_enum=False, length=10),
        default=EditionStatus.draft,
        server_default=EditionStatus.draft.name,
        index=True,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sending started
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # every delivery settled
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    deliveries: Mapped[list["Delivery"]] = relationship(
        back_populates="edition", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Edition {self.quarter} {self.status.name}>"

    @property
    def sort_key(self) -> tuple[int, int]:
        match = QUARTER_PATTERN.match(self.quarter)
        return (int(match.group(1)), int(match.group(2))) if match else (0, 0)

    def title_in(self, lang: str) -> str:
        return getattr(self, f"title_{lang}", "") or ""

    def body_in(self, lang: str) -> str:
        return getattr(self, f"body_{lang}", "") or ""

    def has_language(self, lang: str) -> bool:
        """Written in `lang`: a title and a body."""
        return bool(self.title_in(lang).strip() and self.body_in(lang).strip())

    @property
    def languages(self) -> list[str]:
        return [lang for lang in LANGUAGES if self.has_language(lang)]

    def content_language(self, lang: str) -> str | None:
        """The language a reader of `lang` gets: their own, else the first written one."""
        if self.has_language(lang):
            return lang
        return next((other for other in FALLBACK_ORDER if self.has_language(other)), None)

    @property
    def is_draft(self) -> bool:
        return self.status is EditionStatus.draft

    @property
    def is_public(self) -> bool:
        """The web version is readable once sending has started (the mails link to it)."""
        return self.status is not EditionStatus.draft


class DeliveryStatus(enum.Enum):
    pending = "pending"  # not yet in the outbox (the worker renders it when its turn comes)
    queued = "queued"  # in the outbox; the outbox row says whether it was sent or failed
    skipped = "skipped"  # the subscriber left the list before it went out


class Delivery(db.Model):
    """One edition to one subscriber: at most one per pair, whatever happens to workers."""

    __tablename__ = "newsletter_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("newsletter_editions.id", ondelete="CASCADE")
    )
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("newsletter_subscribers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        sa.Enum(DeliveryStatus, native_enum=False, length=10),
        default=DeliveryStatus.pending,
        server_default=DeliveryStatus.pending.name,
    )
    language: Mapped[str | None] = mapped_column(sa.String(2))  # the language it was sent in
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    edition: Mapped[Edition] = relationship(back_populates="deliveries")
    subscriber: Mapped[Subscriber] = relationship(back_populates="deliveries")
    outbox_message: Mapped["OutboxMessage | None"] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "subscriber_id"),
        sa.Index("ix_newsletter_deliveries_status", "status", "edition_id"),
    )

    def __repr__(self) -> str:
        return f"<Delivery edition {self.edition_id} to {self.subscriber_id} {self.status.name}>"
