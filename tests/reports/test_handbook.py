"""The policy handbook: decisions, phase timelines and approved minutes of a period, in the
chosen language, as a page and as a PDF whose text keeps its umlauts."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from app.consensus.models import Outcome
from app.extensions import db
from app.groups.models import GroupPhase, Phase
from app.meetings.models import MinutesStatus
from tests.factories import make_group, make_meeting, make_proposal

from .helpers import at, closed_round, decide

QUERY = "from=2025-01-01&to=2025-12-31"


@pytest.fixture
def handbook_world():
    group = make_group(
        slug="xenia-muenster", name_nl="Xenia Münster", name_de="Xenia Münster", name_en="Xenia"
    )
    db.session.add_all(
        [
            GroupPhase(group=group, phase=Phase.information_input, started_on=date(2025, 1, 6)),
            GroupPhase(
                group=group,
                phase=Phase.mediation,
                started_on=date(2025, 5, 1),
                note="Größere Runde",
            ),
        ]
    )
    decided = make_proposal(group, title="Spreiding en Wohnraum")
    decided.versions[0].text_de = "Zuwanderer wohnen über die Stadt verteilt; Straßenfeste fördern."
    decided.versions[0].text_nl = "Nieuwkomers wonen verspreid; de gemeente Ĳsselmuiden doet mee."
    closed_round(decided, 1, at(2025, 6, 1, 12), outcome=Outcome.consensus)
    decide(decided, at(2025, 6, 1, 12))
    later = make_proposal(group, title="Later besluit")
    decide(later, at(2026, 2, 1, 12))
    make_meeting(
        group,
        start=at(2025, 7, 1, 8),
        title_en="Mediation day",
        minutes="Wir haben **Übersetzungen** besprochen.",
        minutes_status=MinutesStatus.approved,
    )
    make_meeting(
        group,
        start=at(2025, 8, 1, 8),
        minutes="Entwurf, geheim",
        minutes_status=MinutesStatus.draft,
    )
    other = make_group(slug="other", name_nl="Andere groep", is_public=False)
    decide(make_proposal(other, title="Besluit van een andere groep"), at(2025, 3, 1, 12))
    db.session.commit()
    return group


def test_the_handbook_compiles_decisions_phases_and_approved_minutes(admin_client, handbook_world):
    response = admin_client.get(f"/reports/handbook?{QUERY}&lang=de")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert "Spreiding en Wohnraum" in html
    assert "Straßenfeste fördern" in html
    assert "Größere Runde" in html
    assert "<strong>Übersetzungen</strong>" in html
    assert "Entwurf, geheim" not in html  # draft minutes stay out
    assert "Later besluit" not in html  # decided after the period
    assert "Besluit van een andere groep" in html  # the project-wide handbook has every group


def test_the_visits_points_are_listed_by_policy_field(admin_client, handbook_world):
    from app.visits.models import PointKind, VisitPoint
    from tests.factories import make_policy_field, make_visit

    housing = make_policy_field("housing", name_de="Wohnen", name_nl="Wonen")
    visit = make_visit(
        starts_on=date(2025, 9, 1), policy_fields=[housing], title_de="Besuch Gronau"
    )
    unfiled = make_visit(starts_on=date(2025, 9, 2))
    db.session.add_all(
        [
            VisitPoint(visit=visit, kind=PointKind.transfer, text="Wohnungstausch übernehmen"),
            VisitPoint(visit=unfiled, kind=PointKind.learning, text="Sprachpaten einsetzen"),
        ]
    )
    db.session.commit()
    html = admin_client.get(f"/reports/handbook?{QUERY}&lang=de").get_data(as_text=True)
    assert html.index("Wohnen") < html.index("Wohnungstausch übernehmen")
    assert html.index("Wohnungstausch übernehmen") < html.index("Sprachpaten einsetzen")
    assert "Besuch Gronau" in html
    group_only = admin_client.get(f"/reports/handbook?{QUERY}&group=xenia-muenster")
    assert "Wohnungstausch" not in group_only.get_data(as_text=True)


def test_a_group_handbook_has_only_that_group(admin_client, handbook_world):
    html = admin_client.get(f"/reports/handbook?{QUERY}&group=xenia-muenster&lang=nl").get_data(
        as_text=True
    )
    assert "Ĳsselmuiden" in html
    assert "Besluit van een andere groep" not in html


def test_an_english_handbook_gives_both_original_texts(admin_client, handbook_world):
    html = admin_client.get(f"/reports/handbook?{QUERY}&lang=en").get_data(as_text=True)
    assert "Ĳsselmuiden" in html and "Straßenfeste" in html


def test_the_pdf_keeps_its_umlauts(admin_client, handbook_world):
    response = admin_client.get(f"/reports/handbook.pdf?{QUERY}&group=xenia-muenster&lang=de")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for word in ("Xenia Münster", "Straßenfeste fördern", "Größere Runde", "Übersetzungen"):
        assert word in text


def test_the_dutch_pdf_keeps_the_ij_ligature(admin_client, handbook_world):
    response = admin_client.get(f"/reports/handbook.pdf?{QUERY}&lang=nl")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Ĳsselmuiden" in text
    assert "Beleidshandboek" in text or "Policy handbook" in text


@pytest.mark.parametrize(
    ("query", "status"),
    [("lang=fr", 400), ("group=no-such-group", 404), ("from=2025-02-30", 400)],
)
def test_bad_handbook_requests(admin_client, query, status):
    assert admin_client.get(f"/reports/handbook?{query}").status_code == status
    assert admin_client.get(f"/reports/handbook.pdf?{query}").status_code == status


def test_only_the_project_manager_compiles_the_handbook(member_client):
    assert member_client.get("/reports/handbook").status_code == 403
    assert member_client.get("/reports/handbook.pdf").status_code == 403
