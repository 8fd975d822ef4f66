"""The newsletter in Chromium: a reader subscribes, confirms by the link from the mail and
unsubscribes; the project manager previews an edition and follows a send."""

import re
from email import policy
from email.parser import BytesParser

import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.mail.models import OutboxMessage
from app.newsletter import sending, services
from app.newsletter.models import EditionStatus, SubscriberStatus
from tests.e2e.test_accounts import sign_in
from tests.factories import make_edition, make_subscriber, make_user


def latest_mail_link(pattern: str) -> str:
    db.session.rollback()  # see what the server committed
    row = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    text = BytesParser(policy=policy.default).parsebytes(row.raw).get_body(("plain",))
    return re.search(pattern, text.get_content()).group(1)


def test_a_reader_subscribes_confirms_and_unsubscribes(page, assert_accessible):
    edition = make_edition(quarter="2026 Q3", languages=("nl", "de"))
    edition.status = EditionStatus.sent
    db.session.commit()

    page.goto("/newsletter/?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("2026 Q3")).click()
    expect(page.get_by_text("This edition is not available in English.")).to_be_visible()
    assert_accessible(page)

    page.goto("/newsletter/")
    page.get_by_label("E-mail address").fill("juergen@example.de")
    page.get_by_label("Name", exact=True).fill("Jürgen Oßenbrügge")
    page.get_by_label("Language of the newsletter").select_option("de")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the marked fields.")
    expect(page.get_by_text("Please tick this box to subscribe.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label(re.compile("I would like to receive")).check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("status")).to_contain_text("we have sent it a mail with a link")
    assert_accessible(page)

    page.goto(latest_mail_link(r"http://netwerkbrug\.test(/newsletter/confirm/\S+)") + "?lang=en")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, confirm my subscription").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscription confirmed")
    assert_accessible(page)
    db.session.rollback()
    subscriber = services.find_subscriber("juergen@example.de")
    assert subscriber.status is SubscriberStatus.confirmed

    page.goto(f"/newsletter/unsubscribe/{subscriber.token}")
    assert_accessible(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
    assert_accessible(page)
    db.session.rollback()
    assert services.find_subscriber("juergen@example.de").status is SubscriberStatus.unsubscribed


def test_the_project_manager_previews_an_edition_and_follows_the_send(page, assert_accessible):
    make_user(email="anke@example.org", name="Anke Admin", locale="en", is_admin=True)
    edition = make_edition(quarter="2026 Q4", languages=("nl", "de"))
    for language in ("nl", "de", "en"):
        make_subscriber(language=language)
    db.session.commit()

    page.goto("/login?lang=en")
    sign_in(page, "anke@example.org")
    page.goto("/newsletter/admin/editions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter editions")
    assert_accessible(page)

    page.get_by_role("link", name="Nieuws uit Enschede").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview of 2026 Q4")
    frame = page.frame_locator("iframe[title='HTML version as sent']")
    expect(frame.get_by_role("heading", name="Nieuws uit Enschede")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Reader language: English").click()
    expect(page.get_by_text("There is no English version")).to_be_visible()
    expect(page.get_by_label("Text version")).to_contain_text(
        "This edition is not available in English."
    )
    assert_accessible(page)

    page.get_by_role("button", name="Send the test").click()
    expect(page.get_by_role("status")).to_contain_text("has been sent to anke@example.org")

    page.get_by_role("link", name="Send to 3 confirmed subscribers").click()
    expect(page.get_by_role("main")).to_contain_text("to 3 confirmed subscribers in")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, send to 3 subscribers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sending 2026 Q4")
    expect(page.locator("[data-count='total']")).to_have_text("3")
    assert_accessible(page)

    db.session.rollback()
    sending.produce_deliveries(10)  # the worker's part, here in the test
    db.session.execute(sa.update(OutboxMessage).values(status="sent"))
    db.session.commit()
    # the page updates by itself: the JSON shows all three sent
    expect(page.locator("[data-count='sent']")).to_have_text("3", timeout=10_000)
    expect(page.locator("progress")).to_have_attribute("value", "3")
    assert edition.id
