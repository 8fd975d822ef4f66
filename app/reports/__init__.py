"""Reports for the project manager: the funder's indicators, the policy handbook and the
audit log."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import views  # noqa: E402, F401
