from flask import Blueprint

bp = Blueprint("newsletter", __name__, url_prefix="/newsletter")

from . import views  # noqa: E402, F401
