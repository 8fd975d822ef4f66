"""The policy handbook: decision records, phase timelines and approved minutes of a period,
per group, and the work visits' learning and transfer points by policy field, compiled in
one language; as a print-ready page and as PDF."""

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..consensus.models import Proposal, ProposalStatus, Stance
from ..core.errors import DomainError
from ..extensions import db
from ..groups.models import GroupPhase, WorkingGroup
from ..meetings.models import Meeting, MeetingStatus, MinutesStatus
from ..partners.models import PolicyField
from ..visits.models import Visit, VisitPoint, VisitStatus
from .services import Period

HANDBOOK_LANGUAGES = ("nl", "de", "en")
STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "handbook.css"


class UnknownLanguage(DomainError):
    status_code = 400
    message = _l("The handbook is written in Dutch (nl), German (de) or English (en).")


@dataclass
class Chapter:
    """One group's part of the handbook (group None: the project-wide meetings)."""

    group: WorkingGroup | None
    phases: list[GroupPhase] = field(default_factory=list)
    decisions: list[Proposal] = field(default_factory=list)
    minutes: list[Meeting] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.phases or self.decisions or self.minutes)


def check_language(lang: str) -> str:
    if lang not in HANDBOOK_LANGUAGES:
        raise UnknownLanguage()
    return lang


def compile_handbook(period: Period, group: WorkingGroup | None = None) -> list[Chapter]:
    """Every group (or the one asked for) with its phase timeline up to the end of the
    period, the proposals decided in the period and the approved minutes of its meetings
    in the period; groups with nothing to tell are left out."""
    groups_stmt = sa.select(WorkingGroup).options(selectinload(WorkingGroup.phases))
    if group is not None:
        groups_stmt = groups_stmt.where(WorkingGroup.id == group.id)
    groups = db.session.scalars(groups_stmt.order_by(WorkingGroup.name_nl, WorkingGroup.id)).all()
    chapters = {g.id: Chapter(g) for g in groups}
    for g in groups:
        chapters[g.id].phases = [p for p in g.phases if p.started_on <= period.last]

    decisions = db.session.scalars(
        sa.select(Proposal)
        .options(selectinload(Proposal.rounds), selectinload(Proposal.versions))
        .where(
            Proposal.status == ProposalStatus.decided,
            period.covers(Proposal.decided_at),
            Proposal.group_id.in_(chapters),
        )
        .order_by(Proposal.decided_at)
    ).all()
    for proposal in decisions:
        chapters[proposal.group_id].decisions.append(proposal)

    meetings_stmt = sa.select(Meeting).where(
        Meeting.minutes_status == MinutesStatus.approved,
        Meeting.status != MeetingStatus.cancelled,
        period.covers(Meeting.start_at),
    )
    if group is None:
        chapters[None] = Chapter(None)
        meetings_stmt = meetings_stmt.where(
            sa.or_(Meeting.group_id.in_(chapters.keys() - {None}), Meeting.group_id.is_(None))
        )
    else:
        meetings_stmt = meetings_stmt.where(Meeting.group_id == group.id)
    for meeting in db.session.scalars(meetings_stmt.order_by(Meeting.start_at)):
        chapters[meeting.group_id].minutes.append(meeting)
    return [chapter for chapter in chapters.values() if not chapter.is_empty]


@dataclass
class FieldPoints:
    """The learning and transfer points of the period's visits in one policy field (None:
    visits without a policy field)."""

    policy_field: PolicyField | None
    points: list[VisitPoint] = field(default_factory=list)


def points_by_policy_field(period: Period) -> list[FieldPoints]:
    """Points recorded for visits starting in the period, under each of the visit's policy
    fields, in the fields' order."""
    points = db.session.scalars(
        sa.select(VisitPoint)
        .join(Visit, Visit.id == VisitPoint.visit_id)
        .options(selectinload(VisitPoint.visit).selectinload(Visit.policy_fields))
        .where(
            Visit.starts_on >= period.first,
            Visit.starts_on <= period.last,
            Visit.status != VisitStatus.cancelled,
        )
        .order_by(Visit.starts_on, VisitPoint.kind, VisitPoint.id)
    ).all()
    sections: dict[int | None, FieldPoints] = {}
    for point in points:
        for policy_field in point.visit.policy_fields or [None]:
            key = policy_field.id if policy_field else None
            sections.setdefault(key, FieldPoints(policy_field)).points.append(point)
    return sorted(
        sections.values(),
        key=lambda s: (s.policy_field is None, s.policy_field.position if s.policy_field else 0),
    )


def decision_texts(proposal: Proposal, lang: str) -> list[tuple[str, str]]:
    """The decided version's text in the handbook's language; in an English handbook both
    original texts, since proposals are written in Dutch and German."""
    round_ = proposal.decision_round
    version = round_.version if round_ else proposal.current_version
    if version is None:
        return []
    if lang in ("nl", "de"):
        return [(lang, getattr(version, f"text_{lang}") or version.text_nl or version.text_de)]
    return [(code, getattr(version, f"text_{code}")) for code in ("nl", "de")]


def render_handbook(
    period: Period, group: WorkingGroup | None, lang: str, *, for_pdf: bool = False
) -> str:
    chapters = compile_handbook(period, group)
    with force_locale(lang):
        return render_template(
            "reports/handbook.html",
            chapters=chapters,
            period=period,
            group=group,
            lang=lang,
            for_pdf=for_pdf,
            decision_texts=decision_texts,
            field_points=points_by_policy_field(period) if group is None else [],
            stance_title=lambda name: Stance(name).title,
        )


def handbook_pdf(html: str) -> bytes:
    """The page printed by WeasyPrint with the handbook stylesheet (DejaVu Sans carries
    ä, ö, ü, ß and ĳ)."""
    from weasyprint import CSS, HTML

    return HTML(string=html, base_url=current_app.root_path).write_pdf(
        stylesheets=[CSS(filename=str(STYLESHEET))]
    )
