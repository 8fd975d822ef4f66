"""The indicator report for the funder: one plain function per table, each computed with a
fixed number of aggregate queries whatever the amount of data. A period is a range of
local (Europe/Berlin) dates; it covers [first day 00:00, day after the last 00:00)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..auth.models import Gender, User
from ..consensus.models import Proposal, ProposalStatus, Round
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.i18n import LANGUAGE_NAMES
from ..core.i18n_fields import localised
from ..extensions import db
from ..groups.models import WorkingGroup
from ..mail.models import OutboxMessage, OutboxStatus
from ..meetings.models import (
    LOCAL_ZONE,
    Attendance,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from ..newsletter.models import Delivery, Edition, Subscriber, SubscriberStatus
from ..partners.models import COUNTRY_TITLES, Country, Organisation
from ..visits.models import (
    PointKind,
    Registration,
    RegistrationStatus,
    Visit,
    VisitPoint,
    VisitStatus,
)

# Fewer people than this in a cell could be recognised: such cells are merged.
SMALL_CELL = 5
# Coaching days planned per city in the project plan.
COACHING_DAYS_PLANNED = 4


class BadPeriod(DomainError):
    status_code = 400
    message = _l("Please give the period as two dates (YYYY-MM-DD), the first not after the last.")


class UnknownTable(DomainError):
    status_code = 400
    message = _l("There is no indicator table of this name.")


@dataclass(frozen=True)
class Period:
    """Local calendar dates, both included."""

    first: date
    last: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.first, time(), LOCAL_ZONE)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time(), LOCAL_ZONE)

    def covers(self, column) -> sa.ColumnElement[bool]:
        return sa.and_(column >= self.start_at, column < self.end_at)


def current_year(today: date | None = None) -> Period:
    today = today or utcnow().astimezone(LOCAL_ZONE).date()
    return Period(date(today.year, 1, 1), date(today.year, 12, 31))


def parse_period(first: str | None, last: str | None) -> Period:
    """The period from `from`/`to` query values; missing values default to the current
    year's bounds. Raises BadPeriod for anything that is not an ISO date or runs backwards."""
    default = current_year()
    try:
        period = Period(
            date.fromisoformat(first) if first else default.first,
            date.fromisoformat(last) if last else default.last,
        )
    except ValueError as error:
        raise BadPeriod() from error
    if period.first > period.last or period.first.year < 2000 or period.last.year > 2100:
        raise BadPeriod()
    return period


@dataclass
class Table:
    """One indicator table: translated column headings and rows whose first cell is the
    label; `chart` holds the (label, number) bars drawn beside it."""

    key: str
    title: str
    description: str
    columns: list[str]
    rows: list[tuple]
    chart: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self):
        if not self.chart:
            self.chart = [(str(row[0]), row[1]) for row in self.rows]


