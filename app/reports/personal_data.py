"""Personal data (GDPR): everything stored about a person as JSON, and erasure.

Erasure anonymises instead of deleting, so attendance, positions and decision records keep
their counts and show a "former participant". Mails: the ones not yet sent to the person
are deleted (nothing more goes out); those already sent stay as empty stubs (recipient
replaced, subject and content removed) so the newsletter's reach stays countable."""

from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..auth import sessions as sign_in_sessions
from ..auth.models import ERASED_DOMAIN, FORMER_PARTICIPANT, Gender, User
from ..auth.two_factor import forget_sign_ins
from ..consensus.models import Comment, Position
from ..core.audit import AuditEntry, record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..extensions import db
from ..groups.models import GroupDocument, Membership
from ..mail.models import OutboxMessage, OutboxStatus
from ..meetings.models import ActionItem, AgendaItem, CalendarFeed, Invitation, Meeting
from ..newsletter.models import Delivery, DeliveryStatus, Subscriber, SubscriberStatus
from ..newsletter.services import EXPORT_COLUMNS as SUBSCRIBER_COLUMNS
from ..visits.models import Registration, Visit

ERASED_VALUE = "[erased]"
UNUSABLE_PASSWORD = "!erased"  # noqa: S105 (no hash matches it, so nobody can sign in)


class CannotEraseSelf(DomainError):
    status_code = 409
    message = _l("You cannot erase your own account; ask another project manager.")


class AlreadyErased(DomainError):
    status_code = 409
    message = _l("This person's data has already been erased.")


def is_erased_address(email: str) -> bool:
    return email.endswith("@" + ERASED_DOMAIN)


# --- export -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.name
    return value


def _rows(objects, *names: str) -> list[dict[str, Any]]:
    return [{name: _plain(_attr(obj, name)) for name in names} for obj in objects]


def _attr(obj, dotted: str):
    for part in dotted.split("."):
        obj = getattr(obj, part) if obj is not None else None
    return obj


def _all(stmt) -> list:
    return list(db.session.scalars(stmt))


def _is_about(entry: AuditEntry, user: User) -> bool:
    return entry.object_type == User.__tablename__ and entry.object_id == user.id


def export_person(user: User) -> dict[str, Any]:
    """Everything stored about `user`, and nothing about anyone else: audit entries about
    other objects that the person made are listed without their details."""
    memberships = _all(sa.select(Membership).where(Membership.user_id == user.id))
    positions = _all(
        sa.select(Position)
        .join(Membership)
        .where(Membership.user_id == user.id)
        .order_by(Position.id)
    )
    subscriptions = _all(sa.select(Subscriber).where(Subscriber.email == user.email))
    about_me = sa.and_(
        AuditEntry.object_type == User.__tablename__, AuditEntry.object_id == user.id
    )
    audit = _all(
        sa.select(AuditEntry)
        .where(sa.or_(about_me, AuditEntry.actor_id == user.id))
        .order_by(AuditEntry.id)
    )
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return {
        "exported_at": utcnow().isoformat(),
        "profile": _rows(
            [user],
            "name",
            "email",
            "function",
            "phone",
            "locale",
            "gender",
            "organisation.name",
            "is_organisation_leader",
            "is_organisation_editor",
            "is_email_public",
            "is_phone_public",
            "is_admin",
            "is_active",
            "created_at",
            "invited_at",
            "last_login_at",
            "has_two_factor",
        )[0],
        "signed_in_devices": _rows(
            sign_in_sessions.devices_of(user), "browser", "created_at", "last_seen_at"
        ),
        "memberships": _rows(
            memberships,
            "group.slug",
            "group.name_nl",
            "role",
            "organisation.name",
            "is_voting",
            "joined_on",
            "left_on",
        ),
        "positions": _rows(
            positions, "round.proposal.title", "round.number", "stance", "reason", "updated_at"
        ),
        "comments": _rows(
            _all(sa.select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)),
            "proposal.title",
            "body",
            "created_at",
            "edited_at",
        ),
        "meeting_invitations": _rows(
            _all(sa.select(Invitation).where(Invitation.user_id == user.id)),
            "meeting.title_nl",
            "meeting.start_at",
            "response",
            "responded_at",
            "attendance",
        ),
        "action_items": _rows(
            _all(sa.select(ActionItem).where(ActionItem.owner_id == user.id)),
            "text",
            "due_on",
            "done_at",
        ),
        "documents_uploaded": _rows(
            _all(sa.select(GroupDocument).where(GroupDocument.uploaded_by_id == user.id)),
            "group.slug",
            "title",
            "filename",
            "uploaded_at",
        ),
        "calendar_feed": _rows([feed], "token", "created_at")[0] if feed else None,
        # The same columns as the project manager's subscriber export.
        "newsletter_subscriptions": _rows(subscriptions, *SUBSCRIBER_COLUMNS),
        "visit_registrations": _rows(
            _all(sa.select(Registration).where(Registration.email == user.email)),
            "visit.title_nl",
            "visit.starts_on",
            "name",
            "email",
            "organisation_name",
            "function",
            "remarks",
            "status",
            "registered_at",
            "cancelled_at",
        ),
        "audit_entries": [
            {
                "created_at": _plain(entry.created_at),
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "details": entry.details if _is_about(entry, user) else {},
            }
            for entry in audit
        ],
    }


# --- erasure ----------------------------------------------------------------------------


