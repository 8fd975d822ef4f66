"""The project office's rules: which project an activity belongs to, the funding
acknowledgement the public sees, and the quarterly progress report's life (draft ->
circulated -> approved, corrections as new versions, the newsletter edition made from it)."""

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..consensus.models import Proposal, Round
from ..core.audit import record_audit
from ..core.database import utcnow
from ..core.errors import DomainError
from ..core.i18n_fields import Localised, localised
from ..core.urls import external_url
from ..extensions import db
from ..groups.models import GroupKind, GroupPhase, Membership, WorkingGroup
from ..meetings.models import LOCAL_ZONE
from ..newsletter import services as newsletter_services
from ..partners.models import Organisation
from ..reports import services as indicators
from ..visits.models import Visit, VisitStatus
from .emblem import clean_svg
from .models import (
    REPORT_LANGUAGES,
    PartnerRole,
    Project,
    ProjectPartner,
    ProjectPhase,
    QuarterlyReport,
    ReportComment,
    ReportStatus,
)

# The indicator tables a quarterly report shows, in its order.
REPORT_TABLES = (
    "meetings_by_kind",
    "participants_by_country_and_gender",
    "participants_by_source",
    "coaching_days",
    "consensus",
    "visits",
    "editions",
    "subscribers_by_country",
)


class QuarterOutsideProject(DomainError):
    status_code = 400
    message = _l("This quarter is outside the project's running time.")


class ReportExists(DomainError):
    message = _l("There is already a report for this quarter; open it or correct it.")


class ReportApproved(DomainError):
    message = _l("An approved report cannot be changed; make a correction instead.")


class ReportNotCirculated(DomainError):
    message = _l("Only a report circulated to the steering group can be commented on or approved.")


class ReportNotDraft(DomainError):
    message = _l("Only a draft can be circulated.")


class ReportNotApproved(DomainError):
    message = _l("Only an approved report can be corrected or become a newsletter edition.")


class AlreadyCorrected(DomainError):
    message = _l("This report has already been corrected; open the newer version.")


class EmptyComment(DomainError):
    status_code = 400
    message = _l("Please write a comment.")


# --- projects --------------------------------------------------------------------------------

PHASE_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{4}-\d{2}-\d{2})\s+(\S.*)$")


class BadPhases(DomainError):
    status_code = 400
    message = _l(
        "Write each phase on its own line: first day, last day and name, for example "
        "“2008-09-01 2009-06-30 Analyse en start | Analyse und Start”."
    )


def parse_phases(text: str) -> list[tuple[date, date, str, str]]:
    """(first day, last day, Dutch name, German name) for each non-empty line of
    "YYYY-MM-DD YYYY-MM-DD Dutch name | German name"; raises BadPhases."""
    phases = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = PHASE_LINE.match(line)
        if not match:
            raise BadPhases()
        try:
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError as error:
            raise BadPhases() from error
        if last < first:
            raise BadPhases()
        name_nl, _bar, name_de = (part.strip() for part in match[3].partition("|"))
        if not name_nl or len(name_nl) > 200 or len(name_de) > 200:
            raise BadPhases()
        phases.append((first, last, name_nl, name_de))
    return sorted(phases)


def phases_text(project: Project) -> str:
    return "\n".join(
        f"{p.starts_on} {p.ends_on} {p.name_nl}" + (f" | {p.name_de}" if p.name_de else "")
        for p in project.phases
    )


def today() -> date:
    return utcnow().astimezone(LOCAL_ZONE).date()


def _current(statement: sa.Select, day: date | None) -> sa.Select:
    day = day or today()
    is_running = sa.case((Project.ends_on >= day, 0), else_=1)
    return (
        statement.where(Project.starts_on <= day)
        .order_by(is_running, Project.starts_on.desc(), Project.id.desc())
        .limit(1)
    )


def current_project(day: date | None = None) -> Project | None:
    """The project running on `day` (today), else the one that started last: its funding
    is acknowledged on the public pages and documents."""
    return db.session.scalars(_current(sa.select(Project), day)).first()


