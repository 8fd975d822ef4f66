"""Project pages (public), their editing and the quarterly reports (project manager;
steering group members read and comment once a report is circulated)."""

import base64

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload, undefer
from wtforms import SelectChoice

from ..core.i18n import LANGUAGE_NAMES
from ..core.page_cache import per_change
from ..core.security import admin_required, public
from ..extensions import db
from ..groups.models import WorkingGroup
from ..partners.models import Organisation
from ..reports import charts
from ..reports import services as indicator_services
from ..reports.exports import table_csv
from ..reports.handbook import handbook_pdf
from . import bp, services
from .forms import ActionForm, CommentForm, NarrativeForm, NewReportForm, ProjectForm
from .models import REPORT_LANGUAGES, Project, QuarterlyReport


@bp.app_template_global()
def funding_project() -> services.FundingProject | None:
    """The project whose funding the public pages acknowledge, read once per change of the
    database (and day) and kept as plain values; the mail worker lives in one long
    application context (whose cache need not see the web's writes), so it asks each time."""
    if not has_request_context():
        return services.current_funding()
    if g.get("database_free"):  # a 5xx page reads nothing from the database
        return None
    if "funding_project" not in g:
        try:
            # in a tuple, so that "no project" is kept too
            (g.funding_project,) = per_change(
                f"projects:funding:{services.today()}", lambda: (services.current_funding(),)
            )
        except SQLAlchemyError:
            # An error page rendered after a failed query must not fail on its footer.
            db.session.rollback()
            g.funding_project = None
    return g.funding_project


@bp.app_template_global()
def funding_overview(project: services.FundingProject) -> services.FundingOverview:
    """The current project's phases and partners, for the front and about pages."""
    return per_change(
        f"projects:funding-overview:{project.id}",
        lambda: services.funding_overview(project.id),
    )


@bp.app_template_global()
def emblem_data_uri(project: Project | services.FundingProject) -> str:
    """The emblem inline, for documents printed without a web server (PDF)."""
    svg = project.emblem_svg if isinstance(project, Project) else services.emblem_svg(project.id)
    encoded = base64.b64encode(svg.encode()).decode()
    return f"data:image/svg+xml;base64,{encoded}"


@bp.app_template_global()
def organisation_projects(organisation: Organisation):
    return services.organisation_projects(organisation)


def _project(slug: str) -> Project:
    return db.one_or_404(
        sa.select(Project)
        .options(
            selectinload(Project.partners),
            selectinload(Project.groups),
            selectinload(Project.phases),
        )
        .filter_by(slug=slug)
    )


@bp.get("/")
@public
def index():
    projects = db.session.scalars(
        sa.select(Project).order_by(Project.starts_on.desc(), Project.id)
    ).all()
    return render_template("projects/index.html", projects=projects)


@bp.get("/<slug>")
@public
def show(slug: str):
    project = _project(slug)
    reports = []
    if current_user.is_authenticated and current_user.is_admin:
        reports = db.session.scalars(
            sa.select(QuarterlyReport)
            .where(QuarterlyReport.project_id == project.id)
            .order_by(
                QuarterlyReport.year.desc(),
                QuarterlyReport.quarter.desc(),
                QuarterlyReport.version.desc(),
            )
        ).all()
    form = NewReportForm()
    if reports:
        form.year.data, form.quarter.data = reports[0].year, reports[0].quarter
    else:
        form.year.data = project.starts_on.year
    return render_template(
        "projects/show.html", project=project, reports=reports, new_report_form=form
    )


@bp.get("/<slug>/emblem.svg")
@public
def emblem(slug: str):
    project = db.one_or_404(
        sa.select(Project).options(undefer(Project.emblem_svg)).filter_by(slug=slug)
    )
    if not project.has_emblem:
        abort(404)
    return Response(
        project.emblem_svg,
        mimetype="image/svg+xml",
        headers={
            # Even opened on its own, the image runs nothing and loads nothing.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            "Cache-Control": "public, max-age=86400",
        },
    )


