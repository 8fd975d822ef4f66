from flask import Blueprint

bp = Blueprint("consensus", __name__, url_prefix="/consensus")

from . import views  # noqa: E402, F401
