"""Who answers in a round, the mails they get, and reminders to those still missing."""

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

from ...auth.models import User
from ...core.audit import record_audit
from ...core.database import utcnow
from ...core.dates import format_when
from ...core.urls import external_url
from ...extensions import db
from ..models import (
    Position,
    Proposal,
    Representation,
    Round,
    RoundReminder,
)
from .access import require_moderator, voting_memberships
from .errors import ReminderTooSoon, RoundClosed
from .positions import lock_round
from .representation import representations_of
from .rules import Tally

REMINDER_INTERVAL = timedelta(days=1)


def answered_keys(round_: Round) -> set[int]:
    """Membership ids (or organisation ids, per institution) that have answered."""
    column = Position.organisation_id if round_.is_per_institution else Position.membership_id
    return set(db.session.scalars(sa.select(column).where(Position.round_id == round_.id)))


def _people_of(representations: Iterable[Representation]) -> list[User]:
    people: dict[int, User] = {}
    for representation in representations:
        for person in (representation.representative, representation.deputy):
            if person is not None:
                people.setdefault(person.id, person)
    return list(people.values())


def round_recipients(round_: Round, *, only_waiting: bool = False) -> list[User]:
    """Who answers in the round: the voting members, or per institution the
    representatives and deputies; with `only_waiting` only those who have not answered."""
    answered = answered_keys(round_) if only_waiting else set()
    group = round_.proposal.group
    if round_.is_per_institution:
        return _people_of(r for r in representations_of(group) if r.organisation_id not in answered)
    return [m.user for m in voting_memberships(group) if m.id not in answered]


def title_of(proposal: Proposal) -> LazyString:
    """The proposal's title for a subject line, in the language the mail is rendered in."""
    return LazyString(lambda: proposal.local_title)


def mail_people(people: list[User], round_: Round, template: str, category: str, subject):
    """One mail each, in the person's language, with the deadline in Europe/Berlin time."""
    from ...mail.services import queue_template_mail

    proposal = round_.proposal
    for person in people:
        locale = person.locale or "nl"
        with force_locale(locale):
            deadline = format_when(round_.closes_at)
        queue_template_mail(
            template,
            to=(person.name, person.email),
            locale=locale,
            subject=subject,
            category=category,
            person=person,
            round=round_,
            proposal=proposal,
            version=round_.version,
            tally=Tally.from_json(round_.tally or {}),
            deadline=deadline,
            link=external_url("consensus.show", proposal_id=proposal.id),
            decision_link=external_url("consensus.decision", proposal_id=proposal.id),
        )


def remind_non_responders(
    actor: User, round_: Round, *, now: datetime | None = None
) -> RoundReminder:
    """One mail each, in their language, to those who have not answered (per institution:
    the representative and the deputy of each organisation still missing); not more than
    once a day per round."""
    now = now or utcnow()
    require_moderator(actor, round_.proposal.group)
    if not lock_round(round_).is_open(now):
        raise RoundClosed()
    last = db.session.scalar(
        sa.select(sa.func.max(RoundReminder.sent_at)).where(RoundReminder.round_id == round_.id)
    )
    if last is not None and now - last < REMINDER_INTERVAL:
        raise ReminderTooSoon()
    recipients = round_recipients(round_, only_waiting=True)
    mail_people(
        recipients,
        round_,
        "consensus/emails/reminder",
        "consensus.reminder",
        _l(
            "Reminder: your position on “%(title)s” is still missing",
            title=title_of(round_.proposal),
        ),
    )
    reminder = RoundReminder(
        round=round_, sent_at=now, sent_by_id=actor.id, recipient_count=len(recipients)
    )
    db.session.add(reminder)
    round_.touch()
    db.session.flush()
    record_audit(actor, "consensus.remind", round_, recipients=len(recipients))
    return reminder
