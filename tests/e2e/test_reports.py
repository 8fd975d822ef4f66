"""The project manager reads the indicator report with its charts, opens the handbook and
the audit log, and erases a person after the confirmation page; every page passes axe-core."""

from playwright.sync_api import expect

from app.extensions import db
from tests.e2e.test_groups import sign_in
from tests.factories import make_user
from tests.reports.helpers import build_world


def test_report_charts_handbook_audit_and_erasure(page, assert_accessible):
    build_world()
    make_user(email="pm-reports@example.org", name="Paula Projektleitung", is_admin=True)
    leaving = make_user(email="leaving@example.org", name="Lars Leaving")
    db.session.commit()

    sign_in(page, "pm-reports@example.org")
    page.get_by_role("link", name="Indicators").click()
    page.get_by_label("From", exact=True).fill("2025-01-01")
    page.get_by_label("To", exact=True).fill("2025-12-31")
    page.get_by_role("button", name="Show period").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicators")
    chart = page.get_by_role("img", name="Participants by gender")
    expect(chart).to_be_visible()
    expect(page.locator("#table-participants_by_gender")).to_contain_text("< 5")
    assert page.get_by_role("img").count() >= 10
    assert_accessible(page)

    page.get_by_role("link", name="Policy handbook").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Policy handbook")
    assert_accessible(page)

    page.goto("/reports/audit")
    assert_accessible(page)

    page.goto("/admin/users?q=Lars")
    page.get_by_role("link", name="Erase data (Lars Leaving)").click()
    expect(page.get_by_role("main")).to_contain_text("leaving@example.org")
    assert_accessible(page)
    page.get_by_role("button", name="Erase the data for good").click()
    expect(page.get_by_role("status").first).to_contain_text("has been erased")
    db.session.expire_all()
    assert db.session.get(type(leaving), leaving.id).name == "Former participant"
    page.goto("/reports/audit?action=user.erased")
    expect(page.locator("tbody")).to_contain_text("user.erased")
    assert_accessible(page)