def _forget_mails_to(addresses: set[str], placeholder: str) -> None:
    """Unsent mails to the addresses are deleted; sent ones keep only the fact of sending."""
    messages = _all(
        sa.select(OutboxMessage).where(sa.func.lower(OutboxMessage.recipient).in_(addresses))
    )
    unsent = [m.id for m in messages if m.status is not OutboxStatus.sent]
    if unsent:
        db.session.execute(
            sa.update(Delivery)
            .where(Delivery.outbox_message_id.in_(unsent))
            .values(outbox_message_id=None, status=DeliveryStatus.skipped)
            .execution_options(synchronize_session=False)
        )
    for message in messages:
        if message.status is OutboxStatus.sent:
            message.recipient, message.subject, message.raw = placeholder, "", b""
            message.fields = None  # a newsletter's reader values: address, name, token
            message.last_error = None
        else:
            db.session.delete(message)


def _scrub_audit(texts: set[str]) -> None:
    """Audit details that copied a name or address (an invitation, a subscription) lose it."""
    needles = {text.lower() for text in texts if text}
    for entry in _all(sa.select(AuditEntry)):
        if any(
            needle in str(value).lower() for value in entry.details.values() for needle in needles
        ):
            entry.details = {
                key: ERASED_VALUE if any(n in str(v).lower() for n in needles) else v
                for key, v in entry.details.items()
            }


def _anonymise_subscriber(subscriber: Subscriber) -> None:
    subscriber.email = f"erased-subscriber-{subscriber.id}@{ERASED_DOMAIN}"
    subscriber.name = ""
    subscriber.organisation = ""
    subscriber.consent_basis = ""
    if subscriber.status is not SubscriberStatus.unsubscribed:
        subscriber.status = SubscriberStatus.unsubscribed
        subscriber.unsubscribed_at = utcnow()


def erase_subscriber(actor: User, subscriber: Subscriber) -> None:
    """A newsletter subscriber without an account: anonymised, unsubscribed, mails gone."""
    if is_erased_address(subscriber.email):
        raise AlreadyErased()
    texts = {subscriber.email, subscriber.name}
    _forget_mails_to(
        {subscriber.email.lower()}, f"erased-subscriber-{subscriber.id}@{ERASED_DOMAIN}"
    )
    _anonymise_subscriber(subscriber)
    _scrub_audit(texts)
    db.session.flush()
    record_audit(actor, "newsletter.subscriber_erased", subscriber)


def erase_person(actor: User, user: User) -> None:
    """Anonymises `user` everywhere; refuses the actor's own account. Attendance in past
    meetings, positions and their memberships stay (ended), so tallies do not change."""
    if user.id == actor.id:
        raise CannotEraseSelf()
    if is_erased_address(user.email):
        raise AlreadyErased()
    texts = {user.email, user.name}
    placeholder = f"erased-{user.id}@{ERASED_DOMAIN}"
    for subscriber in _all(sa.select(Subscriber).where(Subscriber.email == user.email)):
        texts |= {subscriber.name}
        _forget_mails_to({subscriber.email.lower()}, placeholder)
        _anonymise_subscriber(subscriber)
    _forget_mails_to({user.email.lower()}, placeholder)
    _end_participation(user)
    texts |= _anonymise_registrations(user.email)
    db.session.execute(
        sa.update(AgendaItem)
        .where(AgendaItem.presenter == user.name)
        .values(presenter=FORMER_PARTICIPANT)
        .execution_options(synchronize_session=False)
    )
    _anonymise_account(user, placeholder)
    _scrub_audit(texts)
    db.session.flush()
    record_audit(actor, "user.erased", user)


def _anonymise_registrations(email: str) -> set[str]:
    """Visit registrations keep their place in the counts; the visits the person hosted
    lose them as contact. Returns the names they registered under."""
    names = set()
    for registration in _all(sa.select(Registration).where(Registration.email == email)):
        names.add(registration.name)
        registration.name = FORMER_PARTICIPANT
        registration.email = f"erased-registration-{registration.id}@{ERASED_DOMAIN}"
        registration.function = ""
        registration.remarks = ""
    db.session.execute(
        sa.update(Visit)
        .where(Visit.contact_email == email)
        .values(contact_name="", contact_email="")
        .execution_options(synchronize_session=False)
    )
    return names


def _end_participation(user: User) -> None:
    """No more invitations, votes or feeds: future invitations go, active memberships end."""
    upcoming = sa.select(Meeting.id).where(Meeting.start_at > utcnow())
    for invitation in _all(
        sa.select(Invitation).where(
            Invitation.user_id == user.id, Invitation.meeting_id.in_(upcoming)
        )
    ):
        db.session.delete(invitation)
    for membership in _all(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.left_on.is_(None))
    ):
        membership.left_on = utcnow().date()
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is not None:
        db.session.delete(feed)


def _anonymise_account(user: User, placeholder: str) -> None:
    user.name = FORMER_PARTICIPANT
    user.email = placeholder
    user.function = ""
    user.phone = ""
    user.gender = Gender.not_stated
    user.password_hash = UNUSABLE_PASSWORD
    user.is_active = False
    user.is_admin = False
    user.is_organisation_leader = False
    user.is_organisation_editor = False
    user.is_email_public = False
    user.is_phone_public = False
    user.last_login_at = None
    forget_sign_ins(user)
