"""Public registration with a capacity and a waiting list: one implementation for work
visits now and for meetings with public registration later.

The rules are pure functions (`place_for`, `to_promote`, `to_demote`, `waitlist_positions`)
that the database functions below apply while the owner's row is locked
(SELECT … FOR UPDATE on PostgreSQL; SQLite has a single writer), so simultaneous
registrations never exceed the capacity and the waiting list keeps the arrival order.
An owner is anything with `id`, `capacity` and `accepts_registrations(now)`; `_of(owner)`
is the one place that knows which column points at it (a `meeting_id` joins `visit_id`).

Functions change the session and flush; the caller commits and queues the mails."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from ..core.database import utcnow
from ..core.errors import DomainError
from ..extensions import db
from .models import Registration, RegistrationStatus, Visit

CANCEL_SALT = "netwerkbrug.registration-cancel"


class RegistrationError(DomainError):
    message = _l("This registration is not possible.")


class RegistrationClosed(RegistrationError):
    message = _l("Registration for this visit is closed.")


class AlreadyRegistered(RegistrationError):
    message = _l(
        "This e-mail address is already registered for this visit. We can send you the confirmation again."
    )

    def __init__(self, registration: Registration):
        super().__init__()
        self.registration = registration


class InvalidCancelLink(RegistrationError):
    status_code = 400
    message = _l("This cancellation link is not valid. It may have been copied incompletely.")


class AlreadyCancelled(RegistrationError):
    status_code = 410
    message = _l("This registration has already been cancelled.")


class CapacityConflict(RegistrationError):
    """Fewer places than confirmed people: the host must decide, nobody is dropped silently."""

    message = _l(
        "The new capacity is lower than the number of confirmed participants. Please confirm that the people listed below move to the waiting list."
    )

    def __init__(self, affected: Sequence[Registration]):
        super().__init__()
        self.affected = list(affected)


class InvalidCapacity(RegistrationError):
    status_code = 400
    message = _l("The capacity cannot be negative.")


# --- the rules ---------------------------------------------------------------------------


def place_for(capacity: int, confirmed: int) -> RegistrationStatus:
    """A newcomer is confirmed while places are free, otherwise waitlisted."""
    return RegistrationStatus.confirmed if confirmed < capacity else RegistrationStatus.waitlisted


def to_promote(capacity: int, confirmed: int, waitlisted: Sequence) -> list:
    """The first in line, as many as there are free places."""
    return list(waitlisted[: max(capacity - confirmed, 0)])


def to_demote(capacity: int, confirmed: Sequence) -> list:
    """With fewer places than confirmed people, the latest arrivals (in arrival order)."""
    return list(confirmed[max(capacity, 0) :])


def waitlist_positions(waitlisted: Sequence[Registration]) -> dict[int, int]:
    return {registration.id: n for n, registration in enumerate(waitlisted, start=1)}


# --- applied to the database ---------------------------------------------------------------


@dataclass
class Changes:
    """Who moved: the caller tells them."""

    promoted: list[Registration] = field(default_factory=list)
    demoted: list[Registration] = field(default_factory=list)


def _of(owner: Visit):
    return Registration.visit_id == owner.id


def lock(owner: Visit) -> None:
    """Serialises every change of the owner's registrations until the commit."""
    db.session.execute(
        sa.select(type(owner).id).where(type(owner).id == owner.id).with_for_update()
    )


def _with_status(owner: Visit, status: RegistrationStatus) -> list[Registration]:
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(_of(owner), Registration.status == status)
            .order_by(Registration.id)
        )
    )


def confirmed_of(owner: Visit) -> list[Registration]:
    return _with_status(owner, RegistrationStatus.confirmed)


def waitlisted_of(owner: Visit) -> list[Registration]:
    return _with_status(owner, RegistrationStatus.waitlisted)


def find(owner: Visit, email: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(_of(owner), Registration.email == normalise_email(email))
    )


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.waitlisted:
        return None
    return 1 + db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(
            Registration.visit_id == registration.visit_id,
            Registration.status == RegistrationStatus.waitlisted,
            Registration.id < registration.id,
        )
    )


