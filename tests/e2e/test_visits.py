"""Someone without an account registers for a full work visit's last place, another goes on
the waiting list; the first cancels with the personal link from the mail and the waiting
person is promoted (the outbox holds their mail). Every page passes axe-core."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.mail.models import OutboxMessage
from app.visits import registration as reg
from app.visits.models import Registration
from tests.factories import make_organisation, make_visit


def register(page, visit_id, name, email):
    page.goto(f"/visits/{visit_id}")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Organisation not in the list").fill("Gemeente Almelo")
    page.get_by_label("Function").fill("Consulent inburgering")
    page.get_by_label("Remarks").fill("Vegetarisch")
    page.get_by_role("button", name="Register", exact=True).click()


def test_register_cancel_and_the_waiting_person_is_promoted(page, assert_accessible):
    host = make_organisation(name="Stadt Münster")
    visit = make_visit(host, capacity=1, title_en="Integration pilots Münster", days=2)
    db.session.commit()

    page.goto("/visits/")
    expect(page.get_by_role("main")).to_contain_text("Integration pilots Münster")
    assert_accessible(page)

    register(page, visit.id, "Ada Bakker", "ada@example.org")
    expect(page.get_by_role("status").first).to_contain_text("You are registered")
    assert_accessible(page)

    register(page, visit.id, "Bert Kamp", "bert@example.org")
    expect(page.get_by_role("status").first).to_contain_text("number 1 on the waiting list")
    expect(page.get_by_role("main")).to_contain_text("Full")

    db.session.expire_all()
    ada = db.session.scalar(sa.select(Registration).where(Registration.email == "ada@example.org"))
    page.goto(f"/visits/cancel/{reg.cancel_token(ada)}")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, cancel my registration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registration cancelled")
    assert_accessible(page)

    db.session.expire_all()
    promoted = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.category == "visits.promoted")
    ).all()
    assert [m.recipient for m in promoted] == ["bert@example.org"]
    page.goto(f"/visits/cancel/{reg.cancel_token(ada)}")
    expect(page.get_by_role("main")).to_contain_text("already been cancelled")
    page.goto(f"/visits/{visit.id}")
    expect(page.get_by_role("main")).to_contain_text(re.compile("1 of 1 taken"))


def test_host_pages_are_accessible(page, assert_accessible):
    from tests.e2e.test_groups import sign_in
    from tests.factories import make_open_meeting, make_user

    make_user(email="pl-visits@example.org", is_admin=True)
    meeting = make_open_meeting(title_en="Binational conference")
    visit = make_visit(capacity=1, title_en="ROC visit")
    reg.register(visit, name="Ada", email="ada@example.org", organisation_name="Org")
    reg.register(visit, name="Bert", email="bert@example.org", organisation_name="Org")
    db.session.commit()
    sign_in(page, "pl-visits@example.org")
    for path in (
        f"/visits/{visit.id}/registrations",
        f"/visits/{visit.id}/edit",
        "/visits/new",
        "/visits/learning",
        f"/visits/meetings/{meeting.id}",
        f"/visits/meetings/{meeting.id}/registration",
        f"/visits/meetings/{meeting.id}/registrations",
    ):
        page.goto(path)
        assert_accessible(page)
    page.goto(f"/visits/{visit.id}/edit")
    page.get_by_label("Places").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("main")).to_contain_text("would move to the waiting list")
    assert_accessible(page)
