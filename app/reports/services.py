"""The indicator report for the funder: one plain function per table, each computed with a
fixed number of aggregate queries whatever the amount of data. A period is a range of
local (Europe/Berlin) dates; it covers [first day 00:00, day after the last 00:00)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

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
from .suppression import SMALL_CELL, Cell, Mark, suppress

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
    """Local calendar dates, both included. `group_ids`, when given, narrows the meetings
    and consensus rounds to those groups' (and, for meetings, the project-wide ones): the
    scope of one project (app.projects)."""

    first: date
    last: date
    group_ids: tuple[int, ...] | None = None

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
    # Counts of people, withheld per cell by app.reports.suppression.
    is_suppressed: bool = False

    def __post_init__(self):
        if not self.chart and not self.is_suppressed:
            self.chart = [(str(row[0]), row[1]) for row in self.rows]


def _held_meetings(period: Period) -> sa.ColumnElement[bool]:
    held = sa.and_(period.covers(Meeting.start_at), Meeting.status != MeetingStatus.cancelled)
    if period.group_ids is None:
        return held
    return sa.and_(held, sa.or_(Meeting.group_id.in_(period.group_ids), Meeting.group_id.is_(None)))


def _of_groups(period: Period, column) -> sa.ColumnElement[bool]:
    return sa.true() if period.group_ids is None else column.in_(period.group_ids)


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


@dataclass(frozen=True)
class Participant:
    """One person who took part in the period, from any source, counted once."""

    country: Country | None
    gender: Gender


# Where participants come from: meeting attendance, work visits, public registrations.
SOURCES = ("meetings", "visits", "public")
SOURCE_TITLES = {
    "meetings": _l("Present at a meeting"),
    "visits": _l("Registered for a work visit"),
    "public": _l("Registered for a public meeting"),
}
COUNTRY_ROWS: tuple[Country | None, ...] = (*Country, None)
GENDER_COLUMNS = tuple(Gender)


def _country(value) -> Country | None:
    if value is None:
        return None
    return value if isinstance(value, Country) else Country(value)


def _participant_rows(period: Period) -> list[tuple[str, tuple, Country | None, Gender | None]]:
    """(source, person key, country, gender) for every participation in the period: people
    present at a held meeting, confirmed registrations for visits starting in the period
    and for public meetings held in it. A registration made with the address of an account
    is that account's person (and gender); otherwise the address is the person."""
    user_org = aliased(Organisation)
    attended = db.session.execute(
        sa.select(User.id, user_org.country, User.gender)
        .select_from(Invitation)
        .join(Meeting, Meeting.id == Invitation.meeting_id)
        .join(User, User.id == Invitation.user_id)
        .outerjoin(user_org, user_org.id == User.organisation_id)
        .where(_held_meetings(period), Invitation.attendance == Attendance.present)
        .distinct()
    ).all()
    rows = [("meetings", ("u", uid), _country(c), g) for uid, c, g in attended]

    registration_org = aliased(Organisation)
    columns = (
        Registration.email,
        User.id,
        sa.func.coalesce(
            sa.type_coerce(registration_org.country, sa.String),
            sa.type_coerce(user_org.country, sa.String),
        ),
        User.gender,
    )

    def registrations(stmt):
        return (
            stmt.outerjoin(registration_org, registration_org.id == Registration.organisation_id)
            .outerjoin(User, User.email == Registration.email)
            .outerjoin(user_org, user_org.id == User.organisation_id)
            .where(Registration.status == RegistrationStatus.confirmed)
        )

    visitors = db.session.execute(
        registrations(
            sa.select(*columns)
            .select_from(Registration)
            .join(Visit, Visit.id == Registration.visit_id)
            .where(
                Visit.starts_on >= period.first,
                Visit.starts_on <= period.last,
                Visit.status != VisitStatus.cancelled,
            )
        )
    ).all()
    public = db.session.execute(
        registrations(
            sa.select(*columns)
            .select_from(Registration)
            .join(Meeting, Meeting.id == Registration.meeting_id)
            .where(_held_meetings(period))
        )
    ).all()
    for source, found in (("visits", visitors), ("public", public)):
        for email, uid, country, gender in found:
            key = ("u", uid) if uid is not None else ("e", email)
            rows.append((source, key, _country(country), gender))
    return rows


def participants(period: Period) -> list[Participant]:
    """Each person once; where sources disagree, a stated country or gender wins."""
    people: dict[tuple, list] = {}
    for _source, key, country, gender in _participant_rows(period):
        person = people.setdefault(key, [None, Gender.not_stated])
        person[0] = person[0] or country
        if person[1] is Gender.not_stated and gender is not None:
            person[1] = gender
    return [Participant(country, gender) for country, gender in people.values()]


def participant_grid(period: Period) -> list[list[int]]:
    """Counts of people by country (rows: COUNTRY_ROWS) and gender (GENDER_COLUMNS),
    computed once per request and period."""
    cache = g.setdefault("participant_grids", {})
    if period not in cache:
        grid = [[0] * len(GENDER_COLUMNS) for _ in COUNTRY_ROWS]
        for person in participants(period):
            grid[COUNTRY_ROWS.index(person.country)][GENDER_COLUMNS.index(person.gender)] += 1
        cache[period] = grid
    return cache[period]


