"""The audit-log page's filters: actor, action, object type and a range of local dates."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..core.audit import AuditEntry
from ..core.errors import DomainError
from ..extensions import db
from .services import Period, parse_period

_ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)*$")


class BadAuditFilter(DomainError):
    status_code = 400
    message = _l("This filter for the audit log is not valid.")


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str = ""
    object_type: str = ""
    period: Period | None = None


def parse_audit_filter(args: MultiDict) -> AuditFilter:
    """Reads the query string; a value that cannot be a filter raises BadAuditFilter (a
    bad period raises BadPeriod)."""
    actor = args.get("actor", "")
    action = args.get("action", "")
    object_type = args.get("object_type", "")
    if actor and not actor.isdigit():
        raise BadAuditFilter()
    if action and not _ACTION.match(action):
        raise BadAuditFilter()
    if object_type and object_type not in db.metadata.tables:
        raise BadAuditFilter()
    period = None
    if args.get("from") or args.get("to"):
        period = parse_period(args.get("from"), args.get("to"))
    return AuditFilter(int(actor) if actor else None, action, object_type, period)


def audit_statement(audit_filter: AuditFilter) -> sa.Select:
    stmt = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if audit_filter.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == audit_filter.actor_id)
    if audit_filter.action:
        stmt = stmt.where(AuditEntry.action == audit_filter.action)
    if audit_filter.object_type:
        stmt = stmt.where(AuditEntry.object_type == audit_filter.object_type)
    if audit_filter.period:
        stmt = stmt.where(audit_filter.period.covers(AuditEntry.created_at))
    return stmt


def filter_choices() -> dict[str, list]:
    """The actors, actions and object types that occur in the log, for the filter form."""
    from ..auth.models import User

    actors = db.session.execute(
        sa.select(User.id, User.name)
        .where(User.id.in_(sa.select(AuditEntry.actor_id).distinct()))
        .order_by(User.name)
    ).all()
    actions = db.session.scalars(
        sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    ).all()
    types = db.session.scalars(
        sa.select(AuditEntry.object_type)
        .where(AuditEntry.object_type.is_not(None))
        .distinct()
        .order_by(AuditEntry.object_type)
    ).all()
    return {"actors": actors, "actions": actions, "object_types": types}
