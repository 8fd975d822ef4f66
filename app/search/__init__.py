"""Search over every domain (`/search`) and the index behind it (`flask search reindex`)."""

from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")

from . import cli, views  # noqa: E402, F401
