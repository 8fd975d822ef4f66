"""Rows of the route-access table (tests/test_access.py) for projects and their quarterly
reports. The member of the world is in no steering group: reports are closed to them
(tests/projects/test_access_steering.py covers a steering group member).

ACCESS: endpoint -> {"args": callable(world) -> url values, METHOD: (anonymous, member, admin)}.
populate(world) adds the objects these rows need to the shared `world` dict."""

SIGN_IN = 302


def _slug(w):
    return {"slug": w["project"].slug}


def _report(key):
    return lambda w: {"report_id": w[key].id}


ACCESS = {
    "projects.index": {"GET": (200, 200, 200)},
    "projects.show": {"args": _slug, "GET": (200, 200, 200)},
    "projects.emblem": {"args": _slug, "GET": (200, 200, 200)},
    "projects.create": {"GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "projects.edit": {"args": _slug, "GET": (SIGN_IN, 403, 200), "POST": (SIGN_IN, 403, 400)},
    "projects.indicators": {"args": _slug, "GET": (SIGN_IN, 403, 200)},
    "projects.indicators_csv": {
        "args": lambda w: {"slug": w["project"].slug, "table": "meetings_by_kind"},
        "GET": (SIGN_IN, 403, 200),
    },
    # An empty form: the admin is sent back to the project page.
    "projects.new_report": {"args": _slug, "POST": (SIGN_IN, 403, 303)},
    "projects.report": {"args": _report("draft_report"), "GET": (SIGN_IN, 403, 200)},
    "projects.report_print": {"args": _report("draft_report"), "GET": (SIGN_IN, 403, 200)},
    "projects.report_pdf": {"args": _report("approved_report"), "GET": (SIGN_IN, 403, 200)},
    "projects.update_narrative": {
        "args": _report("draft_report"),
        "POST": (SIGN_IN, 403, 302),
    },
    "projects.circulate": {"args": _report("draft_report"), "POST": (SIGN_IN, 403, 302)},
    "projects.approve": {"args": _report("circulated_report"), "POST": (SIGN_IN, 403, 302)},
    "projects.correct": {"args": _report("approved_report"), "POST": (SIGN_IN, 403, 302)},
    "projects.make_edition": {"args": _report("approved_report"), "POST": (SIGN_IN, 403, 302)},
    # An empty comment: the admin is sent back to the report.
    "projects.comment": {"args": _report("circulated_report"), "POST": (SIGN_IN, 403, 303)},
}


def populate(world: dict) -> None:
    from datetime import date

    from app.core.database import utcnow
    from app.projects import services
    from app.projects.emblem import clean_svg
    from tests.projects.helpers import make_project

    project = make_project(
        slug="access-project", starts_on=date(2009, 1, 1), ends_on=date(2011, 12, 31)
    )
    project.emblem_svg = clean_svg(b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    project.emblem_updated_at = utcnow()
    draft = services.draft_report(None, project, 2009, 1)
    circulated = services.draft_report(None, project, 2009, 2)
    services.circulate_report(None, circulated)
    approved = services.draft_report(None, project, 2009, 3)
    services.circulate_report(None, approved)
    services.approve_report(None, approved)
    world.update(
        project=project,
        draft_report=draft,
        circulated_report=circulated,
        approved_report=approved,
    )
