"""The home page: "For me" for a signed-in person, the public front page for everyone else,
and the About page. Builds on every domain; no domain imports it."""

from flask import Blueprint

bp = Blueprint("home", __name__)


@bp.record_once
def _provide_front_page(state) -> None:
    """core.index (the address every page links to as "home") shows our pages."""
    from .views import home

    state.app.extensions["front_page"] = home


from . import views  # noqa: E402, F401
