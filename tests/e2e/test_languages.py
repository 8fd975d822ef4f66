"""The language switcher: NL, DE and EN change the page and the choice sticks."""

import re
from functools import cache
from pathlib import Path

import polib
from playwright.sync_api import expect

from app.demo.seed import seed_demo
from app.extensions import db

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
LANGUAGE_NAMES = {"nl": "Nederlands", "de": "Deutsch", "en": "English"}


@cache
def catalogue(lang: str) -> dict[str, str]:
    po = polib.pofile(str(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"))
    return {entry.msgid: entry.msgstr for entry in po if entry.msgstr and not entry.fuzzy}


def t(lang: str, msgid: str) -> str:
    """What the page should show: the catalogue's translation once it is filled in (and
    compiled with `make i18n-compile`), the English source text until then."""
    return catalogue(lang).get(msgid, msgid)


def switch_to(page, current: str, target: str) -> None:
    switcher = page.get_by_role("group", name=t(current, "Language"))
    switcher.get_by_role("button", name=LANGUAGE_NAMES[target]).click()
    expect(page).to_have_url(re.compile(rf"[?&]lang={target}"))
    expect_language(page, target)


def expect_language(page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    switcher = page.get_by_role("group", name=t(lang, "Language"))
    for code, name in LANGUAGE_NAMES.items():
        link = switcher.get_by_role("button", name=name)
        if code == lang:
            expect(link).to_have_attribute("aria-current", "true")
        else:
            expect(link).not_to_have_attribute("aria-current", "true")


def nav_link(page, lang: str, msgid: str):
    navigation = page.get_by_role("navigation", name=t(lang, "Main navigation"))
    return navigation.get_by_role("link", name=t(lang, msgid), exact=True)


def test_switching_language_changes_the_page_and_is_remembered(page, assert_accessible):
    seed_demo()
    db.session.commit()

    page.goto("/")  # the browser asks for English
    expect_language(page, "en")

    switch_to(page, "en", "nl")
    assert_accessible(page)
    nav_link(page, "nl", "Partners").click()
    expect(page).to_have_url(re.compile(r"/partners/$"))
    expect_language(page, "nl")  # remembered without ?lang=
    expect(page.get_by_role("heading", level=1)).to_have_text(t("nl", "Partner organisations"))
    expect(page.get_by_text("Gemeente Enschede")).to_be_visible()
    assert_accessible(page)

    switch_to(page, "nl", "de")
    working_groups = nav_link(page, "de", "Working groups")
    expect(working_groups).to_have_text(t("de", "Working groups"))
    if "Working groups" in catalogue("de"):
        expect(working_groups).not_to_have_text("Working groups")
    working_groups.click()
    expect_language(page, "de")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("de", "Working groups"))
    # Content kept in three languages follows the switch as well.
    expect(page.get_by_role("heading", name="Kerngruppe")).to_be_visible()
    expect(page.get_by_role("heading", name="Kerngroep")).to_have_count(0)
    assert_accessible(page)

    nav_link(page, "de", "Newsletter").click()
    expect_language(page, "de")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("de", "Newsletter"))
    assert_accessible(page)

    switch_to(page, "de", "en")
    response = page.goto("/no-such-page")
    assert response.status == 404
    expect_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
