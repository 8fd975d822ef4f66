"""Sessions a person controls: every sign-in is a row in signed_in_devices.

The session cookie and the remember cookie carry the device token
`<user id>.<session generation>.<device id>.<secret>`; only a hash of the secret is stored.
A request is signed in only while the device row exists, its secret matches, the user is
active and the generation in the token is the user's current one. So ending a device
(sign-out, the "end" button on the profile) kills that browser's cookies, and advancing the
generation (password change or reset, deactivation, "sign out everywhere") kills them all.

Services change state and flush; the calling view commits once."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..core.database import utcnow
from ..extensions import db
from .models import SignedInDevice, User

# last_seen_at is written at most this often, so most requests do not write.
TOUCH_INTERVAL = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def describe_browser(user_agent: str | None) -> str:
    """'Firefox on Windows' from a User-Agent header, for the list of signed-in devices."""
    from ua_parser import parse

    if not user_agent:
        return ""
    result = parse(user_agent[:1000])
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    if browser and system and system != "Other":
        return f"{browser} / {system}"[:120]
    return (browser or system or "")[:120]


def _lifetime(device: SignedInDevice) -> timedelta:
    """A remembered device lives as long as the remember cookie; a plain session ends after
    the session lifetime without a request."""
    config = current_app.config
    if device.is_remembered:
        return config["REMEMBER_COOKIE_DURATION"]
    return config["PERMANENT_SESSION_LIFETIME"]


def is_expired(device: SignedInDevice, now: datetime | None = None) -> bool:
    return (now or utcnow()) - device.last_seen_at > _lifetime(device)


def start_device(user: User, *, remember: bool, user_agent: str | None) -> SignedInDevice:
    """Records a new sign-in with a fresh random secret and sets `user.session_token`, which
    Flask-Login then writes into the session (and remember) cookie. Expired devices of the
    same person are removed on the way."""
    now = utcnow()
    for device in list(user.devices):
        if is_expired(device, now):
            db.session.delete(device)
    secret = secrets.token_urlsafe(32)
    device = SignedInDevice(
        user=user,
        secret_hash=_hash(secret),
        generation=user.session_generation,
        browser=describe_browser(user_agent),
        is_remembered=remember,
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(device)
    db.session.flush()
    user.session_token = f"{user.id}.{user.session_generation}.{device.id}.{secret}"
    user.last_login_at = now
    return device


def load_device(token: str) -> SignedInDevice | None:
    """The device a cookie's token names, if the token is still valid (see module doc)."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 4 or not all(part.isdigit() for part in parts[:3]):
        return None
    user_id, generation, device_id = (int(part) for part in parts[:3])
    device = db.session.scalar(
        sa.select(SignedInDevice)
        .options(joinedload(SignedInDevice.user))
        .where(SignedInDevice.id == device_id, SignedInDevice.user_id == user_id)
    )
    if device is None or not hmac.compare_digest(device.secret_hash, _hash(parts[3])):
        return None
    user = device.user
    if (
        not user.is_active
        or user.session_generation != generation
        or device.generation != generation
        or is_expired(device)
    ):
        return None
    user.session_token = token
    return device


def touch_device(device: SignedInDevice) -> bool:
    """Updates last seen when it is older than TOUCH_INTERVAL; returns whether it wrote."""
    now = utcnow()
    if now - device.last_seen_at < TOUCH_INTERVAL:
        return False
    db.session.execute(
        sa.update(SignedInDevice).where(SignedInDevice.id == device.id).values(last_seen_at=now)
    )
    return True


def end_device(user: User, device_id: int) -> bool:
    """Ends one of the person's own sign-ins; another person's device id does nothing."""
    result = db.session.execute(
        sa.delete(SignedInDevice).where(
            SignedInDevice.id == device_id, SignedInDevice.user_id == user.id
        )
    )
    db.session.expire(user, ["devices"])
    return bool(result.rowcount)


def end_all_sessions(user: User) -> None:
    """Advances the session generation and forgets every device: each session cookie and
    remember token of this person stops working on its next request."""
    user.session_generation = (user.session_generation or 0) + 1
    db.session.execute(sa.delete(SignedInDevice).where(SignedInDevice.user_id == user.id))
    db.session.expire(user, ["devices"])
    user.session_token = None


def devices_of(user: User) -> list[SignedInDevice]:
    """The person's current sign-ins, most recently used first."""
    now = utcnow()
    devices = db.session.scalars(
        sa.select(SignedInDevice)
        .where(
            SignedInDevice.user_id == user.id,
            SignedInDevice.generation == user.session_generation,
        )
        .order_by(SignedInDevice.last_seen_at.desc(), SignedInDevice.id.desc())
    ).all()
    return [device for device in devices if not is_expired(device, now)]


def current_device_id(user: User) -> int | None:
    token = user.session_token or ""
    parts = token.split(".")
    return int(parts[2]) if len(parts) == 4 and parts[2].isdigit() else None
