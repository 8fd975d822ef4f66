import sqlalchemy as sa
from flask import Blueprint, current_app, render_template

from ..extensions import db
from .security import public

bp = Blueprint("core", __name__)


@bp.get("/")
@public
def index():
    """The home page. The package that knows the content (app.home) provides it as
    app.extensions["front_page"]; without it, the plain welcome page."""
    front_page = current_app.extensions.get("front_page")
    if front_page is not None:
        return front_page()
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
