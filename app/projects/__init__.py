"""The project office: INTERREG projects with their partners and the quarterly progress
report. The funding acknowledgement of the current project is offered to every template
(`funding_project()`), so public pages, documents and mails can carry it."""

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")

from . import views  # noqa: E402, F401
