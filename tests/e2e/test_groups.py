"""The Xenia moderator, in the browser: adds a member and moves the group to the next
phase; every page passes axe-core."""

import re
from datetime import date

from playwright.sync_api import expect

from app.extensions import db
from app.groups.models import GroupPhase, Phase, Role
from app.partners.models import Country, Organisation, OrganisationKind
from tests.conftest import TEST_PASSWORD
from tests.factories import make_group, make_membership, make_user


def sign_in(page, email: str) -> None:
    page.goto("/login?lang=en")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_be_visible()


def test_moderator_adds_a_member_and_moves_the_phase(page, assert_accessible):
    housing = Organisation(
        name="Wohn + Stadtbau Münster",
        kind=OrganisationKind.housing,
        country=Country.DE,
        city="Münster",
    )
    db.session.add(housing)
    db.session.flush()
    group = make_group(
        slug="xenia",
        name_en="Xenia — Housing for newcomers",
        description_en="Heads of institutions on housing newcomers.",
        is_leadership_required=True,
    )
    db.session.add(
        GroupPhase(group=group, phase=Phase.information_input, started_on=date(2026, 3, 12))
    )
    moderator = make_user(email="moderator@example.org", name="Jürgen Moderator")
    make_membership(group, moderator, role=Role.moderator, is_voting=False)
    head = make_user(name="Martin Terhorst")
    head.organisation_id = housing.id
    head.is_organisation_leader = True
    db.session.commit()

    sign_in(page, "moderator@example.org")
    page.get_by_role("link", name="My groups").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My groups")
    assert_accessible(page)

    page.get_by_role("link", name="Xenia — Housing for newcomers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xenia — Housing for newcomers")
    timeline = page.locator("[aria-current=step]")
    expect(timeline).to_contain_text("Information and input")
    assert_accessible(page)

    page.get_by_role("link", name="Manage members").click()
    expect(page).to_have_url(re.compile(r"/groups/xenia/manage$"))
    assert_accessible(page)
    page.get_by_label("Person", exact=True).select_option(
        label="Martin Terhorst (Wohn + Stadtbau Münster)"
    )
    page.get_by_label("Role", exact=True).first.select_option(label="Member")
    page.get_by_role("button", name="Add to the group").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Martin Terhorst has joined the group as Member."
    )
    expect(page.get_by_role("main")).to_contain_text("Martin Terhorst")
    assert_accessible(page)

    # Adding him again is refused with a clear message.
    page.get_by_label("Person", exact=True).select_option(
        label="Martin Terhorst (Wohn + Stadtbau Münster)"
    )
    page.get_by_role("button", name="Add to the group").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Martin Terhorst is already a member of this group."
    )
    assert_accessible(page)

    page.get_by_role("link", name="Overview").click()
    page.get_by_label("Note on the new phase").fill("Everybody has been heard.")
    page.get_by_role("button", name="Move to the next phase").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move to the phase “Mediation”?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, move to the phase “Mediation”").click()
    expect(page.get_by_role("status")).to_contain_text("The group is now in the phase “Mediation”.")
    expect(page.locator("[aria-current=step]")).to_contain_text("Mediation")
    expect(page.locator("[aria-current=step]")).to_contain_text("Everybody has been heard.")
    expect(page.get_by_role("main")).to_contain_text("Martin Terhorst")
    assert_accessible(page)