@dataclass(frozen=True)
class FundingProject:
    """The current project as the footer, the front page, the handbook and the newsletter's
    mails show it: plain values (no database object), so that one reading can be kept
    until the next change (`app.projects.views.funding_project`)."""

    id: int
    slug: str
    programme: str
    title_nl: str
    title_de: str
    title_en: str
    acknowledgement_nl: str
    acknowledgement_de: str
    acknowledgement_en: str
    starts_on: date
    ends_on: date
    emblem_updated_at: datetime | None

    @property
    def title(self) -> Localised:
        return localised(self, "title")

    def acknowledgement_in(self, lang: str | None = None) -> Localised:
        return localised(self, "acknowledgement", lang)

    @property
    def has_emblem(self) -> bool:
        return self.emblem_updated_at is not None


_FUNDING_COLUMNS = [getattr(Project, f.name) for f in fields(FundingProject)]


def current_funding(day: date | None = None) -> FundingProject | None:
    """What `current_project(day)` is, as plain values: one query, no relationship."""
    row = db.session.execute(_current(sa.select(*_FUNDING_COLUMNS), day)).first()
    return FundingProject(*row) if row else None


@dataclass(frozen=True)
class FundingPhase:
    name_nl: str
    name_de: str
    name_en: str
    starts_on: date
    ends_on: date

    @property
    def name(self) -> Localised:
        return localised(self, "name")


@dataclass(frozen=True)
class FundingOverview:
    """What the front page and the about page say of the current project besides its
    funding: its phases, lead partners and number of partners (plain values)."""

    phases: tuple[FundingPhase, ...]
    lead_partner_names: tuple[str, ...]
    partner_count: int

    @property
    def current_phase(self) -> FundingPhase | None:
        day = today()
        return next((p for p in self.phases if p.starts_on <= day <= p.ends_on), None)


def funding_overview(project_id: int) -> FundingOverview:
    phases = db.session.execute(
        sa.select(
            ProjectPhase.name_nl,
            ProjectPhase.name_de,
            ProjectPhase.name_en,
            ProjectPhase.starts_on,
            ProjectPhase.ends_on,
        )
        .where(ProjectPhase.project_id == project_id)
        .order_by(ProjectPhase.starts_on)
    ).all()
    partners = db.session.execute(
        sa.select(ProjectPartner.role, Organisation.name)
        .join(Organisation, Organisation.id == ProjectPartner.organisation_id)
        .where(ProjectPartner.project_id == project_id)
        .order_by(ProjectPartner.role, ProjectPartner.id)
    ).all()
    return FundingOverview(
        phases=tuple(FundingPhase(*phase) for phase in phases),
        lead_partner_names=tuple(
            name for role, name in partners if role is PartnerRole.lead_partner
        ),
        partner_count=len(partners),
    )


def emblem_svg(project_id: int) -> str:
    return db.session.scalar(sa.select(Project.emblem_svg).where(Project.id == project_id)) or ""


def projects_for(group_id: int | None, day: date) -> list[Project]:
    """The projects an activity on `day` belongs to: a group's activity to the projects
    that list the group (or list no group at all), an activity without a group to every
    project running that day."""
    projects = db.session.scalars(
        sa.select(Project)
        .options(selectinload(Project.groups))
        .where(Project.starts_on <= day, Project.ends_on >= day)
        .order_by(Project.starts_on, Project.id)
    ).all()
    return [
        project
        for project in projects
        if group_id is None or project.group_ids is None or group_id in project.group_ids
    ]


def organisation_projects(organisation: Organisation) -> list[ProjectPartner]:
    return list(
        db.session.scalars(
            sa.select(ProjectPartner)
            .join(Project, Project.id == ProjectPartner.project_id)
            .options(selectinload(ProjectPartner.project))
            .where(ProjectPartner.organisation_id == organisation.id)
            .order_by(Project.starts_on.desc(), Project.id)
        )
    )


