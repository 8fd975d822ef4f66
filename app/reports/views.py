"""Report pages: thin handlers for the project manager."""

import sqlalchemy as sa
from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy.orm import selectinload

from ..core.audit import AuditEntry
from ..core.pagination import paginate
from ..core.security import admin_required
from ..extensions import db
from . import audit as audit_module
from . import bp, charts, services
from . import handbook as handbook_module
from .exports import table_csv


def _period() -> services.Period:
    return services.parse_period(request.args.get("from"), request.args.get("to"))


@bp.get("/")
@admin_required
def index():
    return redirect(url_for("reports.indicators"))


@bp.get("/indicators")
@admin_required
def indicators():
    period = _period()
    return render_template(
        "reports/indicators.html",
        period=period,
        tables=services.indicator_tables(period),
        suppression_rule=services.SUPPRESSION_RULE,
        bars=charts.bars,
        chart_height=charts.chart_height,
    )


@bp.get("/indicators.csv")
@admin_required
def indicators_csv():
    period = _period()
    table = services.indicator_table(request.args.get("table", ""), period)
    filename = f"{table.key}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _handbook_request():
    from ..groups.models import WorkingGroup

    period = _period()
    lang = handbook_module.check_language(request.args.get("lang") or str(get_locale() or "nl"))
    slug = request.args.get("group")
    group = db.one_or_404(sa.select(WorkingGroup).filter_by(slug=slug)) if slug else None
    return period, group, lang


@bp.get("/handbook")
@admin_required
def handbook():
    period, group, lang = _handbook_request()
    return handbook_module.render_handbook(period, group, lang)


@bp.get("/handbook.pdf")
@admin_required
def handbook_pdf():
    period, group, lang = _handbook_request()
    html = handbook_module.render_handbook(period, group, lang, for_pdf=True)
    name = f"handbook-{group.slug if group else 'project'}-{period.first}-{period.last}-{lang}.pdf"
    return Response(
        handbook_module.handbook_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/audit")
@admin_required
def audit():
    audit_filter = audit_module.parse_audit_filter(request.args)
    page = paginate(
        audit_module.audit_statement(audit_filter).options(selectinload(AuditEntry.actor)),
        per_page=50,
    )
    return render_template(
        "reports/audit.html",
        page=page,
        audit_filter=audit_filter,
        **audit_module.filter_choices(),
    )
