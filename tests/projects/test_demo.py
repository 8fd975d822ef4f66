"""The demo holds the seeds' projects, added once; the current demo project can report on
the demo's own activity."""

import sqlalchemy as sa

from app.demo.seed import seed_demo
from app.extensions import db
from app.projects import services
from app.projects.models import Project


def test_the_seeds_projects_are_added_once_with_partners_and_phases(admin):
    assert seed_demo()["projects"] == 4
    assert seed_demo()["projects"] == 0
    projects = {p.slug: p for p in db.session.scalars(sa.select(Project))}
    visie = projects["integratievisie"]
    assert (visie.starts_on.isoformat(), visie.ends_on.isoformat()) == ("2008-09-01", "2011-11-30")
    assert [(p.organisation.name, p.role.name) for p in visie.partners] == [
        ("Stadt Münster", "lead_partner"),
        ("Gemeente Almelo", "partner"),
    ]
    assert [phase.name_nl for phase in visie.phases] == [
        "Analyse en start",
        "Ontwikkeling van de integratievisie",
        "Implementatie",
    ]
    assert projects["migranten-integreren-2006"].partners[1].organisation.name == "ROC van Twente"
    current = services.current_project()
    assert current.slug == "netwerkbrug"
    year, quarter = services.project_quarters(current)[4]  # a quarter of this year
    report = services.draft_report(admin, current, year, quarter)
    contents = services.report_contents(report, "nl")
    assert [t["key"] for t in contents["tables"]] == list(services.REPORT_TABLES)
