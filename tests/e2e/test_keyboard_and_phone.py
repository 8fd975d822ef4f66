"""Keyboard use and the phone layout."""

from playwright.sync_api import expect

PHONE = {"width": 375, "height": 800}


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, assert_accessible):
    page.goto("/?lang=en")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).not_to_be_in_viewport()  # hidden until it gets focus

    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    assert_accessible(page)

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is the first control inside main
    assert page.evaluate("document.activeElement.closest('main') !== null")
    expect(page.get_by_role("main").get_by_role("link", name="Sign in")).to_be_focused()


def test_navbar_toggler_opens_the_menu_on_a_phone(new_context, assert_accessible):
    page = new_context(viewport=PHONE).new_page()
    page.goto("/?lang=en")
    navigation = page.get_by_role("navigation", name="Main navigation")
    toggler = navigation.get_by_role("button", name="Show or hide the menu")
    partners = navigation.get_by_role("link", name="Partners")

    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(partners).to_be_hidden()
    # Language and signing in stay in reach without opening the menu.
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("button", name="Deutsch")).to_be_visible()
    expect(banner.get_by_role("link", name="Sign in")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(partners).to_be_visible()
    expect(navigation.get_by_role("link", name="Newsletter")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)

    partners.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner organisations")