def save_project(actor, project: Project | None, data: dict, emblem: bytes | None) -> Project:
    """Creates or updates a project from the form's cleaned data; partners are the lead
    partner and the other partner organisations, each organisation once."""
    is_new = project is None
    project = project or Project()
    for name in (
        "slug",
        "title_nl",
        "title_de",
        "title_en",
        "programme",
        "acknowledgement_nl",
        "acknowledgement_de",
        "acknowledgement_en",
        "co_financiers",
        "starts_on",
        "ends_on",
    ):
        setattr(project, name, data[name])
    project.groups = list(
        db.session.scalars(sa.select(WorkingGroup).where(WorkingGroup.id.in_(data["group_ids"])))
    )
    wanted = {data["lead_partner_id"]: PartnerRole.lead_partner} if data["lead_partner_id"] else {}
    for organisation_id in data["partner_ids"]:
        wanted.setdefault(organisation_id, PartnerRole.partner)
    kept = []
    for partner in project.partners:
        if partner.organisation_id in wanted:
            partner.role = wanted.pop(partner.organisation_id)
            kept.append(partner)
    project.partners = kept + [
        ProjectPartner(organisation_id=organisation_id, role=role)
        for organisation_id, role in wanted.items()
    ]
    wanted_phases = [
        (first, last, name_nl, name_de)
        for first, last, name_nl, name_de in parse_phases(data.get("phase_lines") or "")
    ]
    current = [(p.starts_on, p.ends_on, p.name_nl, p.name_de) for p in project.phases]
    if wanted_phases != current:
        project.phases = [
            ProjectPhase(starts_on=first, ends_on=last, name_nl=name_nl, name_de=name_de)
            for first, last, name_nl, name_de in wanted_phases
        ]
    if emblem:
        project.emblem_svg = clean_svg(emblem)
        project.emblem_updated_at = utcnow()
    if is_new:
        db.session.add(project)
    db.session.flush()
    record_audit(actor, "projects.create" if is_new else "projects.update", project)
    return project


# --- quarterly reports -------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def project_quarters(project: Project) -> list[tuple[int, int]]:
    """Every (year, quarter) the project runs in."""
    quarters = []
    year, quarter = project.starts_on.year, (project.starts_on.month - 1) // 3 + 1
    while quarter_bounds(year, quarter)[0] <= project.ends_on:
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


def quarter_period(project: Project, year: int, quarter: int) -> indicators.Period:
    """The quarter within the project's running time, narrowed to the project's groups:
    the same period the indicator page shows for the project and quarter."""
    first, last = quarter_bounds(year, quarter)
    first, last = max(first, project.starts_on), min(last, project.ends_on)
    if first > last:
        raise QuarterOutsideProject()
    return indicators.Period(first, last, project.group_ids)


def report_period(report: QuarterlyReport) -> indicators.Period:
    return quarter_period(report.project, report.year, report.quarter)


def _latest(project: Project, year: int, quarter: int) -> QuarterlyReport | None:
    return db.session.scalars(
        sa.select(QuarterlyReport)
        .where(
            QuarterlyReport.project_id == project.id,
            QuarterlyReport.year == year,
            QuarterlyReport.quarter == quarter,
        )
        .order_by(QuarterlyReport.version.desc())
        .limit(1)
    ).first()


def draft_report(actor, project: Project, year: int, quarter: int) -> QuarterlyReport:
    """A new draft for a quarter of the project's running time that has no report yet."""
    quarter_period(project, year, quarter)
    if _latest(project, year, quarter) is not None:
        raise ReportExists()
    report = QuarterlyReport(project=project, year=year, quarter=quarter)
    db.session.add(report)
    db.session.flush()
    record_audit(actor, "projects.draft_report", report, quarter=report.label)
    return report


def update_narrative(actor, report: QuarterlyReport, **texts: str) -> None:
    """The project manager's Markdown per language; open until the report is approved."""
    if report.is_approved:
        raise ReportApproved()
    for lang in REPORT_LANGUAGES:
        setattr(report, f"narrative_{lang}", (texts.get(f"narrative_{lang}") or "").strip())
    db.session.flush()
    record_audit(actor, "projects.update_report", report)


def circulate_report(actor, report: QuarterlyReport) -> int:
    """Opens the report to the steering group's comments and mails each member the link
    (in their language); returns how many were told."""
    from ..auth.models import User
    from ..mail.services import queue_template_mail

    if report.status is not ReportStatus.draft:
        raise ReportNotDraft()
    report.status = ReportStatus.circulated
    report.circulated_at = utcnow()
    db.session.flush()
    record_audit(actor, "projects.circulate_report", report)
    members = db.session.scalars(
        sa.select(User)
        .where(User.id.in_(steering_members(report.project)), User.is_active)
        .order_by(User.id)
    ).all()
    link = external_url("projects.report", report_id=report.id)
    for person in members:
        locale = person.locale or "nl"
        queue_template_mail(
            "projects/emails/circulated",
            to=(person.name, person.email),
            locale=locale,
            subject=_l("Progress report %(quarter)s for your comments", quarter=report.label),
            category="projects.circulated",
            person=person,
            report=report,
            locale_code=locale,
            link=link,
        )
    return len(members)