def merge_small_cells(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Cells with fewer than SMALL_CELL people are added up into one "other" row, so no
    person can be picked out of a small category. While that row itself stays under
    SMALL_CELL, the smallest remaining category joins it."""
    kept = sorted(((label, n) for label, n in counts if n >= SMALL_CELL), key=lambda cell: cell[1])
    small = sum(n for _label, n in counts if 0 < n < SMALL_CELL)
    while small and small < SMALL_CELL and kept:
        small += kept.pop(0)[1]
    order = {label: position for position, (label, _n) in enumerate(counts)}
    kept.sort(key=lambda cell: order[cell[0]])
    if small:
        kept.append((_("Other / fewer than %(n)s", n=SMALL_CELL), small))
    return kept


def _held_meetings(period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(period.covers(Meeting.start_at), Meeting.status != MeetingStatus.cancelled)


def _country_title(code: str | None) -> str:
    try:
        return str(COUNTRY_TITLES[Country(code)])
    except ValueError:
        return _("Not stated")


def meetings_by_kind(period: Period) -> Table:
    counts = dict(
        db.session.execute(
            sa.select(Meeting.kind, sa.func.count())
            .where(_held_meetings(period))
            .group_by(Meeting.kind)
        ).all()
    )
    rows = [(kind.title, counts.get(kind, 0)) for kind in MeetingKind]
    return Table(
        "meetings_by_kind",
        _("Meetings by kind"),
        _("Meetings in the period that were not cancelled, by kind."),
        [_("Kind"), _("Meetings")],
        rows,
    )


def meetings_by_country(period: Period) -> Table:
    counts = db.session.execute(
        sa.select(Meeting.country, sa.func.count())
        .where(_held_meetings(period))
        .group_by(Meeting.country)
        .order_by(Meeting.country)
    ).all()
    rows = [
        (_country_title(code) if code else _("Online or no venue given"), n) for code, n in counts
    ]
    return Table(
        "meetings_by_country",
        _("Meetings by country of venue"),
        _("Meetings in the period that were not cancelled, by the country of their venue."),
        [_("Country"), _("Meetings")],
        rows,
    )


def _participants(period: Period):
    """The people recorded as present at a meeting of the period (each counted once)."""
    return (
        sa.select(Invitation.user_id)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .where(_held_meetings(period), Invitation.attendance == Attendance.present)
        .distinct()
        .subquery()
    )


def participants_by_country(period: Period) -> Table:
    present = _participants(period)
    counts = db.session.execute(
        sa.select(Organisation.country, sa.func.count())
        .select_from(present)
        .join(User, User.id == present.c.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .group_by(Organisation.country)
    ).all()
    by_country = {country: n for country, n in counts}
    cells = [(str(COUNTRY_TITLES[c]), by_country.get(c, 0)) for c in Country]
    cells.append((_("Not stated"), by_country.get(None, 0)))
    return Table(
        "participants_by_country",
        _("Participants by country"),
        _(
            "People recorded as present at a meeting of the period, by the country of their "
            "organisation; each person counted once."
        ),
        [_("Country"), _("Participants")],
        merge_small_cells(cells),
    )


def participants_by_gender(period: Period) -> Table:
    present = _participants(period)
    counts = dict(
        db.session.execute(
            sa.select(User.gender, sa.func.count())
            .select_from(present)
            .join(User, User.id == present.c.user_id)
            .group_by(User.gender)
        ).all()
    )
    cells = [
        (_("Not stated") if gender is Gender.not_stated else gender.title, counts.get(gender, 0))
        for gender in Gender
    ]
    return Table(
        "participants_by_gender",
        _("Participants by gender"),
        _("People recorded as present at a meeting of the period; each person counted once."),
        [_("Gender"), _("Participants")],
        merge_small_cells(cells),
    )


def binational_meetings(period: Period) -> Table:
    def has(country: Country):
        return sa.func.max(sa.case((Organisation.country == country, 1), else_=0))

    per_meeting = (
        sa.select(
            Invitation.meeting_id,
            has(Country.NL).label("nl"),
            has(Country.DE).label("de"),
        )
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .join(User, User.id == Invitation.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(_held_meetings(period), Invitation.attendance == Attendance.present)
        .group_by(Invitation.meeting_id)
        .subquery()
    )
    attended, both = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(
                sa.func.sum(
                    sa.case((sa.and_(per_meeting.c.nl == 1, per_meeting.c.de == 1), 1), else_=0)
                ),
                0,
            ),
        ).select_from(per_meeting)
    ).one()
    share = round(100 * both / attended, 1) if attended else 0.0
    rows = [
        (_("Meetings with recorded attendance"), attended),
        (_("Meetings with participants from both countries"), both),
        (_("Share of meetings with participants from both countries (%)"), share),
    ]
    return Table(
        "binational_meetings",
        _("Meetings with participants from both countries"),
        _("Among the meetings of the period whose attendance was recorded."),
        [_("Indicator"), _("Value")],
        rows,
        chart=[(str(label), n) for label, n in rows[:2]],
    )


def coaching_days(period: Period) -> Table:
    now = utcnow()
    counts = db.session.execute(
        sa.select(
            Meeting.city,
            sa.func.sum(sa.case((Meeting.end_at <= now, 1), else_=0)),
            sa.func.sum(sa.case((Meeting.end_at > now, 1), else_=0)),
        )
        .where(_held_meetings(period), Meeting.kind == MeetingKind.coaching_day)
        .group_by(Meeting.city)
        .order_by(Meeting.city)
    ).all()
    rows = [
        (city or _("No city given"), int(held), int(scheduled), COACHING_DAYS_PLANNED)
        for city, held, scheduled in counts
    ]
    return Table(
        "coaching_days",
        _("Coaching days per city"),
        _(
            "Coaching days held and still scheduled in the period, per city, against the plan "
            "of %(n)s per city.",
            n=COACHING_DAYS_PLANNED,
        ),
        [_("City"), _("Held"), _("Scheduled"), _("Planned")],
        rows,
    )


def consensus_per_group(period: Period) -> Table:
    rounds = dict(
        db.session.execute(
            sa.select(Proposal.group_id, sa.func.count(Round.id))
            .join(Proposal, Proposal.id == Round.proposal_id)
            .where(period.covers(Round.closed_at))
            .group_by(Proposal.group_id)
        ).all()
    )
    decisions = dict(
        db.session.execute(
            sa.select(Proposal.group_id, sa.func.count())
            .where(Proposal.status == ProposalStatus.decided, period.covers(Proposal.decided_at))
            .group_by(Proposal.group_id)
        ).all()
    )
    groups = db.session.scalars(
        sa.select(WorkingGroup)
        .where(WorkingGroup.id.in_(set(rounds) | set(decisions)))
        .order_by(WorkingGroup.name_nl, WorkingGroup.id)
    ).all()
    rows = [
        (localised(group, "name").text, rounds.get(group.id, 0), decisions.get(group.id, 0))
        for group in groups
    ]
    return Table(
        "consensus",
        _("Consensus rounds and decisions per group"),
        _("Rounds closed and proposals decided by consensus in the period."),
        [_("Group"), _("Rounds held"), _("Decisions reached")],
        rows,
    )


def _subscribed_at_end(period: Period) -> sa.ColumnElement[bool]:
    return sa.and_(
        Subscriber.status == SubscriberStatus.confirmed, Subscriber.consent_at < period.end_at
    )


def subscribers_by_language(period: Period) -> Table:
    counts = db.session.execute(
        sa.select(Subscriber.language, sa.func.count())
        .where(_subscribed_at_end(period))
        .group_by(Subscriber.language)
        .order_by(Subscriber.language)
    ).all()
    return Table(
        "subscribers_by_language",
        _("Newsletter subscribers by language"),
        _("Confirmed subscribers at the end of the period."),
        [_("Language"), _("Subscribers")],
        [(LANGUAGE_NAMES.get(lang, lang), n) for lang, n in counts],
    )


def subscribers_by_country(period: Period) -> Table:
    """The country of the subscriber's organisation when they have an account here, else
    the country of their e-mail domain (.nl, .de)."""
    country = sa.case(
        (Organisation.country.is_not(None), sa.type_coerce(Organisation.country, sa.String)),
        (Subscriber.email.like("%.nl"), "NL"),
        (Subscriber.email.like("%.de"), "DE"),
        else_="",
    )
    counts = dict(
        db.session.execute(
            sa.select(country, sa.func.count())
            .select_from(Subscriber)
            .outerjoin(User, User.email == Subscriber.email)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .where(_subscribed_at_end(period))
            .group_by(country)
        ).all()
    )
    rows = [(str(COUNTRY_TITLES[c]), counts.get(c.value, 0)) for c in Country]
    rows.append((_("Not known"), counts.get("", 0)))
    return Table(
        "subscribers_by_country",
        _("Newsletter subscribers by country"),
        _(
            "Confirmed subscribers at the end of the period, by the country of their "
            "organisation or else of their e-mail address."
        ),
        [_("Country"), _("Subscribers")],
        rows,
    )


def editions_sent(period: Period) -> Table:
    reached = sa.func.count(OutboxMessage.id)
    counts = db.session.execute(
        sa.select(Edition.quarter, reached)
        .outerjoin(Delivery, Delivery.edition_id == Edition.id)
        .outerjoin(
            OutboxMessage,
            sa.and_(
                OutboxMessage.id == Delivery.outbox_message_id,
                OutboxMessage.status == OutboxStatus.sent,
            ),
        )
        .where(period.covers(Edition.queued_at))
        .group_by(Edition.id, Edition.quarter)
        .order_by(Edition.quarter)
    ).all()
    return Table(
        "editions",
        _("Newsletter editions sent and their reach"),
        _("Editions whose sending started in the period, with the mails delivered."),
        [_("Edition"), _("Mails delivered")],
        [(quarter, n) for quarter, n in counts],
    )


def visits(period: Period) -> Table:
    """Work visits starting in the period (not cancelled): offered, registrations,
    waiting lists and the learning and transfer points recorded for them."""
    in_period = sa.and_(
        Visit.starts_on >= period.first,
        Visit.starts_on <= period.last,
        Visit.status != VisitStatus.cancelled,
    )
    offered = db.session.scalar(sa.select(sa.func.count(Visit.id)).where(in_period))
    registrations = dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.count())
            .join(Visit, Visit.id == Registration.visit_id)
            .where(in_period)
            .group_by(Registration.status)
        ).all()
    )
    points = dict(
        db.session.execute(
            sa.select(VisitPoint.kind, sa.func.count())
            .join(Visit, Visit.id == VisitPoint.visit_id)
            .where(in_period)
            .group_by(VisitPoint.kind)
        ).all()
    )
    rows = [
        (_("Visits offered"), offered),
        (_("Confirmed registrations"), registrations.get(RegistrationStatus.confirmed, 0)),
        (_("On the waiting list"), registrations.get(RegistrationStatus.waitlisted, 0)),
        (_("Learning points recorded"), points.get(PointKind.learning, 0)),
        (_("Transfer points recorded"), points.get(PointKind.transfer, 0)),
    ]
    return Table(
        "visits",
        _("Work visits"),
        _("Work visits starting in the period that were not cancelled."),
        [_("Indicator"), _("Number")],
        rows,
    )


SECTIONS: dict[str, Callable[[Period], Table]] = {
    "meetings_by_kind": meetings_by_kind,
    "meetings_by_country": meetings_by_country,
    "participants_by_country": participants_by_country,
    "participants_by_gender": participants_by_gender,
    "binational_meetings": binational_meetings,
    "coaching_days": coaching_days,
    "visits": visits,
    "consensus": consensus_per_group,
    "subscribers_by_language": subscribers_by_language,
    "subscribers_by_country": subscribers_by_country,
    "editions": editions_sent,
}


def indicator_tables(period: Period) -> list[Table]:
    return [section(period) for section in SECTIONS.values()]


def indicator_table(key: str, period: Period) -> Table:
    if key not in SECTIONS:
        raise UnknownTable()
    return SECTIONS[key](period)
