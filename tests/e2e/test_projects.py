"""The project manager drafts the quarterly report in the browser, writes the narrative,
circulates and approves it and makes it the newsletter edition; every page passes axe-core."""

from playwright.sync_api import expect

from app.extensions import db
from tests.e2e.test_groups import sign_in
from tests.factories import make_user
from tests.projects.helpers import ACKNOWLEDGEMENT_NL, build_quarter


def test_the_quarterly_report_from_draft_to_newsletter(page, assert_accessible):
    build_quarter()
    make_user(email="pm-projects@example.org", name="Pia Projectleider", is_admin=True)
    db.session.commit()

    sign_in(page, "pm-projects@example.org")
    page.get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="Integratievisie").click()
    expect(page.locator("footer")).to_contain_text(ACKNOWLEDGEMENT_NL[:40])
    assert_accessible(page)
    page.get_by_label("Year", exact=True).fill("2025")
    page.get_by_label("Quarter", exact=True).select_option("2")
    page.get_by_role("button", name="Draft the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress report 2025 Q2")
    expect(page.locator("#report-table-participants_by_country_and_gender")).to_contain_text("< 5")
    assert_accessible(page)
    page.get_by_label("Narrative in Dutch (Markdown)").fill("Een **druk** kwartaal.")
    page.get_by_label("Narrative in German (Markdown)").fill("Ein **volles** Quartal.")
    page.get_by_role("button", name="Save the narrative").click()
    page.get_by_role("button", name="Circulate to the steering group").click()
    expect(page.get_by_role("status").first).to_contain_text("circulated")
    page.get_by_role("button", name="Approve the report").click()
    expect(page.get_by_role("status").first).to_contain_text("approved")
    assert_accessible(page)
    report_url = page.url.split("?")[0]
    page.goto(f"{report_url}/print?lang=de")  # the print page in one language
    expect(page.locator("main")).to_contain_text("Ein volles Quartal.")
    expect(page.locator("main")).to_contain_text("Fortschrittsbericht 2025 Q2")
    assert_accessible(page)
    page.goto(f"{report_url}?lang=en")
    page.get_by_role("button", name="Make this the quarter's newsletter edition").click()
    expect(page.get_by_role("status").first).to_contain_text("2025 Q2")
