"""The project manager's page of incoming mail: every message the inbound channel took in,
what it was taken for and what it caused, with the raw text one click away while kept."""

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.errors import DomainError
from ..core.pagination import paginate
from ..core.security import admin_required
from ..extensions import db
from .models import InboundKind, InboundMessage

bp = Blueprint("mail", __name__, url_prefix="/admin/mail")
PER_PAGE = 50


class UnknownKind(DomainError):
    status_code = 400
    message = _l("Unknown kind of message.")


class RawTextExpired(DomainError):
    status_code = 404


@bp.get("/inbound")
@admin_required
def inbound():
    kind = request.args.get("kind") or ""
    stmt = sa.select(InboundMessage).order_by(
        InboundMessage.received_at.desc(), InboundMessage.id.desc()
    )
    if kind:
        if kind not in InboundKind.__members__:
            raise UnknownKind()
        stmt = stmt.where(InboundMessage.kind == InboundKind[kind])
    return render_template(
        "mail/inbound.html",
        page=paginate(stmt, PER_PAGE),
        kinds=list(InboundKind),
        kind=kind,
    )


@bp.get("/inbound/<int:message_id>/raw")
@admin_required
def inbound_raw(message_id: int):
    message = db.get_or_404(InboundMessage, message_id)
    if message.raw is None:
        raise RawTextExpired(
            _(
                "The raw text of incoming mail is kept for %(days)s days; this one is older.",
                days=current_app.config["INBOUND_RAW_DAYS"],
            )
        )
    # text/plain, never rendered: the browser shows the message as it arrived
    return message.raw, 200, {"Content-Type": "text/plain; charset=utf-8"}
