import sqlalchemy as sa
from flask import render_template
from flask_login import current_user

from ..core.security import public
from ..extensions import db
from . import bp
from .models import GroupKind, WorkingGroup


@bp.get("/")
@public
def index():
    stmt = sa.select(WorkingGroup).order_by(WorkingGroup.id)
    if not (current_user.is_authenticated and current_user.is_admin):
        stmt = stmt.where(WorkingGroup.is_public.is_(True))
    groups = db.session.scalars(stmt).all()
    by_kind = {kind: [g for g in groups if g.kind == kind] for kind in GroupKind}
    return render_template("groups/index.html", by_kind=by_kind)
