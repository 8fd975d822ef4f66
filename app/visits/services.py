"""The work visits' rules: who offers and manages a visit, registering and cancelling (the
capacity and waiting list live in registration.py), the mails that tell people, the host's
list, and the learning and transfer points afterwards.

Functions take the acting person explicitly, change the session and flush; the view commits
once, and the outbox sends the queued mails after that commit."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..auth.models import User
from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.urls import external_url
from ..extensions import db
from ..mail.services import build_message, queue_message, queue_template_mail, render_mail
from ..partners.models import Country, Organisation, PolicyField
from . import registration as reg
from .models import (
    LANGUAGE_TITLES,
    PointKind,
    PublicRegistration,
    Registration,
    RegistrationStatus,
    Visit,
    VisitDay,
    VisitPoint,
    VisitStatus,
)

RESEND_INTERVAL = timedelta(minutes=10)
LANGUAGES = tuple(LANGUAGE_TITLES)


class VisitError(DomainError):
    message = _l("This action is not allowed for this visit.")


class NotAllowed(VisitError):
    status_code = 403
    message = _l("You may not manage this visit.")


class InvalidDays(VisitError):
    status_code = 400
    message = _l("Each day needs a date, a start and an end time, and must end after it starts.")


class VisitCancelled(VisitError):
    message = _l("This visit has been cancelled.")


class NotAParticipant(VisitError):
    status_code = 403
    message = _l(
        "Only the host and confirmed participants can record learning and transfer points."
    )


class VisitNotOver(VisitError):
    message = _l("Learning and transfer points can be recorded once the visit is over.")


# --- who -----------------------------------------------------------------------------------


def host_organisations(user) -> list[Organisation]:
    """The organisations `user` may offer visits for: all for the project manager, their own
    for an organisation editor."""
    if not user.is_authenticated:
        return []
    stmt = sa.select(Organisation).where(Organisation.is_active).order_by(Organisation.name)
    if not user.is_admin:
        if not (user.is_organisation_editor and user.organisation_id):
            return []
        stmt = stmt.where(Organisation.id == user.organisation_id)
    return list(db.session.scalars(stmt))


def can_offer(user) -> bool:
    return bool(user.is_authenticated and (user.is_admin or user.is_organisation_editor))


def _check_manage(actor, visit: Visit) -> None:
    if not visit.can_be_managed_by(actor):
        raise NotAllowed()


def is_participant(user, visit: Visit) -> bool:
    """Signed in with the address of a confirmed registration."""
    if not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            sa.select(Registration.id).where(
                Registration.visit_id == visit.id,
                Registration.email == user.email.lower(),
                Registration.status == RegistrationStatus.confirmed,
            )
        )
        is not None
    )


def can_record_points(user, visit: Visit) -> bool:
    return visit.can_be_managed_by(user) or is_participant(user, visit)


# --- offering ------------------------------------------------------------------------------


@dataclass
class DayPlan:
    day: date
    starts: time
    ends: time
    programme: str = ""


# The visit's texts, copied as entered from the form onto the visit.
TEXT_FIELDS = (
    "title_nl",
    "title_de",
    "title_en",
    "description_nl",
    "description_de",
    "description_en",
    "place",
    "city",
    "contact_name",
    "contact_email",
)


@dataclass
class VisitDetails:
    organisation: Organisation
    registration_deadline: datetime
    days: list[DayPlan]
    capacity: int
    title_nl: str = ""
    title_de: str = ""
    title_en: str = ""
    description_nl: str = ""
    description_de: str = ""
    description_en: str = ""
    place: str = ""
    city: str = ""
    languages: list[str] = field(default_factory=list)
    contact_name: str = ""
    contact_email: str = ""
    policy_fields: list[PolicyField] = field(default_factory=list)
    is_closed: bool = False


def _check_days(days: list[DayPlan]) -> None:
    dates = [d.day for d in days]
    if not days or len(set(dates)) != len(dates) or any(d.ends <= d.starts for d in days):
        raise InvalidDays()


def _apply(visit: Visit, details: VisitDetails) -> None:
    _check_days(details.days)
    for name in (*TEXT_FIELDS, "registration_deadline"):
        setattr(visit, name, getattr(details, name))
    visit.organisation = details.organisation
    visit.languages = ",".join(code for code in LANGUAGES if code in details.languages)
    visit.policy_fields = list(details.policy_fields)
    if visit.status != VisitStatus.cancelled:
        visit.status = VisitStatus.closed if details.is_closed else VisitStatus.open
    plans = sorted(details.days, key=lambda d: d.day)
    existing = {d.day: d for d in visit.days}
    visit.days = [_day(existing.get(plan.day) or VisitDay(day=plan.day), plan) for plan in plans]
    visit.starts_on, visit.ends_on = plans[0].day, plans[-1].day
    visit.updated_at = utcnow()


def _day(day: VisitDay, plan: DayPlan) -> VisitDay:
    day.starts, day.ends, day.programme = plan.starts, plan.ends, plan.programme
    return day


def create_visit(actor: User, details: VisitDetails) -> Visit:
    if details.organisation not in host_organisations(actor):
        raise NotAllowed()
    visit = Visit(capacity=max(details.capacity, 0), created_by=actor)
    _apply(visit, details)
    db.session.add(visit)
    db.session.flush()
    record_audit(actor, "visit.created", visit)
    return visit


def update_visit(
    actor: User, visit: Visit, details: VisitDetails, *, move_to_waitlist: bool = False
) -> reg.Changes:
    """Changes the offer; a new capacity goes through the waiting-list rules (raising it
    promotes in order; lowering it below the confirmed number needs `move_to_waitlist`)."""
    _check_manage(actor, visit)
    if details.organisation != visit.organisation and details.organisation not in (
        host_organisations(actor)
    ):
        raise NotAllowed()
    _apply(visit, details)
    visit.sequence += 1
    changes = reg.Changes()
    if details.capacity != visit.capacity:
        changes = reg.change_capacity(visit, details.capacity, move_to_waitlist=move_to_waitlist)
    for registration in changes.promoted:
        queue_registration_mail(registration, template="promoted")
    for registration in changes.demoted:
        queue_registration_mail(registration, template="demoted")
    record_audit(actor, "visit.updated", visit, capacity=visit.capacity)
    return changes


def cancel_visit(actor: User, visit: Visit) -> list[Registration]:
    """Cancelled: everyone registered (confirmed or waiting) is told."""
    _check_manage(actor, visit)
    if visit.is_cancelled:
        raise VisitCancelled()
    visit.status = VisitStatus.cancelled
    visit.sequence += 1
    visit.updated_at = utcnow()
    told = reg.cancel_all(visit)
    for registration in told:
        queue_registration_mail(registration, template="visit_cancelled")
    record_audit(actor, "visit.cancelled", visit, registrations=len(told))
    return told


# --- registering -----------------------------------------------------------------------------


def register(
    owner: reg.Owner,
    *,
    name: str,
    email: str,
    organisation: Organisation | None,
    organisation_name: str,
    function: str,
    remarks: str,
    locale: str,
    now: datetime | None = None,
) -> Registration:
    """Confirmed or waitlisted (see registration.register); the registrant gets a mail in
    the page's language, the host's contact a notice."""
    registration = reg.register(
        owner,
        name=name,
        email=email,
        now=now,
        organisation=organisation,
        organisation_name="" if organisation else organisation_name.strip(),
        function=function.strip(),
        remarks=remarks.strip(),
        locale=locale if locale in LANGUAGES else "nl",
    )
    queue_registration_mail(registration)
    _notify_host(registration, "host_registered")
    return registration


def cancel_registration(registration: Registration) -> reg.Changes:
    """The registrant cancels with their link; the first in line moves up and is told."""
    changes = reg.cancel(registration)
    for promoted in changes.promoted:
        queue_registration_mail(promoted, template="promoted")
    _notify_host(registration, "host_cancelled")
    return changes


def resend_confirmation(owner: reg.Owner, email: str, now: datetime | None = None) -> bool:
    """Sends the registration mail again, at most every ten minutes; the caller says the
    same whatever happened, so the form does not reveal who registered."""
    now = now or utcnow()
    registration = reg.find(owner, email)
    if registration is None or not registration.is_active:
        return False
    sent = registration.confirmation_sent_at
    if sent is not None and now - sent < RESEND_INTERVAL:
        return False
    queue_registration_mail(registration, now=now)
    return True


SUBJECTS = {
    "confirmed": _l("Registration confirmed: %(title)s"),
    "waitlisted": _l("On the waiting list: %(title)s"),
    "promoted": _l("A place has become free for you: %(title)s"),
    "demoted": _l("Moved to the waiting list: %(title)s"),
    "visit_cancelled": _l("Cancelled: %(title)s"),
    "host_registered": _l("New registration: %(title)s"),
    "host_cancelled": _l("Registration cancelled: %(title)s"),
}


@dataclass
class Summary:
    """What the mails say about the visit or meeting registered for."""

    title: str
    host: str
    periods: list[tuple[datetime, datetime]]
    where: str
    contact_name: str
    contact_email: str
    contact_locale: str
    url: str
    list_url: str


def summary(owner: reg.Owner, locale: str) -> Summary:
    if isinstance(owner, Visit):
        return Summary(
            title=owner.title_in(locale),
            host=owner.organisation.name,
            periods=[(day.start_at, day.end_at) for day in owner.days],
            where=owner.location,
            contact_name=owner.contact_name,
            contact_email=owner.contact_email,
            contact_locale="de" if owner.organisation.country == Country.DE else "nl",
            url=external_url("visits.show", visit_id=owner.id),
            list_url=external_url("visits.registrations", visit_id=owner.id),
        )
    meeting = owner.meeting
    return Summary(
        title=meeting.title_in(locale),
        host="Netwerkbrug",
        periods=[(meeting.start_local, meeting.end_local)],
        where=", ".join(p for p in (meeting.place, meeting.country) if p),
        contact_name=owner.contact_name,
        contact_email=owner.contact_email,
        contact_locale="nl",
        url=external_url("visits.meeting", meeting_id=meeting.id),
        list_url=external_url("visits.meeting_registrations", meeting_id=meeting.id),
    )


def _ics(owner: reg.Owner, locale: str, url: str) -> bytes:
    from ..calendar.ical import meeting_bytes, visit_bytes

    if isinstance(owner, Visit):
        return visit_bytes(owner, lang=locale, url=url)
    return meeting_bytes(owner.meeting, lang=locale, url=url)


def _subject(template: str, event: Summary, locale: str) -> str:
    with force_locale(locale):
        return str(SUBJECTS[template]) % {"title": event.title}


def queue_registration_mail(
    registration: Registration, *, template: str | None = None, now: datetime | None = None
) -> None:
    """The mail that tells a registrant where they stand, in their language; a confirmed
    place comes with an .ics file (METHOD:PUBLISH) and a personal cancel link."""
    owner = registration.owner
    template = template or registration.status.name
    locale = registration.locale
    event = summary(owner, locale)
    subject, text, html = render_mail(
        f"visits/emails/{template}",
        locale,
        _subject(template, event, locale),
        event=event,
        registration=registration,
        position=reg.waitlist_position(registration),
        cancel_url=external_url("visits.cancel_registration", token=reg.cancel_token(registration)),
    )
    attachments = []
    if template in ("confirmed", "promoted"):
        filename = "visit.ics" if isinstance(owner, Visit) else "meeting.ics"
        attachments.append((filename, "text/calendar", _ics(owner, locale, event.url)))
    msg = build_message(
        (registration.name, registration.email), subject, text, html, attachments=attachments
    )
    queue_message(msg, category=f"visits.{template}")
    registration.confirmation_sent_at = now or utcnow()
    db.session.flush()


def _notify_host(registration: Registration, template: str) -> None:
    owner = registration.owner
    event = summary(owner, "nl")
    if not event.contact_email:
        return
    locale = event.contact_locale
    event = summary(owner, locale)
    queue_template_mail(
        f"visits/emails/{template}",
        to=(event.contact_name, event.contact_email),
        locale=locale,
        subject=_subject(template, event, locale),
        event=event,
        registration=registration,
        counts=counts_of(owner),
    )


def message_registrants(actor: User, visit: Visit, subject: str, body: str) -> int:
    """One mail to each confirmed or waitlisted registrant, queued in the outbox."""
    _check_manage(actor, visit)
    recipients = [r for r in visit.registrations if r.is_active]
    for registration in recipients:
        queue_template_mail(
            "visits/emails/message",
            to=(registration.name, registration.email),
            locale=registration.locale,
            subject=subject,
            event=summary(visit, registration.locale),
            registration=registration,
            body=body,
            category="visits.message",
        )
    record_audit(actor, "visit.message", visit, recipients=len(recipients))
    return len(recipients)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    confirmed: int = 0
    waitlisted: int = 0


def counts_by_visit(visit_ids: list[int]) -> dict[int, Counts]:
    """Confirmed and waitlisted per visit, in one query."""
    rows = db.session.execute(
        sa.select(Registration.visit_id, Registration.status, sa.func.count())
        .where(
            Registration.visit_id.in_(visit_ids),
            Registration.status != RegistrationStatus.cancelled,
        )
        .group_by(Registration.visit_id, Registration.status)
    )
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for visit_id, status, number in rows:
        found[visit_id][status.name] = number
    return {visit_id: Counts(**found.get(visit_id, {})) for visit_id in visit_ids}


def counts(visit: Visit) -> Counts:
    return counts_by_visit([visit.id])[visit.id]


def counts_of(owner: reg.Owner) -> Counts:
    if isinstance(owner, Visit):
        return counts(owner)
    return Counts(len(reg.confirmed_of(owner)), len(reg.waitlisted_of(owner)))


@dataclass
class VisitFilter:
    policy_field: PolicyField | None = None
    country: Country | None = None
    month: date | None = None  # the first of the month


def upcoming_visits_query(criteria: VisitFilter, now: datetime | None = None):
    """Visits not yet over and not cancelled, soonest first."""
    today = (now or utcnow()).date()
    stmt = (
        sa.select(Visit)
        .join(Organisation, Visit.organisation_id == Organisation.id)
        .where(Visit.ends_on >= today, Visit.status != VisitStatus.cancelled)
        .options(selectinload(Visit.organisation), selectinload(Visit.policy_fields))
        .order_by(Visit.starts_on, Visit.id)
    )
    if criteria.policy_field is not None:
        stmt = stmt.where(Visit.policy_fields.contains(criteria.policy_field))
    if criteria.country is not None:
        stmt = stmt.where(Organisation.country == criteria.country)
    if criteria.month is not None:
        start = criteria.month
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        stmt = stmt.where(Visit.starts_on < end, Visit.ends_on >= start)
    return stmt


def registrations_csv(actor: User, owner: reg.Owner) -> str:
    if not owner.can_be_managed_by(actor):
        raise NotAllowed()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "status",
            "position",
            "name",
            "email",
            "organisation",
            "function",
            "remarks",
            "registered_at",
        ]
    )
    waitlisted = reg.waitlisted_of(owner)
    positions = reg.waitlist_positions(waitlisted)
    for registration in [*reg.confirmed_of(owner), *waitlisted]:
        writer.writerow(
            [
                registration.status.name,
                positions.get(registration.id, ""),
                *(
                    _csv_safe(value)
                    for value in (
                        registration.name,
                        registration.email,
                        registration.organisation_label,
                        registration.function,
                        registration.remarks,
                    )
                ),
                registration.registered_at.isoformat(timespec="seconds"),
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


# --- after the visit ---------------------------------------------------------------------


def add_point(actor: User, visit: Visit, kind: PointKind, text: str) -> VisitPoint:
    if not visit.is_over():
        raise VisitNotOver()
    if not can_record_points(actor, visit):
        raise NotAParticipant()
    point = VisitPoint(visit=visit, kind=kind, text=text.strip(), author=actor)
    db.session.add(point)
    db.session.flush()
    return point


def points_by_policy_field() -> list[tuple[PolicyField | None, list[VisitPoint]]]:
    """Every learning and transfer point, under each policy field of its visit (a visit
    without fields under None, last)."""
    points = db.session.scalars(
        sa.select(VisitPoint)
        .options(
            selectinload(VisitPoint.visit).selectinload(Visit.policy_fields),
            selectinload(VisitPoint.visit).selectinload(Visit.organisation),
            selectinload(VisitPoint.author),
        )
        .order_by(VisitPoint.id)
    ).all()
    groups: dict[PolicyField | None, list[VisitPoint]] = defaultdict(list)
    for point in points:
        for policy_field in point.visit.policy_fields or [None]:
            groups[policy_field].append(point)
    return sorted(
        groups.items(),
        key=lambda item: (
            item[0] is None,
            item[0].position if item[0] else 0,
            item[0].id if item[0] else 0,
        ),
    )


def feed_visits(user: User) -> list[Visit]:
    """The visits `user` holds a confirmed place for (by their account's address), with
    their days and host, in three queries whatever the number."""
    return list(
        db.session.scalars(
            sa.select(Visit)
            .join(Registration, Registration.visit_id == Visit.id)
            .where(
                Registration.email == user.email.lower(),
                Registration.status == RegistrationStatus.confirmed,
            )
            .options(selectinload(Visit.days), selectinload(Visit.organisation))
            .order_by(Visit.starts_on, Visit.id)
        )
    )


# --- meetings with public registration ---------------------------------------------------


def public_registration_of(meeting) -> PublicRegistration | None:
    return db.session.scalar(
        sa.select(PublicRegistration).where(PublicRegistration.meeting_id == meeting.id)
    )


def set_public_registration(
    actor: User,
    meeting,
    *,
    capacity: int,
    registration_deadline: datetime,
    contact_name: str,
    contact_email: str,
    is_open: bool,
    move_to_waitlist: bool = False,
) -> reg.Changes:
    """Opens (or changes, or closes) public registration for a meeting the actor manages;
    the capacity follows the same waiting-list rules as a visit's."""
    if not meeting.can_manage(actor):
        raise NotAllowed()
    if meeting.is_cancelled:
        raise VisitError(_l("This meeting has been cancelled."))
    public = public_registration_of(meeting)
    if public is None:
        public = PublicRegistration(meeting=meeting, capacity=max(capacity, 0))
        db.session.add(public)
    public.registration_deadline = registration_deadline
    public.contact_name, public.contact_email = contact_name, contact_email
    public.is_open = is_open
    db.session.flush()
    changes = reg.Changes()
    if capacity != public.capacity:
        changes = reg.change_capacity(public, capacity, move_to_waitlist=move_to_waitlist)
    for registration in changes.promoted:
        queue_registration_mail(registration, template="promoted")
    for registration in changes.demoted:
        queue_registration_mail(registration, template="demoted")
    record_audit(actor, "meeting.public_registration", meeting, capacity=capacity, open=is_open)
    return changes


def cancel_public_registrations(meeting) -> list[Registration]:
    """For the meetings domain to call when a meeting with public registration is
    cancelled: every registrant is told, as for a cancelled visit."""
    public = public_registration_of(meeting)
    if public is None:
        return []
    told = reg.cancel_all(public)
    for registration in told:
        queue_registration_mail(registration, template="visit_cancelled")
    return told
