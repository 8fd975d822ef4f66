"""What the newsletter does with mail that comes back (registered with app.mail.inbound):
an unsubscribe request sent to the List-Unsubscribe mailto, and bounces.

Bounce scoring follows Mailman: a hard bounce (5.x.x, or an unrecognised bounce to a VERP
address) counts 1, a soft one (4.x.x failure) 0.5, at most one bounce per address and day;
a score older than BOUNCE_STALE_AFTER starts again from zero; at NEWSLETTER_BOUNCE_THRESHOLD
the subscriber is disabled (`SubscriberStatus.disabled`, the reason kept), and the project
manager can re-enable them. Deferrals never count: only bounces and 5xx refusals do."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.i18n import N_
from ..extensions import db
from ..mail.inbound import Bounce, Handled
from ..mail.services import queue_template_mail
from .models import Delivery, Subscriber, SubscriberStatus
from .services import find_subscriber, unsubscribe

BOUNCE_STALE_AFTER = timedelta(days=7)
HARD_SCORE, SOFT_SCORE = 1.0, 0.5


class NotDisabled(DomainError):
    status_code = 409
    message = _l("This subscriber is not disabled.")


def unsubscribe_by_mail(token: str) -> Handled:
    """A mail to the List-Unsubscribe mailto unsubscribes the subscriber whose token it
    carries, whatever the body says, and confirms it by mail."""
    subscriber = db.session.scalar(sa.select(Subscriber).where(Subscriber.token == token))
    if subscriber is None:
        return Handled(False, N_("The unsubscribe code in this mail belongs to no subscriber."))
    if not unsubscribe(subscriber):
        return Handled(
            False, N_("%(email)s had already unsubscribed."), {"email": subscriber.email}
        )
    queue_template_mail(
        "newsletter/emails/unsubscribed",
        to=(subscriber.name, subscriber.email),
        locale=subscriber.language,
        subject=_l("You have been unsubscribed from the Netwerkbrug newsletter"),
        subscriber=subscriber,
    )
    return Handled(
        True, N_("%(email)s unsubscribed; a confirmation was sent."), {"email": subscriber.email}
    )


def _bounced_subscriber(bounce: Bounce) -> Subscriber | None:
    """The exact delivery from the VERP address when there is one, else the address the
    bounce names."""
    if bounce.outbox_id is not None:
        subscriber = db.session.scalar(
            sa.select(Subscriber)
            .join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .where(Delivery.outbox_message_id == bounce.outbox_id)
        )
        if subscriber is not None:
            return subscriber
    for address in bounce.hard + bounce.soft:
        subscriber = find_subscriber(address)
        if subscriber is not None:
            return subscriber
    return None


def record_bounce(bounce: Bounce, *, now=None) -> Handled:
    now = now or utcnow()
    subscriber = _bounced_subscriber(bounce)
    if subscriber is None:
        return Handled(False, N_("A bounce for an address that is not a newsletter subscriber."))
    kind = "hard" if bounce.is_hard else "soft"
    params = {"email": subscriber.email, "reason": bounce.reason or "–"}
    last = subscriber.last_bounce_at
    if last is not None and now - last < timedelta(days=1):
        return Handled(
            False, N_("A bounce for %(email)s (%(reason)s): already counted today."), params
        )
    if last is None or now - last > BOUNCE_STALE_AFTER:
        subscriber.bounce_score = 0.0
    subscriber.bounce_score += HARD_SCORE if bounce.is_hard else SOFT_SCORE
    subscriber.last_bounce_at = now
    subscriber.bounce_reason = (bounce.reason or kind)[:1000]  # the server's words
    threshold = current_app.config["NEWSLETTER_BOUNCE_THRESHOLD"]
    params["score"] = f"{subscriber.bounce_score:g}"
    detail = (
        N_("A hard bounce for %(email)s (%(reason)s): bounce score now %(score)s.")
        if bounce.is_hard
        else N_("A soft bounce for %(email)s (%(reason)s): bounce score now %(score)s.")
    )
    if subscriber.bounce_score >= threshold and subscriber.status is SubscriberStatus.confirmed:
        subscriber.status = SubscriberStatus.disabled
        detail = N_(
            "A bounce for %(email)s (%(reason)s): bounce score %(score)s, so the address was disabled."
        )
    db.session.flush()
    return Handled(True, detail, params)


def reenable_subscriber(actor, subscriber: Subscriber) -> None:
    """The project manager puts a subscriber disabled by bounces back on the list, with a
    fresh score."""
    if subscriber.status is not SubscriberStatus.disabled:
        raise NotDisabled()
    subscriber.status = SubscriberStatus.confirmed
    subscriber.bounce_score = 0.0
    subscriber.last_bounce_at = None
    db.session.flush()
    record_audit(actor, "newsletter.reenable_subscriber", subscriber, email=subscriber.email)
