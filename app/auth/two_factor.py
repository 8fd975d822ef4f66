"""The second factor: time-based one-time passwords (TOTP, RFC 6238, via pyotp) and ten
single-use recovery codes, stored hashed.

Services change state and flush; the calling view commits once."""

import hashlib
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..extensions import db
from .models import RecoveryCode, User
from .sessions import end_all_sessions

RECOVERY_CODE_COUNT = 10
# Codes from the step before and after the current one are accepted (clock drift).
VALID_WINDOW = 1
ISSUER = "Netwerkbrug"


class WrongCode(DomainError):
    status_code = 400
    message = _l("This code is not correct. Enter the current code from your app.")


class CodeAlreadyUsed(DomainError):
    status_code = 400
    message = _l("This code has already been used. Wait for the next code from your app.")


class TwoFactorRequired(DomainError):
    status_code = 403
    message = _l("A second factor is required for your role and cannot be switched off.")


class NoTwoFactor(DomainError):
    message = _l("This person does not use a second factor.")


def is_staff(user: User) -> bool:
    """The project manager and every active moderator of a working group."""
    if user.is_admin:
        return True
    from ..groups.models import Membership, Role

    return (
        db.session.scalar(
            sa.select(sa.literal(1))
            .select_from(Membership)
            .where(
                Membership.user_id == user.id,
                Membership.role == Role.moderator,
                Membership.left_on.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def is_required_for(user: User) -> bool:
    return bool(current_app.config.get("REQUIRE_2FA_FOR_STAFF")) and is_staff(user)


def must_enrol(user: User) -> bool:
    return not user.has_two_factor and is_required_for(user)


def begin_enrolment(user: User) -> str:
    """A new secret, kept unconfirmed until a first code proves the app has it."""
    if user.has_two_factor:
        raise DomainError(_l("A second factor is already set up."))
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        user.totp_last_step = None
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The otpauth:// address as a QR code image (SVG data: URI; the CSP allows data: images
    and no inline script is needed)."""
    return segno.make(uri, error="m").svg_data_uri(scale=6, border=4, dark="#000", light="#fff")


def grouped_secret(secret: str) -> str:
    """The manual key in groups of four, easier to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def verify_code(user: User, code: str, now: datetime | None = None) -> None:
    """Accepts a TOTP code once: the time step is stored, and a code of the same or an
    earlier step is refused (replay), also when two processes check it at the same time."""
    code = _normalise(code)
    step = _matching_step(user.totp_secret, code, now or utcnow()) if code.isdigit() else None
    if step is None:
        raise WrongCode()
    claimed = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise CodeAlreadyUsed()
    user.totp_last_step = step


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes (the old ones stop working); returned once, stored as hashes."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(8)  # 64 random bits
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:]}")
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)))
    db.session.flush()
    db.session.expire(user, ["recovery_codes"])
    return codes


def use_recovery_code(user: User, code: str) -> None:
    """Accepts an unused recovery code once, atomically."""
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise WrongCode(_l("This recovery code is not correct or has been used already."))


def verify_sign_in(user: User, code: str) -> None:
    """The second step of signing in: a TOTP code, or else one of the recovery codes."""
    normalised = _normalise(code)
    if normalised.isdigit() and len(normalised) == 6:
        verify_code(user, normalised)
    else:
        use_recovery_code(user, normalised)


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def confirm_enrolment(user: User, code: str) -> list[str]:
    """The first code from the app switches the second factor on; returns the recovery codes."""
    if user.totp_secret is None or user.has_two_factor:
        raise DomainError(_l("Start setting up the second factor again."))
    verify_code(user, code)
    user.totp_confirmed_at = utcnow()
    record_audit(user, "user.two_factor_enabled", user)
    return new_recovery_codes(user)


def disable_two_factor(user: User) -> None:
    if is_required_for(user):
        raise TwoFactorRequired()
    _remove(user)
    record_audit(user, "user.two_factor_disabled", user)


def reset_two_factor(actor: User, user: User) -> None:
    """A project-manager action for someone who lost their phone and recovery codes: the
    second factor is removed and every session of that person ends (audited)."""
    if not user.has_two_factor and user.totp_secret is None:
        raise NoTwoFactor()
    _remove(user)
    end_all_sessions(user)
    record_audit(actor, "user.two_factor_reset", user)


def forget_sign_ins(user: User) -> None:
    """For erasure (app.reports.personal_data): every signed-in device and the second
    factor with its recovery codes are deleted."""
    _remove(user)
    end_all_sessions(user)


def _remove(user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.expire(user, ["recovery_codes"])
