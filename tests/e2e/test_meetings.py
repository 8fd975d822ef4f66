"""The project manager plans a meeting in the browser, a member answers the invitation,
the organiser takes attendance and approves the minutes; every page passes axe-core."""

import re

from playwright.sync_api import expect

from app.extensions import db
from tests.e2e.test_groups import sign_in
from tests.factories import make_group, make_membership, make_user


def test_plan_answer_attend_and_approve(page, browser, base_url, assert_accessible):
    group = make_group(slug="xenia-e2e", name_en="Xenia — Housing")
    lid = make_user(email="lid-e2e@example.org", name="Lotte Lid")
    make_membership(group, lid)
    make_user(email="pl-e2e@example.org", name="Petra Projektleitung", is_admin=True)
    db.session.commit()

    sign_in(page, "pl-e2e@example.org")
    page.goto("/meetings/new?group=xenia-e2e")
    assert_accessible(page)
    page.get_by_label("Kind of meeting").select_option(label="Coaching day")
    page.get_by_label("Title (English)").fill("Coaching day Enschede")
    page.get_by_label("Starts").fill("2020-06-04T10:00")
    page.get_by_label("Ends").fill("2020-06-04T16:00")
    page.get_by_label("City").fill("Enschede")
    page.get_by_role("button", name="Plan and invite").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Coaching day Enschede")
    expect(page.get_by_role("status").first).to_contain_text("invitations")
    assert_accessible(page)
    meeting_url = page.url

    # The member answers on the site (a past meeting in this test: answers are closed, so
    # the member sees the invitation; answering a future meeting is tested via the client).
    member = browser.new_page(base_url=base_url)
    sign_in(member, "lid-e2e@example.org")
    member.goto("/meetings/mine")
    expect(member.get_by_role("main")).to_contain_text("Coaching day Enschede")
    assert_accessible(member)
    member.close()

    page.goto(meeting_url)
    page.get_by_label("Attendance of Lotte Lid").select_option(label="Present")
    page.get_by_role("button", name="Save the attendance").click()
    expect(page.get_by_role("status").first).to_contain_text("attendance has been saved")
    page.get_by_label("Minutes", exact=True).fill("# Minutes\n\n- Housing note by Lotte")
    page.get_by_role("button", name="Circulate to the group").click()
    expect(page.get_by_role("status").first).to_contain_text("circulated")
    page.get_by_role("button", name="Approve the minutes").click()
    expect(page.get_by_role("status").first).to_contain_text("approved")
    expect(page.locator("#minutes-title")).to_contain_text("Approved")
    assert_accessible(page)
    expect(page).to_have_url(re.compile(r"/meetings/\d+"))

    page.goto("/meetings/")
    assert_accessible(page)
    page.goto("/meetings/calendar?month=2020-06")
    assert_accessible(page)
