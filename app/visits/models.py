"""Work visits: a host organisation's offer (days, programme, capacity, deadline), the
registrations for it (confirmed or on the waiting list, no account needed) and, afterwards,
the learning and transfer points."""

import enum
import secrets
import uuid
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UTCDateTime, utcnow
from ..core.i18n_fields import Localised, localised
from ..extensions import db
from ..partners.models import Organisation, PolicyField

if TYPE_CHECKING:
    from ..auth.models import User

LOCAL_ZONE = ZoneInfo("Europe/Berlin")


class VisitStatus(enum.Enum):
    """What is stored; `Visit.state` adds what follows from dates and numbers."""

    open = "open"
    closed = "closed"
    cancelled = "cancelled"


class VisitState(enum.Enum):
    open = "open"
    full = "full"
    closed = "closed"
    cancelled = "cancelled"
    completed = "completed"

    @property
    def title(self) -> str:
        return str(VISIT_STATE_TITLES[self])


VISIT_STATE_TITLES = {
    VisitState.open: _l("Open for registration"),
    VisitState.full: _l("Full – waiting list"),
    VisitState.closed: _l("Registration closed"),
    VisitState.cancelled: _l("Cancelled"),
    VisitState.completed: _l("Completed"),
}


class RegistrationStatus(enum.Enum):
    confirmed = "confirmed"
    waitlisted = "waitlisted"
    cancelled = "cancelled"

    @property
    def title(self) -> str:
        return str(REGISTRATION_STATUS_TITLES[self])


REGISTRATION_STATUS_TITLES = {
    RegistrationStatus.confirmed: _l("Confirmed"),
    RegistrationStatus.waitlisted: _l("Waiting list"),
    RegistrationStatus.cancelled: _l("Cancelled"),
}


class PointKind(enum.Enum):
    """The projects' "wederzijdse leerpunten en transferpunten"."""

    learning = "learning"
    transfer = "transfer"

    @property
    def title(self) -> str:
        return str(POINT_KIND_TITLES[self])


POINT_KIND_TITLES = {
    PointKind.learning: _l("Learning point"),
    PointKind.transfer: _l("Transfer point"),
}

LANGUAGE_TITLES = {"nl": _l("Dutch"), "de": _l("German"), "en": _l("English")}


def new_uid() -> str:
    return f"visit-{uuid.uuid4()}@netwerkbrug"


visit_policy_fields = sa.Table(
    "visit_policy_fields",
    db.metadata,
    sa.Column("visit_id", sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "policy_field_id",
        sa.ForeignKey("policy_fields.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Visit(db.Model):
    """A work visit offered by a host organisation, of one or more days."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(80), unique=True, default=new_uid)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    title_nl: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_de: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    description_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    place: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    city: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    # Language codes, comma-separated ("nl,de").
    languages: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    capacity: Mapped[int] = mapped_column(default=10, server_default="10")
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    status: Mapped[VisitStatus] = mapped_column(
        sa.Enum(VisitStatus, native_enum=False, length=12),
        default=VisitStatus.open,
        server_default=VisitStatus.open.name,
    )
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    starts_on: Mapped[date] = mapped_column(sa.Date, index=True)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped["User | None"] = relationship()
    policy_fields: Mapped[list[PolicyField]] = relationship(
        secondary=visit_policy_fields, order_by=(PolicyField.position, PolicyField.id)
    )
    days: Mapped[list["VisitDay"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitDay.day"
    )
    registrations: Mapped[list["Registration"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Registration.id"
    )
    points: Mapped[list["VisitPoint"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitPoint.id"
    )

    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.starts_on}>"

    @property
    def title(self) -> Localised:
        return localised(self, "title")

    @property
    def description(self) -> Localised:
        return localised(self, "description")

    def title_in(self, lang: str) -> str:
        return localised(self, "title", lang).text

    def description_in(self, lang: str) -> str:
        return localised(self, "description", lang).text

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    @property
    def language_titles(self) -> list[str]:
        return [str(LANGUAGE_TITLES.get(code, code)) for code in self.language_codes]

    @property
    def location(self) -> str:
        return ", ".join(part for part in (self.place, self.city) if part)

    @property
    def is_cancelled(self) -> bool:
        return self.status == VisitStatus.cancelled

    def is_over(self, now: datetime | None = None) -> bool:
        return (now or utcnow()).astimezone(LOCAL_ZONE).date() > self.ends_on

    def deadline_passed(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) > self.registration_deadline

    def accepts_registrations(self, now: datetime | None = None) -> bool:
        """Open, not cancelled, before the deadline and not over: a full visit still takes
        registrations, onto the waiting list."""
        return (
            self.status == VisitStatus.open
            and not self.deadline_passed(now)
            and not self.is_over(now)
        )

    def state(self, confirmed: int, now: datetime | None = None) -> VisitState:
        if self.is_cancelled:
            return VisitState.cancelled
        if self.is_over(now):
            return VisitState.completed
        if not self.accepts_registrations(now):
            return VisitState.closed
        if confirmed >= self.capacity:
            return VisitState.full
        return VisitState.open

    def can_be_managed_by(self, user) -> bool:
        """The host organisation's editors and the project manager."""
        return self.organisation.can_be_edited_by(user)


class VisitDay(db.Model):
    """One day of a visit, with its times (Europe/Berlin wall clock) and programme."""

    __tablename__ = "visit_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(sa.Date)
    starts: Mapped[time] = mapped_column(sa.Time)
    ends: Mapped[time] = mapped_column(sa.Time)
    programme: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    visit: Mapped[Visit] = relationship(back_populates="days")

    __table_args__ = (
        sa.UniqueConstraint("visit_id", "day"),
        sa.CheckConstraint("ends > starts", name="ends_after_start"),
    )

    def __repr__(self) -> str:
        return f"<VisitDay {self.visit_id} {self.day}>"

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.day, self.starts, LOCAL_ZONE)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.day, self.ends, LOCAL_ZONE)


def new_registration_token() -> str:
    return secrets.token_urlsafe(24)


class Registration(db.Model):
    """A person registered for a visit, with or without an account. The e-mail address is
    stored in lower case, so the unique constraint holds whatever the spelling. Arrival
    order is the id order (ids are handed out while the visit row is locked).

    Built to serve meetings with public registration as well: a nullable `meeting_id`
    beside `visit_id` is all the generic service (registration.py) needs."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    organisation_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    function: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    remarks: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl", server_default="nl")
    status: Mapped[RegistrationStatus] = mapped_column(
        sa.Enum(RegistrationStatus, native_enum=False, length=12), index=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), default=new_registration_token)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit | None] = relationship(back_populates="registrations")
    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("visit_id", "email"),)

    def __repr__(self) -> str:
        return f"<Registration {self.visit_id} {self.status.name}>"

    @property
    def organisation_label(self) -> str:
        return self.organisation.name if self.organisation else self.organisation_name

    @property
    def is_active(self) -> bool:
        return self.status != RegistrationStatus.cancelled


class VisitPoint(db.Model):
    """A learning point ("what did we learn") or transfer point ("what can we adopt, and
    how must it be adapted at home"), recorded after the visit."""

    __tablename__ = "visit_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PointKind] = mapped_column(sa.Enum(PointKind, native_enum=False, length=10))
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="points")
    author: Mapped["User | None"] = relationship()

    def __repr__(self) -> str:
        return f"<VisitPoint {self.visit_id} {self.kind.name}>"