def _project_form(project: Project | None) -> ProjectForm:
    form = ProjectForm(obj=project)
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    form.lead_partner_id.choices = [SelectChoice(0, _("None"))] + [
        SelectChoice(i, name) for i, name in organisations
    ]
    form.partner_ids.choices = [SelectChoice(i, name) for i, name in organisations]
    form.group_ids.choices = [
        SelectChoice(group.id, group.name.text)
        for group in db.session.scalars(sa.select(WorkingGroup).order_by(WorkingGroup.name_nl))
    ]
    if project is not None and request.method == "GET":
        lead = project.lead_partners
        form.lead_partner_id.data = lead[0].organisation_id if lead else 0
        form.partner_ids.data = [p.organisation_id for p in project.partners if p not in lead]
        form.group_ids.data = [group.id for group in project.groups]
        form.phase_lines.data = services.phases_text(project)
    return form


def _save(project: Project | None):
    form = _project_form(project)
    if form.validate_on_submit():
        taken = db.session.scalar(
            sa.select(Project.id).where(
                Project.slug == form.slug.data,
                Project.id != (project.id if project else 0),
            )
        )
        if taken is not None:
            form.slug.errors.append(_("Another project already has this web address."))
        else:
            upload = form.emblem.data
            data = {name: field.data for name, field in form._fields.items()}
            data["lead_partner_id"] = data["lead_partner_id"] or None
            project = services.save_project(
                current_user, project, data, upload.read() if upload else None
            )
            db.session.commit()
            flash(_("The project has been saved."), "success")
            return redirect(url_for("projects.show", slug=project.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("projects/form.html", form=form, project=project), status


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    return _save(None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@admin_required
def edit(slug: str):
    return _save(_project(slug))


@bp.post("/<slug>/reports")
@admin_required
def new_report(slug: str):
    project = _project(slug)
    form = NewReportForm()
    if not form.validate_on_submit():
        flash(_("Please choose a year and a quarter."), "danger")
        return redirect(url_for("projects.show", slug=slug)), 303
    report = services.draft_report(current_user, project, form.year.data, form.quarter.data)
    db.session.commit()
    flash(_("The draft report has been created from the quarter's activity."), "success")
    return redirect(url_for("projects.report", report_id=report.id))


def _report(report_id: int) -> QuarterlyReport:
    report = db.get_or_404(QuarterlyReport, report_id)
    if not services.can_read_report(current_user, report):
        abort(403)
    return report


def _language() -> str:
    lang = request.args.get("lang") or str(get_locale() or "nl")
    if lang not in REPORT_LANGUAGES:
        abort(404)
    return lang


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    report = _report(report_id)
    lang = _language()
    narrative = NarrativeForm(obj=report)
    return render_template(
        "projects/report.html",
        report=report,
        lang=lang,
        contents=services.report_contents(report, lang),
        narrative_form=narrative,
        comment_form=CommentForm(),
        action_form=ActionForm(),
        language_names=LANGUAGE_NAMES,
        newer=db.session.scalar(
            sa.select(QuarterlyReport).where(QuarterlyReport.corrects_id == report.id)
        ),
    )


def _print_html(report: QuarterlyReport, lang: str, for_pdf: bool) -> str:
    with force_locale(lang):
        return render_template(
            "projects/report_print.html",
            report=report,
            lang=lang,
            contents=services.report_contents(report, lang),
            for_pdf=for_pdf,
            language_names=LANGUAGE_NAMES,
        )


@bp.get("/reports/<int:report_id>/print")
def report_print(report_id: int):
    report = _report(report_id)
    return _print_html(report, _language(), for_pdf=False)


@bp.get("/reports/<int:report_id>.pdf")
def report_pdf(report_id: int):
    report = _report(report_id)
    lang = _language()
    name = f"{report.project.slug}-{report.year}-q{report.quarter}-v{report.version}-{lang}.pdf"
    return Response(
        handbook_pdf(_print_html(report, lang, for_pdf=True)),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/reports/<int:report_id>/narrative")
@admin_required
def update_narrative(report_id: int):
    report = _report(report_id)
    form = NarrativeForm()
    if not form.validate_on_submit():
        flash(_("The narrative could not be saved; it may be too long."), "danger")
        return redirect(url_for("projects.report", report_id=report.id)), 303
    services.update_narrative(current_user, report, **form.data)
    db.session.commit()
    flash(_("The narrative has been saved."), "success")
    return redirect(url_for("projects.report", report_id=report.id))


def _action(report_id: int, action, message: str):
    report = _report(report_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    result = action(current_user, report)
    db.session.commit()
    flash(message, "success")
    target = result if isinstance(result, QuarterlyReport) else report
    return redirect(url_for("projects.report", report_id=target.id))


@bp.post("/reports/<int:report_id>/circulate")
@admin_required
def circulate(report_id: int):
    return _action(
        report_id,
        services.circulate_report,
        _("The report has been circulated to the steering group for comments."),
    )


@bp.post("/reports/<int:report_id>/approve")
@admin_required
def approve(report_id: int):
    return _action(
        report_id,
        services.approve_report,
        _("The report has been approved; it can no longer change."),
    )


@bp.post("/reports/<int:report_id>/correct")
@admin_required
def correct(report_id: int):
    return _action(
        report_id,
        services.correct_report,
        _("A correction has been started as a new version of the report."),
    )


@bp.post("/reports/<int:report_id>/edition")
@admin_required
def make_edition(report_id: int):
    report = _report(report_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    edition = services.make_edition(current_user, report)
    db.session.commit()
    flash(
        _(
            "The newsletter edition %(quarter)s has been drafted from the report.",
            quarter=edition.quarter,
        ),
        "success",
    )
    return redirect(url_for("newsletter.edit_edition", edition_id=edition.id))


@bp.post("/reports/<int:report_id>/comments")
def comment(report_id: int):
    report = _report(report_id)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Please write a comment."), "danger")
        return redirect(url_for("projects.report", report_id=report.id)), 303
    services.comment_on_report(current_user, report, form.body.data)
    db.session.commit()
    flash(_("Your comment has been added."), "success")
    return redirect(url_for("projects.report", report_id=report.id))


def _quarter(project: Project):
    """The (year, quarter) asked for, else today's (or the project's last); its period."""
    quarters = services.project_quarters(project)
    today = services.today()
    default = (today.year, (today.month - 1) // 3 + 1)
    if default not in quarters:
        default = quarters[-1]
    try:
        year = int(request.args.get("year") or default[0])
        quarter = int(request.args.get("quarter") or default[1])
    except ValueError:
        raise services.QuarterOutsideProject() from None
    if (year, quarter) not in quarters:
        raise services.QuarterOutsideProject()
    return year, quarter, services.quarter_period(project, year, quarter)


@bp.get("/<slug>/indicators")
@admin_required
def indicators(slug: str):
    project = _project(slug)
    year, quarter, period = _quarter(project)
    return render_template(
        "projects/indicators.html",
        project=project,
        year=year,
        quarter=quarter,
        quarters=services.project_quarters(project),
        period=period,
        tables=indicator_services.indicator_tables(period),
        suppression_rule=indicator_services.SUPPRESSION_RULE,
        bars=charts.bars,
        chart_height=charts.chart_height,
    )


@bp.get("/<slug>/indicators.csv")
@admin_required
def indicators_csv(slug: str):
    project = _project(slug)
    year, quarter, period = _quarter(project)
    table = indicator_services.indicator_table(request.args.get("table", ""), period)
    filename = f"{project.slug}-{year}-q{quarter}-{table.key}.csv"
    return Response(
        table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
