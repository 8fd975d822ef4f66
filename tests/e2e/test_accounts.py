"""Signing in, the profile and the project manager's invitation, as a person does it."""

import re

from playwright.sync_api import expect

from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user


def sign_in(page, email: str, password: str = TEST_PASSWORD) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def test_member_signs_in_and_changes_their_function(page, assert_accessible):
    make_user(email="maren@example.org", name="Maren Mitglied", locale="en", function="Caseworker")
    db.session.commit()

    page.goto("/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)

    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)

    sign_in(page, "maren@example.org", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text(
        "The e-mail address or password is not correct."
    )
    assert_accessible(page)

    sign_in(page, "maren@example.org")
    expect(page.get_by_role("status")).to_contain_text("Welcome, Maren Mitglied.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Maren Mitglied")
    assert_accessible(page)

    page.get_by_role("link", name="Maren Mitglied").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My profile")
    expect(page.get_by_label("Function")).to_have_value("Caseworker")
    assert_accessible(page)

    page.get_by_label("Function").fill("Head of housing placement")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile has been saved.")
    expect(page.get_by_label("Function")).to_have_value("Head of housing placement")
    assert_accessible(page)

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have been signed out.")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()


def test_admin_invites_a_person_from_the_people_page(page, assert_accessible):
    make_user(email="anke@example.org", name="Anke Admin", locale="en", is_admin=True)
    make_user(email="jurgen@example.org", name="Jürgen Member", locale="de")
    db.session.commit()

    page.goto("/login?lang=en")
    sign_in(page, "anke@example.org")
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    expect(page.get_by_role("row")).to_have_count(3)  # header, Anke, Jürgen
    assert_accessible(page)

    page.get_by_role("link", name="Invite someone").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite someone")
    assert_accessible(page)

    page.get_by_label("Name").fill("Bert Buitenlid")
    page.get_by_label("E-mail address").fill("bert@example.org")
    page.get_by_label("Function").fill("Beleidsmedewerker wonen")
    page.get_by_label("Language of the invitation").select_option("nl")
    page.get_by_role("button", name="Send the invitation").click()

    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.get_by_role("status").first).to_contain_text(
        "An invitation has been sent to bert@example.org."
    )
    row = page.get_by_role("row").filter(has_text="bert@example.org")
    expect(row).to_contain_text("Bert Buitenlid")
    expect(row).to_contain_text("Beleidsmedewerker wonen")
    expect(row).to_contain_text("Invitation pending")
    expect(row.get_by_role("button", name="Send invitation again (Bert Buitenlid)")).to_be_visible()
    assert_accessible(page)
