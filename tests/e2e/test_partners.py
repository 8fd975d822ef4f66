"""The partner directory in the browser: search, filter, open an organisation, no axe findings."""

import re

from playwright.sync_api import expect

from app.extensions import db
from app.partners.models import Country, OrganisationKind
from tests.factories import make_organisation, make_policy_field


def test_visitor_searches_filters_and_opens_an_organisation(page, assert_accessible):
    housing = make_policy_field("housing", name_en="Housing", name_nl="Wonen", name_de="Wohnen")
    make_organisation(
        name="Stadt Münster",
        country=Country.DE,
        city="Münster",
        policy_fields=[housing],
        description_en="Leads the project together with ROC van Twente.",
    )
    make_organisation(
        name="Wohn + Stadtbau Münster",
        country=Country.DE,
        city="Münster",
        kind=OrganisationKind.housing,
        policy_fields=[housing],
    )
    make_organisation(
        name="Domijn",
        country=Country.NL,
        city="Enschede",
        kind=OrganisationKind.housing,
        policy_fields=[housing],
    )
    db.session.commit()

    page.goto("/partners/?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner organisations")
    expect(page.get_by_role("status")).to_have_text("3 organisations found")
    assert_accessible(page)

    page.get_by_label("Search", exact=True).fill("munster")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=munster"))
    expect(page.get_by_role("status")).to_have_text("2 organisations found")
    assert_accessible(page)

    page.get_by_label("Kind of organisation").select_option(label="Housing corporation")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 organisation found")

    page.get_by_label("Country").select_option(label="Netherlands")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.get_by_text("No organisation matches this search.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Search again in both countries").click()
    expect(page.get_by_role("status")).to_have_text("1 organisation found")

    page.get_by_role("link", name="Wohn + Stadtbau Münster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wohn + Stadtbau Münster")
    expect(page.get_by_role("heading", name="Counterparts in Netherlands")).to_be_visible()
    expect(page.get_by_role("link", name="Domijn")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Find a counterpart for one policy field").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a counterpart")
    assert_accessible(page)
    page.get_by_role("button", name="Show counterparts").click()
    expect(page.get_by_role("status")).to_have_text("1 organisation across the border")
    assert_accessible(page)
