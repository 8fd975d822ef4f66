"""Projects: partners on the organisation pages, activities attributed by group and date,
the acknowledgement on public pages, the emblem cleaned and served safely, and who may do
what with a report."""

import re
from datetime import date
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.groups.models import GroupKind
from app.mail.models import OutboxMessage
from app.partners.models import Country
from app.projects import services
from app.projects.emblem import InvalidEmblem, clean_svg
from app.projects.models import PartnerRole
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_group, make_membership, make_organisation, make_user

from .helpers import ACKNOWLEDGEMENT_DE, ACKNOWLEDGEMENT_NL, make_project


@pytest.fixture
def two_projects():
    muenster = make_organisation(name="Stadt Münster", country=Country.DE)
    enschede = make_organisation(name="Gemeente Enschede", country=Country.NL)
    almelo = make_organisation(name="Gemeente Almelo", country=Country.NL)
    xenia = make_group(slug="xenia")
    kerngroep = make_group(slug="kerngroep", kind=GroupKind.core)
    first = make_project(
        slug="migranten-integreren",
        title_nl="Migranten integreren",
        starts_on=date(2004, 1, 1),
        ends_on=date(2005, 12, 31),
        partners=[(muenster, PartnerRole.lead_partner), (enschede, PartnerRole.partner)],
    )
    second = make_project(
        slug="integratievisie",
        starts_on=date(2008, 9, 1),
        ends_on=date(2011, 11, 30),
        groups=[xenia],
        partners=[(muenster, PartnerRole.lead_partner), (almelo, PartnerRole.partner)],
    )
    db.session.commit()
    return {
        "first": first,
        "second": second,
        "xenia": xenia,
        "kerngroep": kerngroep,
        "muenster": muenster,
        "almelo": almelo,
    }


def test_partners_appear_on_their_organisation_pages(client, two_projects):
    html = client.get(f"/partners/{two_projects['muenster'].id}?lang=en").get_data(as_text=True)
    assert "Migranten integreren" in html and "Integratievisie" in html
    assert html.count("Lead partner") == 2
    html = client.get(f"/partners/{two_projects['almelo'].id}?lang=en").get_data(as_text=True)
    assert "Integratievisie" in html and "Project partner" in html
    assert "Migranten integreren" not in html


def test_activities_belong_to_a_project_by_group_and_date(two_projects):
    xenia, kerngroep = two_projects["xenia"], two_projects["kerngroep"]
    first, second = two_projects["first"], two_projects["second"]
    # Integratievisie lists Xenia: a Xenia meeting in 2009 is its own, a core group one not.
    assert services.projects_for(xenia.id, date(2009, 3, 1)) == [second]
    assert services.projects_for(kerngroep.id, date(2009, 3, 1)) == []
    # Migranten integreren lists no group: every group's activity of 2004 is its own.
    assert services.projects_for(kerngroep.id, date(2004, 6, 1)) == [first]
    # Without a group, the date alone decides; between the projects nothing runs.
    assert services.projects_for(None, date(2010, 1, 1)) == [second]
    assert services.projects_for(None, date(2007, 1, 1)) == []
    # The indicator period of a quarter is narrowed to the project's groups and time.
    period = services.quarter_period(second, 2008, 3)
    assert (period.first, period.last, period.group_ids) == (
        date(2008, 9, 1),
        date(2008, 9, 30),
        (xenia.id,),
    )


def test_the_public_footer_acknowledges_the_current_project_in_the_readers_language(
    client, two_projects
):
    html = client.get("/partners/?lang=nl").get_data(as_text=True)
    assert ACKNOWLEDGEMENT_NL in html  # the latest project, after both have ended
    html = client.get("/partners/?lang=de").get_data(as_text=True)
    assert ACKNOWLEDGEMENT_DE in html
    assert services.current_project(date(2005, 6, 1)) == two_projects["first"]


def project_reads(statements: list[str]) -> int:
    return sum(1 for s in statements if re.search(r"\bFROM projects\b", s))


def test_the_footer_reads_the_project_once_per_change_and_shows_an_edit_at_once(
    admin_client, client, two_projects
):
    from tests.core.test_query_counts import count_queries

    with count_queries() as statements:
        assert ACKNOWLEDGEMENT_NL in admin_client.get("/partners/?lang=nl").get_data(as_text=True)
    assert project_reads(statements) == 1
    with count_queries() as statements:  # another page, nothing changed: kept
        assert ACKNOWLEDGEMENT_NL in admin_client.get("/meetings/?lang=nl").get_data(as_text=True)
        assert ACKNOWLEDGEMENT_NL in client.get("/about?lang=nl").get_data(as_text=True)
    assert project_reads(statements) == 0
    response = admin_client.post(
        "/projects/integratievisie/edit",
        data={
            "slug": "integratievisie",
            "title_nl": "Integratievisie",
            "starts_on": "2008-09-01",
            "ends_on": "2011-11-30",
            "lead_partner_id": str(two_projects["almelo"].id),
            "partner_ids": [str(two_projects["muenster"].id)],
            "acknowledgement_nl": "Nu met steun van het EFRO.",
        },
    )
    assert response.status_code == 302
    with count_queries() as statements:
        html = admin_client.get("/partners/?lang=nl").get_data(as_text=True)
    assert "Nu met steun van het EFRO." in html and ACKNOWLEDGEMENT_NL not in html
    assert project_reads(statements) == 1
    # the front and about pages' block: partners and lead partner follow the edit too
    html = client.get("/about?lang=en").get_data(as_text=True)
    assert "Lead partner: Gemeente Almelo" in html and "2 partner organisations" in html
    assert "Nu met steun van het EFRO." in html