def approve_report(actor, report: QuarterlyReport) -> None:
    """Freezes the generated parts in every language: from now on the report shows what
    the platform knew at approval, whatever changes later."""
    if report.status is not ReportStatus.circulated:
        raise ReportNotCirculated()
    period = report_period(report)
    report.contents = {
        lang: compile_contents(report.project, period, lang) for lang in REPORT_LANGUAGES
    }
    report.status = ReportStatus.approved
    report.approved_at = utcnow()
    report.approved_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(actor, "projects.approve_report", report)


def correct_report(actor, report: QuarterlyReport) -> QuarterlyReport:
    """A new draft version of an approved report that refers to it, with its narrative."""
    if not report.is_approved:
        raise ReportNotApproved()
    if _latest(report.project, report.year, report.quarter).id != report.id:
        raise AlreadyCorrected()
    correction = QuarterlyReport(
        project=report.project,
        year=report.year,
        quarter=report.quarter,
        version=report.version + 1,
        corrects=report,
        narrative_nl=report.narrative_nl,
        narrative_de=report.narrative_de,
        narrative_en=report.narrative_en,
    )
    db.session.add(correction)
    db.session.flush()
    record_audit(actor, "projects.correct_report", correction, corrects=report.id)
    return correction


def steering_members(project: Project) -> sa.Select:
    """Active members of the project's steering groups (of every steering group when the
    project lists none)."""
    steering = sa.select(WorkingGroup.id).where(WorkingGroup.kind == GroupKind.steering)
    if project.group_ids is not None:
        steering = steering.where(WorkingGroup.id.in_(project.group_ids))
    return sa.select(Membership.user_id).where(
        Membership.group_id.in_(steering), Membership.left_on.is_(None)
    )


def is_steering_member(user, project: Project) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    stmt = steering_members(project).where(Membership.user_id == user.id).limit(1)
    return db.session.scalar(stmt) is not None


def can_read_report(user, report: QuarterlyReport) -> bool:
    """The project manager always; the steering group once it is circulated."""
    if getattr(user, "is_authenticated", False) and user.is_admin:
        return True
    return report.status is not ReportStatus.draft and is_steering_member(user, report.project)


def comment_on_report(user, report: QuarterlyReport, body: str) -> ReportComment:
    if report.status is not ReportStatus.circulated:
        raise ReportNotCirculated()
    body = (body or "").strip()
    if not body:
        raise EmptyComment()
    comment = ReportComment(report=report, author_id=user.id, body=body)
    db.session.add(comment)
    db.session.flush()
    return comment


# --- what the report says ----------------------------------------------------------------------


def _date(value) -> str:
    return format_date(value, "medium")


