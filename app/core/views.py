import sqlalchemy as sa
from flask import Blueprint, abort, render_template

from ..extensions import db
from .security import public

bp = Blueprint("core", __name__)

# Domains whose issue has not landed yet: the navigation links to an honest placeholder.
UPCOMING: dict = {}


@bp.get("/")
@public
def index():
    return render_template("core/index.html")


@bp.get("/soon/<domain>")
@public
def coming_soon(domain: str):
    if domain not in UPCOMING:
        abort(404)
    title, text = UPCOMING[domain]
    return render_template("core/coming_soon.html", title=title, text=text)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {"status": "error", "database": "unavailable"}, 503
    return {"status": "ok", "database": "ok"}