def test_no_current_project_is_kept_too(admin_client):
    from tests.core.test_query_counts import count_queries

    admin_client.get("/partners/")
    with count_queries() as statements:
        html = admin_client.get("/meetings/").get_data(as_text=True)
    assert project_reads(statements) == 0 and "nb-acknowledgement" not in html
    make_project(starts_on=date(2020, 1, 1), ends_on=date(2099, 12, 31))
    db.session.commit()
    assert ACKNOWLEDGEMENT_NL in admin_client.get("/meetings/?lang=nl").get_data(as_text=True)


def test_a_project_page_lists_partners_co_financiers_and_running_time(client, two_projects):
    two_projects["second"].co_financiers = "Provincie Overijssel\nLand NRW"
    db.session.commit()
    html = client.get("/projects/integratievisie?lang=en").get_data(as_text=True)
    assert "Stadt Münster" in html and "Gemeente Almelo" in html
    assert "<li>Provincie Overijssel</li>" in html
    assert "1 September 2008" in html and "30 November 2011" in html


HOSTILE = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 100 50" onload="alert(1)">
  <script>alert(2)</script>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
  <a xlink:href="javascript:alert(3)"><rect width="10" height="10"/></a>
  <image href="https://tracker.example/p.png"/>
  <style>@import url(https://evil.example/x.css);</style>
  <rect width="100" height="50" fill="url(https://evil.example/#g)" stroke="url(#local)"/>
  <circle cx="5" cy="5" r="4" fill="#ffcc00" style="background:url(x)"/>
</svg>"""


def test_the_emblem_keeps_its_drawing_and_loses_everything_active():
    cleaned = clean_svg(HOSTILE)
    assert 'viewBox="0 0 100 50"' in cleaned
    assert '<circle cx="5" cy="5" r="4" fill="#ffcc00" />' in cleaned
    assert 'stroke="url(#local)"' in cleaned
    for bad in ("script", "onload", "foreignObject", "javascript", "image", "style", "evil"):
        assert bad not in cleaned


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml",
        b'<html xmlns="http://www.w3.org/1999/xhtml"/>',
        b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg">' + b" " * 200_001 + b"</svg>",
    ],
)
def test_what_is_not_a_plain_svg_is_refused(data):
    with pytest.raises(InvalidEmblem):
        clean_svg(data)


def test_the_emblem_is_served_as_an_image_that_cannot_run_anything(client, two_projects):
    from app.core.database import utcnow

    project = two_projects["second"]
    project.emblem_svg = clean_svg(HOSTILE)
    project.emblem_updated_at = utcnow()
    db.session.commit()
    response = client.get("/projects/integratievisie/emblem.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/projects/migranten-integreren/emblem.svg").status_code == 404


def test_an_uploaded_emblem_that_is_not_svg_is_a_translated_400(admin_client, two_projects):
    import io

    response = admin_client.post(
        "/projects/integratievisie/edit?lang=de",
        data={
            "slug": "integratievisie",
            "title_nl": "Integratievisie",
            "starts_on": "2008-09-01",
            "ends_on": "2011-11-30",
            "lead_partner_id": "0",
            "emblem": (io.BytesIO(b"GIF89a"), "emblem.svg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "SVG" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not two_projects["second"].has_emblem


def test_the_project_form_saves_partners_and_groups(admin_client, two_projects):
    response = admin_client.post(
        "/projects/new",
        data={
            "slug": "nieuw-project",
            "title_nl": "Nieuw project",
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "lead_partner_id": str(two_projects["almelo"].id),
            "partner_ids": [str(two_projects["muenster"].id), str(two_projects["almelo"].id)],
            "group_ids": [str(two_projects["kerngroep"].id)],
            "acknowledgement_nl": "Met steun van INTERREG.",
            "phase_lines": "2027-01-01 2027-12-31 Uitvoering | Umsetzung\n\n"
            "2026-01-01 2026-12-31 Analyse",
        },
    )
    assert response.status_code == 302
    project = services.organisation_projects(two_projects["almelo"])[0].project
    assert project.slug == "nieuw-project"
    assert {(p.organisation.name, p.role) for p in project.partners} == {
        ("Gemeente Almelo", PartnerRole.lead_partner),
        ("Stadt Münster", PartnerRole.partner),
    }
    assert project.groups == [two_projects["kerngroep"]]
    assert [(p.starts_on.year, p.name_nl, p.name_de) for p in project.phases] == [
        (2026, "Analyse", ""),
        (2027, "Uitvoering", "Umsetzung"),
    ]
    html = admin_client.get("/projects/nieuw-project/edit").get_data(as_text=True)
    assert "2027-01-01 2027-12-31 Uitvoering | Umsetzung" in html
    for lines, message in [
        ("2026-01-01 Analyse", "Write each phase on its own line"),
        ("2026-02-30 2026-03-01 Analyse", "Write each phase on its own line"),
        ("2026-03-01 2026-02-01 Analyse", "Write each phase on its own line"),
        ("2025-01-01 2026-02-01 Analyse", "within the running time"),
    ]:
        response = admin_client.post(
            "/projects/nieuw-project/edit",
            data={
                "slug": "nieuw-project",
                "title_nl": "Nieuw project",
                "starts_on": "2026-01-01",
                "ends_on": "2027-12-31",
                "lead_partner_id": "0",
                "phase_lines": lines,
            },
        )
        assert response.status_code == 400, lines
        assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(project.phases) == 2
    response = admin_client.post(
        "/projects/new",
        data={
            "slug": "backwards",
            "title_nl": "X",
            "starts_on": "2026-01-02",
            "ends_on": "2026-01-01",
            "lead_partner_id": "0",
        },
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.get_data(as_text=True)


def test_steering_members_read_and_comment_but_do_not_edit(app, two_projects):
    project = two_projects["second"]
    steering = make_group(slug="regiegroep", kind=GroupKind.steering)
    project.groups.append(steering)
    chair = make_user(email="voorzitter@example.org", password=TEST_PASSWORD)
    make_membership(steering, chair)
    outsider = make_user(email="buiten@example.org", password=TEST_PASSWORD)
    make_membership(two_projects["xenia"], outsider)
    report = services.draft_report(None, project, 2009, 1)
    db.session.commit()
    reader = app.test_client()
    assert login(reader, chair.email).status_code == 302
    other = app.test_client()
    assert login(other, outsider.email).status_code == 302

    assert reader.get(f"/projects/reports/{report.id}").status_code == 403  # still a draft
    assert services.circulate_report(None, report) == 1
    db.session.commit()
    # The steering group is told, each member in their language, with the link.
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.category == "projects.circulated")
    ).one()
    assert mail.recipient == "voorzitter@example.org"
    body = message_from_bytes(mail.raw, policy=policy.default).get_body(("plain",))
    assert f"/projects/reports/{report.id}" in body.get_content()
    assert reader.get(f"/projects/reports/{report.id}").status_code == 200
    assert other.get(f"/projects/reports/{report.id}").status_code == 403
    response = reader.post(f"/projects/reports/{report.id}/comments", data={"body": "Akkoord."})
    assert response.status_code == 302
    assert [c.body for c in report.comments] == ["Akkoord."]
    assert (
        other.post(f"/projects/reports/{report.id}/comments", data={"body": "x"}).status_code == 403
    )
    for action in ("narrative", "approve", "circulate", "edition", "correct"):
        assert reader.post(f"/projects/reports/{report.id}/{action}").status_code == 403
    html = reader.get(f"/projects/reports/{report.id}").get_data(as_text=True)
    assert "Approve the report" not in html and "Save the narrative" not in html
    services.approve_report(None, report)
    db.session.commit()
    response = reader.post(f"/projects/reports/{report.id}/comments", data={"body": "Laat."})
    assert response.status_code == 409


def test_the_front_page_shows_the_current_project_its_phase_partners_and_funding(client):
    from app.projects.models import ProjectPhase

    today = date.today()
    muenster = make_organisation(name="Stadt Münster", country=Country.DE)
    almelo = make_organisation(name="Gemeente Almelo", country=Country.NL)
    project = make_project(
        starts_on=today.replace(year=today.year - 1),
        ends_on=today.replace(year=today.year + 1),
        partners=[(muenster, PartnerRole.lead_partner), (almelo, PartnerRole.partner)],
    )
    project.phases = [
        ProjectPhase(
            name_nl="Implementatie",
            name_de="Umsetzung",
            starts_on=today.replace(year=today.year - 1),
            ends_on=today.replace(year=today.year + 1),
        )
    ]
    db.session.commit()
    html = client.get("/?lang=de").get_data(as_text=True)
    assert 'href="/projects/integratievisie"' in html and "Integrationsvision" in html
    assert "Aktuelle Phase: Umsetzung" in html
    assert "Lead-Partner: Stadt Münster" in html and "2 Partnerorganisationen" in html
    # Once in the front page's project block, once in the footer.
    assert html.count(ACKNOWLEDGEMENT_DE) == 2