def cell_text(cell: Cell) -> int | str:
    """A count as the page and the CSV show it."""
    if cell.mark is Mark.small:
        return _("< %(n)s", n=SMALL_CELL)
    if cell.mark is Mark.hidden:
        return _("hidden")
    return cell.value


def _chart(labelled: list[tuple[str, Cell]]) -> list[tuple[str, int]]:
    """Bars for the counts that are shown; a withheld count gets no bar."""
    return [(label, cell.value) for label, cell in labelled if not cell.is_withheld]


def country_title(country: Country | None) -> str:
    return str(COUNTRY_TITLES[country]) if country else _("Not stated")


def gender_title(gender: Gender) -> str:
    return _("Not stated") if gender is Gender.not_stated else gender.title


SUPPRESSION_RULE = _l(
    'Counts below 5, zero included, are shown as "< 5". Where the row and column totals '
    "would still let such a count be worked out, a further count of 5 or more is shown as "
    '"hidden". Every country and every gender keeps its row.'
)
PARTICIPANTS_NOTE = _l(
    "People present at a meeting of the period, registered for a work visit starting in it "
    "or registered for a public meeting held in it; each person counted once."
)


def participants_by_country(period: Period) -> Table:
    table = suppress(participant_grid(period))
    cells = [
        (country_title(c), cell) for c, cell in zip(COUNTRY_ROWS, table.row_totals, strict=True)
    ]
    cells.append((_("Total"), table.total))
    return Table(
        "participants_by_country",
        _("Participants by country"),
        _("%(note)s By the country of their organisation.", note=PARTICIPANTS_NOTE),
        [_("Country"), _("Participants")],
        [(label, cell_text(cell)) for label, cell in cells],
        chart=_chart(cells[:-1]),
        is_suppressed=True,
    )


def participants_by_gender(period: Period) -> Table:
    table = suppress(participant_grid(period))
    cells = [
        (gender_title(g_), cell)
        for g_, cell in zip(GENDER_COLUMNS, table.column_totals, strict=True)
    ]
    cells.append((_("Total"), table.total))
    return Table(
        "participants_by_gender",
        _("Participants by gender"),
        str(PARTICIPANTS_NOTE),
        [_("Gender"), _("Participants")],
        [(label, cell_text(cell)) for label, cell in cells],
        chart=_chart(cells[:-1]),
        is_suppressed=True,
    )


def participants_by_country_and_gender(period: Period) -> Table:
    table = suppress(participant_grid(period))
    rows = [
        (country_title(c), *(cell_text(cell) for cell in [*cells, total]))
        for c, cells, total in zip(COUNTRY_ROWS, table.cells, table.row_totals, strict=True)
    ]
    rows.append((_("Total"), *(cell_text(cell) for cell in [*table.column_totals, table.total])))
    return Table(
        "participants_by_country_and_gender",
        _("Participants by country and gender"),
        str(PARTICIPANTS_NOTE),
        [_("Country"), *(gender_title(g_) for g_ in GENDER_COLUMNS), _("Total")],
        rows,
        chart=_chart(
            [
                (country_title(c), cell)
                for c, cell in zip(COUNTRY_ROWS, table.row_totals, strict=True)
            ]
        ),
        is_suppressed=True,
    )


def participants_by_source(period: Period) -> Table:
    """People per source and country; a person who came to a meeting and on a visit is
    counted in both rows, so the table has no totals per country."""
    grid = {source: [set() for _ in COUNTRY_ROWS] for source in SOURCES}
    for source, key, country, _gender in _participant_rows(period):
        grid[source][COUNTRY_ROWS.index(country)].add(key)
    table = suppress([[len(people) for people in grid[source]] for source in SOURCES])
    rows = [
        (str(SOURCE_TITLES[source]), *(cell_text(cell) for cell in [*cells, total]))
        for source, cells, total in zip(SOURCES, table.cells, table.row_totals, strict=True)
    ]
    rows.append(
        (_("Participations"), *(cell_text(cell) for cell in [*table.column_totals, table.total]))
    )
    return Table(
        "participants_by_source",
        _("Participants by where they took part"),
        _(
            "Meeting attendance, work visits and public meetings side by side, by country; a "
            "person who took part in two ways is counted in both rows."
        ),
        [_("Taking part"), *(country_title(c) for c in COUNTRY_ROWS), _("Total")],
        rows,
        chart=_chart(
            [
                (str(SOURCE_TITLES[s]), cell)
                for s, cell in zip(SOURCES, table.row_totals, strict=True)
            ]
        ),
        is_suppressed=True,
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
            .where(period.covers(Round.closed_at), _of_groups(period, Proposal.group_id))
            .group_by(Proposal.group_id)
        ).all()
    )
    decisions = dict(
        db.session.execute(
            sa.select(Proposal.group_id, sa.func.count())
            .where(
                Proposal.status == ProposalStatus.decided,
                period.covers(Proposal.decided_at),
                _of_groups(period, Proposal.group_id),
            )
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
    "participants_by_country_and_gender": participants_by_country_and_gender,
    "participants_by_source": participants_by_source,
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
