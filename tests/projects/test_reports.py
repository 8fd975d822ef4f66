"""The quarterly progress report: drafted from exactly the quarter's activity, with the
numbers of the indicator page; draft -> circulated -> approved; immutable once approved;
PDF with the acknowledgement; the quarter's newsletter edition from it."""

import io

import pytest
from pypdf import PdfReader

from app.core.database import utcnow
from app.extensions import db
from app.newsletter.models import Edition
from app.projects import services
from app.projects.models import ReportStatus
from tests.reports.helpers import page_table

from .helpers import ACKNOWLEDGEMENT_DE, ACKNOWLEDGEMENT_NL, build_quarter

SMALL = "< 5"


@pytest.fixture
def quarter():
    return build_quarter()


@pytest.fixture
def report(quarter, admin):
    report = services.draft_report(admin, quarter["project"], 2025, 2)
    db.session.commit()
    return report


def tables(contents) -> dict:
    return {table["key"]: table for table in contents["tables"]}


def test_the_draft_counts_exactly_the_quarters_activity_of_the_projects_groups(report):
    contents = services.report_contents(report, "en")
    found = tables(contents)
    assert dict(found["meetings_by_kind"]["rows"]) == {
        "Kick-off meeting": "0",  # cancelled
        "Coaching day": "1",
        "Working session": "1",  # the one in July belongs to the next quarter
        "Steering group meeting": "0",
        "Binational conference": "1",  # project-wide: belongs by its date
        "Study day": "0",  # of a group outside the project
    }
    # 4 Dutch, 11 German, 1 without a country; 6 women, 6 men, 4 not stated: each person
    # once, from the meeting, the visit and the public conference.
    assert found["participants_by_country_and_gender"]["rows"] == [
        ["Netherlands", SMALL, SMALL, SMALL, SMALL, SMALL],
        ["Germany", SMALL, SMALL, SMALL, SMALL, "11"],
        ["Not stated", SMALL, SMALL, SMALL, SMALL, SMALL],
        ["Total", "6", "6", SMALL, SMALL, "16"],
    ]
    assert found["coaching_days"]["rows"] == [["Münster", "1", "0", "4"]]
    assert found["consensus"]["rows"] == [["Xenia Almelo", "2", "1"]]
    assert [(d["proposal"], d["round"], d["outcome"]) for d in contents["decisions"]] == [
        ("Eén loket voor nieuwkomers", 1, "Objections"),
        ("Eén loket voor nieuwkomers", 2, "Consensus"),
    ]
    assert [r["round"] for r in contents["rounds_opened"]] == [1, 2]
    assert [(v["title"], len(v["points"])) for v in contents["visits"]] == [
        (report.project and contents["visits"][0]["title"], 2)
    ]
    assert [p["point"] if "point" in p else p["phase"] for p in contents["phases"]] == ["Mediation"]


def test_every_number_matches_the_indicator_page_of_the_project_and_quarter(admin_client, report):
    contents = services.report_contents(report, "en")
    page = admin_client.get(
        "/projects/integratievisie/indicators?year=2025&quarter=2&lang=en"
    ).get_data(as_text=True)
    for key, table in tables(contents).items():
        expected = [table["columns"], *table["rows"]] if table["rows"] else []
        assert page_table(page, key) == expected, key


def test_draft_circulated_approved_and_then_frozen(quarter, report, admin):
    services.update_narrative(admin, report, narrative_nl="Een **goed** kwartaal.")
    services.circulate_report(admin, report)
    assert report.status is ReportStatus.circulated
    services.approve_report(admin, report)
    assert report.status is ReportStatus.approved
    before = services.report_contents(report, "nl")
    # Later changes to the records do not change the approved report.
    quarter["visit"].points.clear()
    db.session.flush()
    assert services.report_contents(report, "nl") == before
    with pytest.raises(services.ReportApproved):
        services.update_narrative(admin, report, narrative_nl="Anders.")
    with pytest.raises(services.ReportNotCirculated):
        services.approve_report(admin, report)
    correction = services.correct_report(admin, report)
    assert (correction.version, correction.corrects, correction.status) == (
        2,
        report,
        ReportStatus.draft,
    )
    assert correction.narrative_nl == "Een **goed** kwartaal."
    with pytest.raises(services.AlreadyCorrected):
        services.correct_report(admin, report)


