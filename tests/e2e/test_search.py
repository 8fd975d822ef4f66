"""Search from the header in the browser: results, filter by type, open a result; axe-clean
in every language and at phone width."""

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.factories import make_group, make_visit

LABELS = {  # the header box, the filters, the "work visits" filter, the result counts
    "nl": (
        "Zoeken op het platform",
        "Soorten resultaten",
        "Werkbezoeken",
        "2 resultaten",
        "1 resultaat",
    ),
    "de": (
        "Auf der Plattform suchen",
        "Arten von Ergebnissen",
        "Arbeitsbesuche",
        "2 Ergebnisse",
        "1 Ergebnis",
    ),
    "en": ("Search the platform", "Result types", "Work visits", "2 results", "1 result"),
}


@pytest.mark.parametrize("lang", ["nl", "de", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_search_from_the_header_filter_and_open_a_result(page, assert_accessible, lang, width):
    page.set_viewport_size({"width": width, "height": 900})
    visit = make_visit(
        title_nl="Bezoek aan de woningcorporatie",
        title_de="Besuch bei der Wohnungsgesellschaft",
        title_en="Visit to the housing corporation",
        description_de="Wie Wohnungen an Zuwanderer vergeben werden.",
    )
    make_group(description_de="Wohnungen für Zuwanderer in Münster und Enschede.")
    db.session.commit()
    box, filters, visits, two, one = LABELS[lang]

    page.goto(f"/?lang={lang}")
    page.get_by_label(box).fill("wohnung")
    page.get_by_label(box).press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=wohnung"))
    expect(page.get_by_role("status")).to_have_text(two)
    expect(page.locator("mark").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name=filters).get_by_role("link", name=visits).click()
    expect(page).to_have_url(re.compile(r"type=visit"))
    expect(page.get_by_role("status")).to_have_text(one)
    assert_accessible(page)

    title = {"nl": visit.title_nl, "de": visit.title_de, "en": visit.title_en}[lang]
    page.get_by_role("link", name=title).click()
    expect(page).to_have_url(re.compile(rf"/visits/{visit.id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
