"""The Xenia moderator, in the browser: opens a round, two members record their positions,
the moderator closes the round and sees the outcome and the decision record; axe-clean
pages."""

from playwright.sync_api import expect

from app.extensions import db
from app.groups.models import Role
from tests.factories import make_group, make_membership, make_organisation, make_proposal, make_user

from .test_groups import sign_in


def test_moderator_runs_a_round_to_consensus(page, browser, base_url, assert_accessible):
    group = make_group(slug="xenia-e2e", name_en="Xenia — Housing for newcomers")
    moderator = make_user(email="moderator@example.org", name="Jürgen Moderator")
    make_membership(group, moderator, role=Role.moderator, is_voting=False)
    member = make_user(email="fatma@example.org", name="Fatma Yıldız")
    make_membership(group, member, role=Role.member, organisation=make_organisation())
    second = make_user(email="gerrit@example.org", name="Gerrit Nijhuis")
    make_membership(group, second, role=Role.member, organisation=make_organisation())
    proposal = make_proposal(group, moderator, title="Housing newcomers", versions=2)
    db.session.commit()
    proposal_url = f"/consensus/proposals/{proposal.id}"

    sign_in(page, "moderator@example.org")
    page.goto(f"/groups/{group.slug}")
    page.get_by_role("link", name="Housing newcomers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing newcomers")
    assert_accessible(page)
    page.get_by_role("link", name="Changes from version 1 to 2").click()
    expect(page.locator("ins").first).to_be_visible()
    assert_accessible(page)

    page.goto(proposal_url)
    page.get_by_label("Closes at").fill("2099-06-30T18:00")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderator dashboard")
    expect(page.get_by_role("main")).to_contain_text("Fatma Yıldız")
    assert_accessible(page)

    page.get_by_role("link", name="Projected view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing newcomers")
    assert_accessible(page)

    other = browser.new_context(base_url=base_url, locale="en-GB")
    member_page = other.new_page()
    sign_in(member_page, "fatma@example.org")
    member_page.goto(proposal_url)
    member_page.get_by_label("Agree with reservations").check()
    member_page.get_by_label("Reason").fill("Only with a neighbourhood coach.")
    member_page.get_by_role("button", name="Record my position").click()
    expect(member_page.get_by_role("status")).to_contain_text("Your position has been recorded.")
    assert_accessible(member_page)
    other.close()

    third = browser.new_context(base_url=base_url, locale="en-GB")
    second_page = third.new_page()
    sign_in(second_page, "gerrit@example.org")
    second_page.goto(proposal_url)
    second_page.get_by_label("Agree", exact=True).check()
    second_page.get_by_role("button", name="Record my position").click()
    expect(second_page.get_by_role("status")).to_contain_text("Your position has been recorded.")
    third.close()

    # The projected view picks up the new position by itself.
    expect(page.locator('[data-tally="agree_with_reservations"]')).to_have_text("1", timeout=15000)

    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("main")).to_contain_text("Only with a neighbourhood coach.")
    page.get_by_role("link", name="Close the round now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close round 1?")
    assert_accessible(page)
    page.get_by_label("Why close the round now?").fill("Everyone has answered.")
    page.get_by_role("button", name="Yes, close the round now").click()
    expect(page.get_by_role("status")).to_contain_text("Round 1 is closed: Consensus.")
    assert_accessible(page)

    page.get_by_role("link", name="Decision record").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decision record")
    expect(page.get_by_role("main")).to_contain_text("Only with a neighbourhood coach.")
    expect(page.locator('[data-tally="answered"]').first).to_have_text("2")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as HTML").click()
    assert download.value.suggested_filename == f"decision-{proposal.id}.html"


