import enum
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.database import UTCDateTime, utcnow
from ..core.privacy import ERASED_DOMAIN
from ..extensions import db

if TYPE_CHECKING:
    from ..partners.models import Organisation


class Gender(enum.Enum):
    """Asked only for the funder's anonymous participation statistics."""

    female = "f"
    male = "m"
    diverse = "x"
    not_stated = "n"

    @property
    def title(self) -> str:
        return str(GENDER_TITLES[self])


GENDER_TITLES = {
    Gender.female: _l("Female"),
    Gender.male: _l("Male"),
    Gender.diverse: _l("Diverse / non-binary"),
    Gender.not_stated: _l("Prefer not to say"),
}


# ... and this name, stored in English and shown in the reader's language on every page.
FORMER_PARTICIPANT = "Former participant"
FORMER_PARTICIPANT_TITLE = _l("Former participant")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    function: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    locale: Mapped[str] = mapped_column(sa.String(5), default="nl", server_default="nl")
    gender: Mapped[Gender] = mapped_column(
        sa.Enum(Gender, native_enum=False, length=12),
        default=Gender.not_stated,
        server_default=Gender.not_stated.name,
    )
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # The organisation the person works for (the partner directory shows them as a contact).
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    is_organisation_leader: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_organisation_editor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    phone: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    is_email_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_phone_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A mail when minutes of the person's groups are circulated for comments (profile).
    is_minutes_mail_wanted: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every session cookie and remember token carries this number; advancing it (password
    # change or reset, deactivation, "sign out everywhere") ends them all.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Second factor (TOTP, RFC 6238): the base32 secret, set when enrolment starts and
    # confirmed with a first code; the last accepted time step refuses a replayed code.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    organisation: Mapped["Organisation | None"] = relationship(back_populates="people")
    devices: Mapped[list["SignedInDevice"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @property
    def is_erased(self) -> bool:
        """Erased on request (app.reports.personal_data): only the anonymised row is left."""
        return self.email.endswith("@" + ERASED_DOMAIN)

    @property
    def is_invitation_pending(self) -> bool:
        return self.password_hash is None

    # Flask-Login stores get_id() in the session cookie and in the remember cookie. At sign-in
    # it is the device token (user id, session generation, device id and a random secret) that
    # app.auth.sessions checks on every request; a bare id, as UserMixin gives, is refused there.
    session_token = None

    def get_id(self) -> str:
        return self.session_token or str(self.id)

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed_at is not None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def link_fingerprint(self) -> str:
        """Changes when the password changes, so a reset or invitation link works once."""
        material = f"{self.id}:{self.password_hash or 'invited'}:{self.is_active}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]


class SignedInDevice(db.Model):
    """One sign-in on one browser: the session and remember cookies carry its id and a random
    secret, stored here only as a hash. Deleting the row ends that sign-in."""

    __tablename__ = "signed_in_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    generation: Mapped[int] = mapped_column()
    browser: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    is_remembered: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="devices")

    def __repr__(self) -> str:
        return f"<SignedInDevice {self.id} of user {self.user_id}>"


class RecoveryCode(db.Model):
    """A single-use code that stands in for the second factor; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} of user {self.user_id}>"
