import sqlalchemy as sa
from flask import Blueprint, render_template

from ..extensions import db
from .page_cache import cached_page
from .security import public

bp = Blueprint("core", __name__)


@bp.get("/")
@public
@cached_page
def index():
    return render_template("core/index.html")


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unavailable"}, 503
    return {"status": "ok", "database": "ok"}
