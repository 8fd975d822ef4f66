import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, redirect, render_template
from flask_login import current_user

from ..extensions import csrf, db
from .forms import LanguageForm
from .i18n import address_in_language
from .page_cache import cached_page
from .security import public

bp = Blueprint("core", __name__)


@bp.get("/")
@public
@cached_page
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


@bp.post("/language")
@public
@csrf.exempt  # the form checks its token itself when the person is signed in
def switch_language():
    """The header's language buttons: the page again in that language; a signed-in
    person's setting follows (a plain ?lang= link only switches the page)."""
    # Signed out, the switch writes nothing but the language cookie: no token is needed
    # (anonymous pages carry none, so the page cache can keep them). Signed in, it writes
    # the person's setting and needs the form's CSRF token.
    form = LanguageForm() if current_user.is_authenticated else LanguageForm(meta={"csrf": False})
    if not form.validate_on_submit():
        abort(400)
    g.switched_lang = form.lang.data  # the cookie remembers it (core.i18n)
    if current_user.is_authenticated and current_user.locale != form.lang.data:
        current_user.locale = form.lang.data
        db.session.commit()
    return redirect(address_in_language(form.next.data, form.lang.data))