def compile_contents(project: Project, period: indicators.Period, lang: str) -> dict:
    """The generated parts of the report in `lang`, as plain data (stored when approved):
    the indicator tables of the quarter, exactly as the indicator page computes them, and
    the lists behind them: decisions, rounds, visits with their points, phase changes."""
    with force_locale(lang):
        tables = []
        for key in REPORT_TABLES:
            table = indicators.indicator_table(key, period)
            tables.append(
                {
                    "key": table.key,
                    "title": str(table.title),
                    "description": str(table.description),
                    "columns": [str(column) for column in table.columns],
                    "rows": [[str(cell) for cell in row] for row in table.rows],
                    "is_suppressed": table.is_suppressed,
                }
            )
        in_groups = (
            sa.true() if period.group_ids is None else Proposal.group_id.in_(period.group_ids)
        )
        rounds = db.session.scalars(
            sa.select(Round)
            .join(Proposal, Proposal.id == Round.proposal_id)
            .options(selectinload(Round.proposal).selectinload(Proposal.group))
            .where(
                in_groups, sa.or_(period.covers(Round.opened_at), period.covers(Round.closed_at))
            )
            .order_by(Round.opened_at, Round.id)
        ).all()
        decisions = [
            {
                "group": r.proposal.group.name.text if r.proposal.group else "",
                "proposal": r.proposal.title,
                "round": r.number,
                "closed_on": _date(r.closed_at.astimezone(LOCAL_ZONE)),
                "outcome": r.outcome.title if r.outcome else "",
            }
            for r in rounds
            if r.closed_at is not None and period.start_at <= r.closed_at < period.end_at
        ]
        opened = [
            {
                "group": r.proposal.group.name.text if r.proposal.group else "",
                "proposal": r.proposal.title,
                "round": r.number,
                "opened_on": _date(r.opened_at.astimezone(LOCAL_ZONE)),
            }
            for r in rounds
            if period.start_at <= r.opened_at < period.end_at
        ]
        visits = db.session.scalars(
            sa.select(Visit)
            .options(selectinload(Visit.points), selectinload(Visit.organisation))
            .where(
                Visit.starts_on >= period.first,
                Visit.starts_on <= period.last,
                Visit.status != VisitStatus.cancelled,
            )
            .order_by(Visit.starts_on, Visit.id)
        ).all()
        phase_stmt = (
            sa.select(GroupPhase)
            .options(selectinload(GroupPhase.group))
            .where(GroupPhase.started_on >= period.first, GroupPhase.started_on <= period.last)
            .order_by(GroupPhase.started_on, GroupPhase.id)
        )
        if period.group_ids is not None:
            phase_stmt = phase_stmt.where(GroupPhase.group_id.in_(period.group_ids))
        return {
            "period": _(
                "%(first)s to %(last)s", first=_date(period.first), last=_date(period.last)
            ),
            "tables": tables,
            "decisions": decisions,
            "rounds_opened": opened,
            "visits": [
                {
                    "title": visit.title_in(lang),
                    "host": visit.organisation.name,
                    "starts_on": _date(visit.starts_on),
                    "points": [
                        {"kind": point.kind.title, "text": point.text} for point in visit.points
                    ],
                }
                for visit in visits
            ],
            "phases": [
                {
                    "group": phase.group.name.text,
                    "phase": phase.phase.title,
                    "started_on": _date(phase.started_on),
                }
                for phase in db.session.scalars(phase_stmt)
            ],
        }


def report_contents(report: QuarterlyReport, lang: str) -> dict:
    """What the report shows in `lang`: frozen when approved, else computed now."""
    if report.is_approved and report.contents and lang in report.contents:
        return report.contents[lang]
    return compile_contents(report.project, report_period(report), lang)


def short_version(report: QuarterlyReport, lang: str) -> str:
    """The report as a newsletter text in Markdown: the narrative and the main numbers
    (the newsletter's mails and pages add the funding acknowledgement themselves)."""
    contents = report_contents(report, lang)
    tables = {table["key"]: table for table in contents["tables"]}
    with force_locale(lang):
        lines = [report.narrative_in(lang).strip(), "", f"**{_('The quarter in numbers')}**", ""]
        for row in tables["meetings_by_kind"]["rows"]:
            if row[1] != "0":
                lines.append(f"- {row[0]}: {row[1]}")
        participants = tables["participants_by_country_and_gender"]["rows"]
        lines.append(f"- {_('Participants')}: {participants[-1][-1]}")
        for row in participants[:-1]:
            lines.append(f"  - {row[0]}: {row[-1]}")
        if contents["decisions"]:
            lines.append(f"- {_('Consensus rounds closed')}: {len(contents['decisions'])}")
        if contents["visits"]:
            lines.append(f"- {_('Work visits')}: {len(contents['visits'])}")
    return "\n".join(lines).strip() + "\n"


def make_edition(actor, report: QuarterlyReport):
    """The quarter's newsletter edition from the approved report: a title and the short
    version in Dutch and German (and English when the report has an English narrative),
    through the newsletter's own service (so its rules on quarters hold)."""
    if not report.is_approved:
        raise ReportNotApproved()
    content = {}
    for lang in REPORT_LANGUAGES:
        if lang == "en" and not report.narrative_en.strip():
            continue
        with force_locale(lang):
            content[f"title_{lang}"] = _(
                "%(project)s: progress in %(quarter)s",
                project=report.project.title_in(lang),
                quarter=report.label,
            )
        content[f"body_{lang}"] = short_version(report, lang)
    edition = newsletter_services.create_edition(actor, report.label, **content)
    report.edition_id = edition.id
    db.session.flush()
    return edition