def test_representative_names_a_deputy_and_the_deputy_answers(
    page, browser, base_url, assert_accessible
):
    from tests.consensus.helpers import institutions
    from tests.factories import make_round

    w = institutions(2)
    w.representatives[0].email = "rep@example.org"
    w.deputies[0].email = "deputy@example.org"
    w.representatives[0].locale = w.deputies[0].locale = "en"
    proposal = make_proposal(w.group, w.moderator, title="Housing per institution")
    make_round(proposal, w.moderator)
    db.session.commit()

    sign_in(page, "rep@example.org")
    page.goto(f"/consensus/groups/{w.group.slug}")
    expect(page.get_by_role("heading", name="Who answers for each organisation")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Deputy").select_option(label="No deputy")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: who answers for the organisation")

    other = browser.new_context(base_url=base_url, locale="en-GB")
    deputy_page = other.new_page()
    sign_in(deputy_page, "deputy@example.org")
    deputy_page.goto(f"/consensus/proposals/{proposal.id}")
    # No longer the deputy: no form to answer with.
    expect(deputy_page.get_by_role("button", name="Record my position")).to_have_count(0)
    other.close()

    page.goto(f"/consensus/proposals/{proposal.id}")
    expect(page.get_by_text(f"You answer for {w.organisations[0].name}.")).to_be_visible()
    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Record my position").click()
    expect(page.get_by_role("status")).to_contain_text("Your position has been recorded.")
    expect(page.get_by_role("main")).to_contain_text(f"{w.representatives[0].name} answered:")
    assert_accessible(page)


def test_projected_view_updates_itself_when_a_member_answers(
    page, browser, base_url, assert_accessible
):
    """The room's view follows a member answering in another browser within 3 seconds,
    without a reload, and stays axe-clean at 1920×1080 and on a 1024×768 beamer."""
    import time

    from tests.factories import make_round

    group = make_group(slug="xenia-live", name_en="Xenia — Live")
    moderator = make_user(email="live-moderator@example.org", name="Jürgen Moderator")
    make_membership(group, moderator, role=Role.moderator, is_voting=False)
    member = make_user(email="live-member@example.org", name="Fatma Yıldız", locale="en")
    make_membership(group, member, role=Role.member, organisation=make_organisation())
    second = make_user(email="live-second@example.org", name="Gerrit Nijhuis")
    make_membership(group, second, role=Role.member, organisation=make_organisation())
    proposal = make_proposal(group, moderator, title="Housing newcomers live")
    round_ = make_round(proposal, moderator)
    db.session.commit()

    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, "live-moderator@example.org")
    page.goto(f"/consensus/proposals/{proposal.id}/rounds/{round_.id}/projected")
    expect(page.locator('[data-tally="answered"]')).to_contain_text("0 of 2 voting members")
    assert_accessible(page)
    page.set_viewport_size({"width": 1024, "height": 768})
    assert_accessible(page)
    marker = page.evaluate("() => (window.nbMarker = Math.random())")

    other = browser.new_context(base_url=base_url, locale="en-GB")
    member_page = other.new_page()
    sign_in(member_page, "live-member@example.org")
    member_page.goto(f"/consensus/proposals/{proposal.id}")
    member_page.get_by_label("Object").check()
    member_page.get_by_label("Reason").fill("Not without a coach.")
    member_page.get_by_role("button", name="Record my position").click()
    recorded_at = time.monotonic()
    expect(member_page.get_by_role("status")).to_contain_text("Your position has been recorded.")
    other.close()

    expect(page.locator('[data-tally="object"]')).to_have_text("1", timeout=3000)
    assert time.monotonic() - recorded_at < 3
    expect(page.locator('[data-tally="answered"]')).to_contain_text("1 of 2 voting members")
    # Updated in place: the same document, not a reload.
    assert page.evaluate("() => window.nbMarker") == marker
    assert_accessible(page)

    # The moderator's dashboard follows the second member the same way.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Back to the dashboard").click()
    expect(page.get_by_role("main")).to_contain_text("Not without a coach.")
    third = browser.new_context(base_url=base_url, locale="en-GB")
    second_page = third.new_page()
    sign_in(second_page, "live-second@example.org")
    second_page.goto(f"/consensus/proposals/{proposal.id}")
    second_page.get_by_label("Agree", exact=True).check()
    second_page.get_by_role("button", name="Record my position").click()
    expect(second_page.get_by_role("status")).to_contain_text("Your position has been recorded.")
    third.close()
    expect(page.locator('#live-positions [data-tally="agree"]')).to_have_text("1", timeout=3000)
    expect(page.locator("#live-positions")).to_contain_text("Everyone has answered.")
    assert_accessible(page)
