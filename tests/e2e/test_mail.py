"""Incoming mail in Chromium: the project manager reads what came back, filters it and opens
a raw message; the progress page warns that no mail worker is running."""

from playwright.sync_api import expect

from app.extensions import db
from app.mail.inbound import receive
from app.newsletter import services
from tests.e2e.test_accounts import sign_in
from tests.factories import make_edition, make_subscriber, make_user
from tests.mail import messages


def test_the_project_manager_reads_incoming_mail(page, assert_accessible):
    make_user(email="pl@example.org", is_admin=True, locale="de")
    receive(messages.unrelated_mail(), "imap")
    receive(messages.out_of_office("inbox+bounce-1-0123456789@example.org"), "imap")
    db.session.commit()

    page.goto("/login?lang=en")
    sign_in(page, "pl@example.org")
    page.goto("/admin/mail/inbound?lang=de")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eingehende E-Mails")
    expect(page.get_by_role("cell", name="Im Postfach belassen", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Art").select_option("auto_reply")
    page.get_by_role("button", name="Filtern").click()
    expect(page.get_by_text("Vraag over de volgende bijeenkomst")).to_have_count(0)
    page.get_by_role("link", name="Rohnachricht").click()
    expect(page.locator("body")).to_contain_text("Auto-Submitted: auto-replied")


def test_the_progress_page_says_that_no_worker_runs(page, assert_accessible):
    admin = make_user(email="pl2@example.org", is_admin=True, locale="nl")
    make_subscriber()
    edition = make_edition(quarter="2027 Q1")
    services.queue_edition(admin, edition)
    db.session.commit()

    page.goto("/login?lang=en")
    sign_in(page, "pl2@example.org")
    page.goto(f"/newsletter/admin/editions/{edition.id}/progress?lang=nl")
    expect(page.get_by_role("status").filter(has_text="mailworker")).to_be_visible()
    assert_accessible(page)