def test_a_quarter_outside_the_running_time_or_taken_twice_is_refused(quarter, admin):
    with pytest.raises(services.QuarterOutsideProject):
        services.draft_report(admin, quarter["project"], 2027, 1)
    services.draft_report(admin, quarter["project"], 2025, 2)
    with pytest.raises(services.ReportExists):
        services.draft_report(admin, quarter["project"], 2025, 2)


def test_the_pdf_carries_the_acknowledgement_and_the_emblem(admin_client, report, admin):
    from app.projects.emblem import clean_svg

    report.project.emblem_svg = clean_svg(
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
        b'<rect width="10" height="10" fill="#123456"/></svg>'
    )
    report.project.emblem_updated_at = utcnow()
    services.circulate_report(admin, report)
    services.approve_report(admin, report)
    db.session.commit()
    for lang, text in (("nl", ACKNOWLEDGEMENT_NL), ("de", ACKNOWLEDGEMENT_DE)):
        response = admin_client.get(f"/projects/reports/{report.id}.pdf?lang={lang}")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        reader = PdfReader(io.BytesIO(response.data))
        pdf_text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        assert " ".join(text.split()) in pdf_text
        assert "2025 Q2" in pdf_text
        # The emblem is drawn: its colour #123456 is filled on the last page.
        assert b"0.070588 0.203922 0.337255 rg" in reader.pages[-1].get_contents().get_data()


def test_make_this_the_newsletter_edition_writes_one_per_language(report, admin):
    services.update_narrative(
        admin, report, narrative_nl="Het kwartaal in Almelo.", narrative_de="Das Quartal."
    )
    services.circulate_report(admin, report)
    with pytest.raises(services.ReportNotApproved):
        services.make_edition(admin, report)
    services.approve_report(admin, report)
    edition = services.make_edition(admin, report)
    db.session.commit()
    edition = db.session.get(Edition, edition.id)
    assert edition.quarter == "2025 Q2"
    assert edition.languages == ["nl", "de"]
    assert (
        edition.title_nl == "Integratievisie: progress in 2025 Q2" or "2025 Q2" in edition.title_nl
    )
    assert edition.body_nl.startswith("Het kwartaal in Almelo.")
    assert "Das Quartal." in edition.body_de
    assert "16" in edition.body_de  # participants, as in the report
    assert report.edition_id == edition.id


def test_the_report_views_walk_the_whole_way(admin_client, quarter):
    response = admin_client.post(
        "/projects/integratievisie/reports", data={"year": "2025", "quarter": "2"}
    )
    assert response.status_code == 302
    url = response.headers["Location"]
    report_id = int(url.rsplit("/", 1)[1])
    assert (
        admin_client.post(
            f"/projects/reports/{report_id}/narrative",
            data={"narrative_nl": "# Kwartaal\n<script>alert(1)</script>", "narrative_de": "Text"},
        ).status_code
        == 302
    )
    for action in ("circulate", "approve"):
        assert admin_client.post(f"/projects/reports/{report_id}/{action}").status_code == 302
    html = admin_client.get(f"/projects/reports/{report_id}?lang=nl").get_data(as_text=True)
    assert "<h1>Kwartaal</h1>" in html and "<script>alert" not in html
    # Approved: the narrative can no longer change.
    response = admin_client.post(
        f"/projects/reports/{report_id}/narrative?lang=en", data={"narrative_nl": "Anders"}
    )
    assert response.status_code == 409
    assert "An approved report cannot be changed" in response.get_data(as_text=True)
    response = admin_client.post(f"/projects/reports/{report_id}/edition")
    assert response.status_code == 302
    assert "/newsletter/admin/editions/" in response.headers["Location"]


def test_a_bad_quarter_on_the_indicator_page_is_a_400(admin_client, quarter):
    for query in ("year=2031&quarter=1", "year=abc&quarter=2", "year=2025&quarter=9"):
        response = admin_client.get(f"/projects/integratievisie/indicators?{query}")
        assert response.status_code == 400
        assert "outside the project" in response.get_data(as_text=True)
