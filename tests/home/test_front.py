"""The public front page, the About page and the icons."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.consensus.models import ProposalStatus
from app.core.database import utcnow
from app.extensions import db
from app.partners.models import Country
from app.visits.models import PointKind, VisitPoint
from tests.factories import make_group, make_organisation, make_proposal, make_visit


def decided(group, title):
    proposal = make_proposal(group, title=title)
    proposal.status = ProposalStatus.decided
    proposal.decided_at = utcnow() - timedelta(days=1)
    return proposal


def test_the_front_page_shows_partners_events_decisions_and_learning_points(client):
    host = make_organisation(country=Country.DE)
    make_organisation(country=Country.DE)
    make_organisation(country=Country.NL)
    make_organisation(country=Country.NL, is_active=False)
    visit = make_visit(
        host, starts_on=date.today() + timedelta(days=20), title_de="Besuch im Quartiersbüro"
    )
    db.session.add(VisitPoint(visit=visit, kind=PointKind.learning, text="Früh die Eltern fragen."))
    decided(make_group(), "Openbaar besluit").title_de = "Öffentlicher Beschluss"
    decided(make_group(is_public=False), "Geheimer Beschluss")
    db.session.commit()

    html = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Deutschland: 2 Organisationen" in html
    assert "Niederlande: 1 Organisation" in html
    assert 'href="/partners/?country=DE"' in html
    assert f'href="/visits/{visit.id}"' in html and "Besuch im Quartiersbüro" in html
    assert "Öffentlicher Beschluss" in html and "Geheimer Beschluss" not in html
    assert "Früh die Eltern fragen." in html
    assert 'href="/newsletter/"' in html
    assert 'href="/about"' in html


def test_the_front_page_queries_stay_few(client):
    from tests.core.test_query_counts import count_queries

    for _ in range(5):
        make_visit(starts_on=date.today() + timedelta(days=20))
    db.session.commit()
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    # Six for the page, one for the current project (shared with the footer).
    assert len(statements) <= 7


@pytest.mark.parametrize("lang", ["nl", "de", "en"])
def test_the_about_page_explains_the_process(client, lang):
    response = client.get("/about", headers={"Accept-Language": lang})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    from flask_babel import force_locale

    from app.groups.models import Phase

    with force_locale(lang):
        for phase in Phase:
            assert phase.title in html


def test_favicon_and_icons_are_served(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO header
    html = client.get("/about").get_data(as_text=True)
    for name in ("icon.svg", "apple-touch-icon.png", "manifest.webmanifest"):
        assert f"/static/icons/{name}" in html
        with client.get(f"/static/icons/{name}") as response:
            assert response.status_code == 200


def test_the_project_manager_writes_the_introduction_per_language(admin_client, client):
    answer = admin_client.post(
        "/introduction",
        data={
            "text_nl": "Het **proces** brengt gemeenten samen.",
            "text_de": "Der **Prozess** verbindet Kommunen.",
            "text_en": "",
        },
    )
    assert answer.status_code == 302
    dutch = client.get("/?lang=nl").get_data(as_text=True)
    assert "<strong>proces</strong> brengt gemeenten samen." in dutch
    english = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="nl"' in english and "brengt gemeenten samen" in english  # the fallback
    assert "Der" not in english.split("<main", 1)[1]
    about = admin_client.get("/about?lang=de").get_data(as_text=True)
    assert "<strong>Prozess</strong> verbindet Kommunen." in about
    assert 'href="/introduction"' in about


def test_a_too_long_introduction_is_refused(admin_client):
    answer = admin_client.post("/introduction", data={"text_nl": "x" * 5001})
    assert answer.status_code == 400
    from app.home.models import Introduction

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Introduction)) == 0


def test_only_the_project_manager_writes_it(member_client):
    assert member_client.post("/introduction", data={"text_nl": "x"}).status_code == 403
