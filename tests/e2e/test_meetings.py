"""The project manager plans a meeting in the browser, a member answers the invitation by
the link in the queued mail, the organiser takes attendance and approves the minutes; every
page visited passes axe-core."""

import re
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.mail.models import OutboxMessage
from app.meetings.models import LOCAL_ZONE, Invitation, Response
from app.meetings.services import public_holidays
from tests.e2e.test_groups import sign_in
from tests.factories import make_group, make_membership, make_user


def rsvp_path(recipient: str, answer: str) -> str:
    """The answer link from the plain-text part of the invitation queued for `recipient`."""
    raw = db.session.scalar(
        sa.select(OutboxMessage.raw).where(OutboxMessage.recipient == recipient)
    )
    text = message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
    link = re.search(rf"(https?://\S+/meetings/rsvp/\S+answer={answer})", text).group(1)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def answer_by_mail_link(browser, base_url, assert_accessible, recipient, link, choice, saved):
    """Opens the mail's `link` answer without signing in (it is preselected), chooses
    `choice` in the form and sends it."""
    context = browser.new_context(base_url=base_url, locale="en-GB")
    guest = context.new_page()
    guest.goto(rsvp_path(recipient, link) + "&lang=en")
    expect(guest.get_by_label("Your answer")).to_have_value(link)
    assert_accessible(guest)
    guest.get_by_label("Your answer").select_option(label=choice)
    guest.get_by_role("button", name="Send my answer").click()
    expect(guest.get_by_role("status").first).to_contain_text(f"has been saved: {saved}")
    assert_accessible(guest)
    context.close()


def test_plan_answer_attend_and_approve(page, browser, base_url, assert_accessible):
    group = make_group(slug="xenia-e2e", name_en="Xenia — Housing")
    lid = make_user(email="lid-e2e@example.org", name="Lotte Lid")
    gast = make_user(email="gast-e2e@example.org", name="Gerd Gast")
    make_membership(group, lid)
    make_membership(group, gast)
    make_user(email="pl-e2e@example.org", name="Petra Projektleitung", is_admin=True)
    db.session.commit()

    # A coaching day that began an hour ago: invitees may still answer, minutes may be
    # approved.
    start = datetime.now(LOCAL_ZONE).replace(second=0, microsecond=0) - timedelta(hours=1)
    end = start + timedelta(hours=6)
    sign_in(page, "pl-e2e@example.org")
    page.goto("/meetings/new?group=xenia-e2e")
    assert_accessible(page)
    page.get_by_label("Kind of meeting").select_option(label="Coaching day")
    page.get_by_label("Title (English)").fill("Coaching day Enschede")
    page.get_by_label("Starts").fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("Ends").fill(f"{end:%Y-%m-%dT%H:%M}")
    page.get_by_label("City").fill("Enschede")
    page.get_by_role("button", name="Plan and invite").click()
    if public_holidays(start.date(), end.date()):
        assert_accessible(page)
        page.get_by_label("Plan it on this public holiday anyway").check()
        page.get_by_role("button", name="Plan and invite").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Coaching day Enschede")
    expect(page.get_by_role("status").first).to_contain_text("invitations")
    assert_accessible(page)
    meeting_url = page.url

    # Both members answer from the e-mail, without signing in.
    answer_by_mail_link(
        browser,
        base_url,
        assert_accessible,
        "lid-e2e@example.org",
        "accepted",
        "I will come",
        "Accepted",
    )
    answer_by_mail_link(
        browser,
        base_url,
        assert_accessible,
        "gast-e2e@example.org",
        "tentative",
        "I cannot come",
        "Declined",
    )
    db.session.expire_all()
    answers = dict(db.session.execute(sa.select(Invitation.user_id, Invitation.response)).all())
    assert answers == {lid.id: Response.accepted, gast.id: Response.declined}

    page.goto(meeting_url)
    expect(page.locator("#invitees").locator("..")).to_contain_text(
        "1 accepted, 0 tentative, 1 declined, 0 not answered"
    )
    page.get_by_label("Attendance of Lotte Lid").select_option(label="Present")
    page.get_by_label("Attendance of Gerd Gast").select_option(label="Excused")
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
    page.goto(f"/meetings/calendar?month={start:%Y-%m}")
    assert_accessible(page)
    page.goto("/meetings/coaching-days")
    expect(page.get_by_role("main")).to_contain_text("Enschede")
    assert_accessible(page)
    page.goto("/meetings/series/new")
    assert_accessible(page)
