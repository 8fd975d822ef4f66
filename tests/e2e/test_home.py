"""The front page, About and "For me" in the browser: axe-clean in every language and at
phone width; the header count arrives on other pages."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.database import utcnow
from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import make_meeting, make_user, make_visit


@pytest.mark.parametrize("lang", ["nl", "de", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_front_about_and_for_me_are_accessible(page, assert_accessible, lang, width):
    page.set_viewport_size({"width": width, "height": 900})
    member = make_user(password=TEST_PASSWORD, locale=lang)
    make_meeting(start=utcnow() + timedelta(days=3), invitees=[member])
    make_visit()
    db.session.commit()

    page.goto(f"/?lang={lang}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Netwerkbrug")
    assert_accessible(page)
    page.goto("/about")
    assert_accessible(page)

    page.goto("/login")
    page.locator("main input[name=email]").fill(member.email)
    page.locator("main input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto("/")
    expect(page.locator("[data-for-me-badge] [data-number]")).to_have_text("1")
    assert_accessible(page)

    page.goto("/groups/")  # the count comes from the script here
    expect(page.locator("[data-for-me-badge] [data-number]")).to_have_text("1")
    assert_accessible(page)