def register(
    owner: Visit, *, name: str, email: str, now: datetime | None = None, **details
) -> Registration:
    """Confirmed while places are free, otherwise on the waiting list; one registration per
    e-mail address (any capitalisation). Someone who cancelled may register again."""
    now = now or utcnow()
    lock(owner)
    db.session.refresh(owner)
    if not owner.accepts_registrations(now):
        raise RegistrationClosed()
    existing = find(owner, email)
    if existing is not None and existing.is_active:
        raise AlreadyRegistered(existing)
    status = place_for(owner.capacity, len(confirmed_of(owner)))
    if existing is not None:  # a cancelled registration comes back at the end of the line
        db.session.delete(existing)
        db.session.flush()
    registration = Registration(
        visit_id=owner.id,
        name=name.strip(),
        email=normalise_email(email),
        status=status,
        registered_at=now,
        confirmed_at=now if status == RegistrationStatus.confirmed else None,
        **details,
    )
    db.session.add(registration)
    db.session.flush()
    return registration


def _promote(owner: Visit, now: datetime) -> list[Registration]:
    promoted = to_promote(owner.capacity, len(confirmed_of(owner)), waitlisted_of(owner))
    for registration in promoted:
        registration.status = RegistrationStatus.confirmed
        registration.confirmed_at = now
    db.session.flush()
    return promoted


def cancel(registration: Registration, now: datetime | None = None) -> Changes:
    """The registrant cancels; a freed place goes to the first in line (unless the visit
    itself is cancelled or over)."""
    now = now or utcnow()
    owner = registration.visit
    lock(owner)
    db.session.refresh(registration)
    if not registration.is_active:
        raise AlreadyCancelled()
    registration.status = RegistrationStatus.cancelled
    registration.cancelled_at = now
    db.session.flush()
    if owner.is_cancelled or owner.is_over(now):
        return Changes()
    return Changes(promoted=_promote(owner, now))


def change_capacity(
    owner: Visit, capacity: int, *, move_to_waitlist: bool = False, now: datetime | None = None
) -> Changes:
    """More places promote the first in line; fewer places than confirmed people are refused
    (CapacityConflict lists who would move) until the host agrees that the latest arrivals
    go back to the head of the waiting list."""
    if capacity < 0:
        raise InvalidCapacity()
    now = now or utcnow()
    lock(owner)
    confirmed = confirmed_of(owner)
    demoted = to_demote(capacity, confirmed)
    if demoted and not move_to_waitlist:
        raise CapacityConflict(demoted)
    owner.capacity = capacity
    for registration in demoted:
        registration.status = RegistrationStatus.waitlisted
        registration.confirmed_at = None
    db.session.flush()
    promoted = [] if owner.is_cancelled else _promote(owner, now)
    return Changes(promoted=promoted, demoted=demoted)


def cancel_all(owner: Visit, now: datetime | None = None) -> list[Registration]:
    """The owner is cancelled: every active registration ends; returns them, to be told."""
    now = now or utcnow()
    lock(owner)
    active = [r for r in db.session.scalars(sa.select(Registration).where(_of(owner))) if r.is_active]
    for registration in active:
        registration.status = RegistrationStatus.cancelled
        registration.cancelled_at = now
    db.session.flush()
    return active


# --- the personal cancel link ----------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CANCEL_SALT)


def cancel_token(registration: Registration) -> str:
    return _serializer().dumps([registration.id, registration.token])


def registration_for_token(token: str) -> Registration:
    """The registration a cancel link was made for; a tampered link is refused, a used one
    says so."""
    try:
        data = _serializer().loads(token)
    except BadSignature as error:
        raise InvalidCancelLink() from error
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], int)):
        raise InvalidCancelLink()
    registration = db.session.get(Registration, data[0])
    if registration is None or registration.token != data[1]:
        raise InvalidCancelLink()
    if not registration.is_active:
        raise AlreadyCancelled()
    return registration
