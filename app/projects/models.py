"""The INTERREG projects the platform works for: programme, running time, partners with
their role, co-financiers, working groups, funding acknowledgement and emblem; and the
quarterly progress reports drafted from a quarter's activity."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.database import UTCDateTime, utcnow
from ..core.dates import LOCAL_ZONE
from ..core.i18n_fields import Localised, localised
from ..extensions import db
from ..groups.models import WorkingGroup
from ..partners.models import Organisation

if TYPE_CHECKING:
    from ..auth.models import User


class PartnerRole(enum.Enum):
    lead_partner = "lead_partner"
    partner = "partner"

    @property
    def title(self) -> str:
        return str(PARTNER_ROLE_TITLES[self])


PARTNER_ROLE_TITLES = {
    PartnerRole.lead_partner: _l("Lead partner"),
    PartnerRole.partner: _l("Project partner"),
}

project_groups = sa.Table(
    "project_groups",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "group_id",
        sa.ForeignKey("working_groups.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Project(db.Model):
    """A funded cross-border project. Activities belong to it through their working group
    (one of `groups`) or, for what has no group, by date (within `starts_on`..`ends_on`)."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title_nl: Mapped[str] = mapped_column(sa.String(300))
    title_de: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    title_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    programme: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    acknowledgement_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    acknowledgement_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    acknowledgement_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Names only, one per line: who co-finances (no budget bookkeeping here).
    co_financiers: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    # The programme's emblem, a cleaned SVG document (app.projects.emblem); loaded only
    # when served or printed.
    emblem_svg: Mapped[str] = mapped_column(sa.Text, default="", server_default="", deferred=True)
    emblem_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partners: Mapped[list["ProjectPartner"]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        order_by="ProjectPartner.role, ProjectPartner.id",
    )
    groups: Mapped[list[WorkingGroup]] = relationship(
        secondary=project_groups, order_by=WorkingGroup.name_nl
    )
    phases: Mapped[list["ProjectPhase"]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        order_by="ProjectPhase.starts_on",
    )

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    def __repr__(self) -> str:
        return f"<Project {self.slug}>"

    @property
    def title(self) -> Localised:
        return localised(self, "title")

    def title_in(self, lang: str) -> str:
        return localised(self, "title", lang).text

    def acknowledgement_in(self, lang: str | None = None) -> Localised:
        return localised(self, "acknowledgement", lang)

    @property
    def co_financier_names(self) -> list[str]:
        return [line.strip() for line in self.co_financiers.splitlines() if line.strip()]

    @property
    def has_emblem(self) -> bool:
        return self.emblem_updated_at is not None

    @property
    def lead_partners(self) -> list["ProjectPartner"]:
        return [p for p in self.partners if p.role is PartnerRole.lead_partner]

    def runs_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def phase_on(self, day: date) -> "ProjectPhase | None":
        """The phase the project is in on `day` (None between or outside its phases)."""
        return next((p for p in self.phases if p.starts_on <= day <= p.ends_on), None)

    @property
    def current_phase(self) -> "ProjectPhase | None":
        return self.phase_on(datetime.now(LOCAL_ZONE).date())

    @property
    def group_ids(self) -> tuple[int, ...] | None:
        """The groups whose activities are the project's; None: every group's."""
        return tuple(sorted(g.id for g in self.groups)) or None


class ProjectPartner(db.Model):
    __tablename__ = "project_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[PartnerRole] = mapped_column(sa.Enum(PartnerRole, native_enum=False, length=20))

    project: Mapped[Project] = relationship(back_populates="partners")
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (sa.UniqueConstraint("project_id", "organisation_id"),)

    def __repr__(self) -> str:
        return f"<ProjectPartner {self.project_id} {self.organisation_id} {self.role.name}>"


class ProjectPhase(db.Model):
    """A stage of the project's work plan (Integratievisie: analysis, vision, implementation)."""

    __tablename__ = "project_phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name_nl: Mapped[str] = mapped_column(sa.String(200))
    name_de: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    name_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)

    project: Mapped[Project] = relationship(back_populates="phases")

    def __repr__(self) -> str:
        return f"<ProjectPhase {self.project_id} {self.starts_on}>"

    @property
    def name(self) -> Localised:
        return localised(self, "name")


class ReportStatus(enum.Enum):
    draft = "draft"
    circulated = "circulated"
    approved = "approved"

    @property
    def title(self) -> str:
        return str(REPORT_STATUS_TITLES[self])


REPORT_STATUS_TITLES = {
    ReportStatus.draft: _l("Draft"),
    ReportStatus.circulated: _l("Circulated to the steering group"),
    ReportStatus.approved: _l("Approved"),
}

REPORT_LANGUAGES = ("nl", "de", "en")


class QuarterlyReport(db.Model):
    """The progress report of a project for one quarter. Generated parts are computed from
    the platform's records while the report is open and frozen (`contents`, per language)
    when it is approved; an approved report never changes: a correction is a new version
    that names the one it corrects."""

    __tablename__ = "quarterly_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int]
    quarter: Mapped[int]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    corrects_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quarterly_reports.id", ondelete="SET NULL")
    )
    status: Mapped[ReportStatus] = mapped_column(
        sa.Enum(ReportStatus, native_enum=False, length=12),
        default=ReportStatus.draft,
        server_default=ReportStatus.draft.name,
    )
    narrative_nl: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    narrative_de: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    narrative_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    contents: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    circulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    edition_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("newsletter_editions.id", ondelete="SET NULL")
    )

    project: Mapped[Project] = relationship()
    corrects: Mapped["QuarterlyReport | None"] = relationship(remote_side=[id])
    approved_by: Mapped["User | None"] = relationship()
    comments: Mapped[list["ReportComment"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportComment.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("project_id", "year", "quarter", "version"),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_1_to_4"),
    )

    def __repr__(self) -> str:
        return f"<QuarterlyReport {self.project_id} {self.year} Q{self.quarter} v{self.version}>"

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def is_approved(self) -> bool:
        return self.status is ReportStatus.approved

    @property
    def is_circulated(self) -> bool:
        return self.status is ReportStatus.circulated

    def narrative_in(self, lang: str) -> str:
        return getattr(self, f"narrative_{lang}", "") or ""


class ReportComment(db.Model):
    """A steering group member's comment on a circulated report."""

    __tablename__ = "report_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quarterly_reports.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[QuarterlyReport] = relationship(back_populates="comments")
    author: Mapped["User | None"] = relationship()

    def __repr__(self) -> str:
        return f"<ReportComment {self.report_id} {self.id}>"
