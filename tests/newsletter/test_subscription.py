"""Double opt-in, confirmation and one-click unsubscription, as a reader meets them."""

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMessage
from app.newsletter import services
from app.newsletter.models import Subscriber, SubscriberStatus
from tests.factories import make_subscriber


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def parsed(row: OutboxMessage):
    return BytesParser(policy=policy.default).parsebytes(row.raw)


def confirm_link(row: OutboxMessage) -> str:
    text = parsed(row).get_body(("plain",)).get_content()
    return re.search(r"http://netwerkbrug\.test(/newsletter/confirm/\S+)", text).group(1)


def subscribe(client, **data):
    form = {"email": "jurgen@example.de", "name": "Jürgen Oßenbrügge", "language": "de"}
    form["consent"] = "y"
    form.update(data)
    return client.post("/newsletter/", data=form)


def test_subscribing_sends_a_confirmation_in_the_chosen_language_and_waits(client):
    response = subscribe(client)

    assert response.status_code == 302
    subscriber = services.find_subscriber("JURGEN@example.de ")
    assert subscriber.status is SubscriberStatus.pending
    assert subscriber.consent_at is None
    [mail] = outbox()
    msg = parsed(mail)
    assert msg["To"].addresses[0].display_name == "Jürgen Oßenbrügge"
    # German, as chosen (the catalogue may not be compiled here: then the English source)
    assert "Netwerkbrug" in str(msg["Subject"])
    assert confirm_link(mail).startswith("/newsletter/confirm/")
    page = client.get("/newsletter/").get_data(as_text=True)
    assert "we have sent it a mail with a link to confirm" in page


def test_the_confirmation_link_asks_once_and_then_confirms(client):
    subscribe(client, language="en")  # the page speaks the subscriber's language
    link = confirm_link(outbox()[0])

    page = client.get(link)
    assert page.status_code == 200
    assert "Yes, confirm my subscription" in page.get_data(as_text=True)
    assert services.find_subscriber("jurgen@example.de").status is SubscriberStatus.pending

    done = client.post(link)
    assert done.status_code == 200
    assert "Subscription confirmed" in done.get_data(as_text=True)
    subscriber = services.find_subscriber("jurgen@example.de")
    assert subscriber.status is SubscriberStatus.confirmed
    assert subscriber.consent_at is not None
    assert client.post(link).status_code == 200  # twice is harmless


@pytest.mark.parametrize("tamper", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "abc"])
def test_a_tampered_confirmation_link_is_refused(client, tamper):
    subscribe(client)
    token = confirm_link(outbox()[0]).rsplit("/", 1)[1]

    response = client.post(f"/newsletter/confirm/{tamper(token)}")

    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)
    assert services.find_subscriber("jurgen@example.de").status is SubscriberStatus.pending


def test_an_expired_confirmation_link_is_refused(client, monkeypatch):
    subscribe(client)
    link = confirm_link(outbox()[0])
    monkeypatch.setattr(services, "CONFIRM_MAX_AGE", timedelta(seconds=-1))

    response = client.post(link)

    assert response.status_code == 400
    assert "This confirmation link has expired" in response.get_data(as_text=True)
    assert services.find_subscriber("jurgen@example.de").status is SubscriberStatus.pending


def test_a_confirmation_link_from_before_an_unsubscription_does_not_resubscribe(client):
    subscribe(client)
    link = confirm_link(outbox()[0])
    services.unsubscribe(services.find_subscriber("jurgen@example.de"))
    db.session.commit()

    assert client.post(link).status_code == 400
    assert services.find_subscriber("jurgen@example.de").status is SubscriberStatus.unsubscribed


def test_subscribing_an_address_on_the_list_reveals_nothing(client):
    make_subscriber(email="known@example.org", name="Known", language="en")
    db.session.commit()

    known = subscribe(client, email="known@example.org", name="Someone Else")
    known_page = client.get("/newsletter/").get_data(as_text=True)
    unknown = subscribe(client, email="unknown@example.org")
    unknown_page = client.get("/newsletter/").get_data(as_text=True)

    assert known.status_code == unknown.status_code == 302
    assert known_page.replace("known@", "X@") == unknown_page.replace("unknown@", "X@")
    [mail] = outbox()  # only the new address is mailed
    assert mail.recipient == "unknown@example.org"
    assert services.find_subscriber("known@example.org").name == "Known"


def test_a_pending_address_gets_the_confirmation_again_only_after_a_while(client):
    subscribe(client)
    subscribe(client)
    assert len(outbox()) == 1
    subscriber = services.find_subscriber("jurgen@example.de")
    subscriber.confirmation_sent_at -= timedelta(minutes=11)
    db.session.commit()
    subscribe(client)
    assert len(outbox()) == 2


def test_bad_input_is_answered_with_400_and_writes_nothing(client):
    for data in ({"email": "not-an-address"}, {"email": ""}, {"consent": ""}, {"language": "fr"}):
        response = subscribe(client, **data)
        assert response.status_code == 400, data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0
    assert outbox() == []


def test_an_address_with_accents_before_the_at_is_refused_clearly(client):
    response = subscribe(client, email="jürgen@example.de")
    assert response.status_code == 400
    assert "Invalid email address." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0
    assert outbox() == []


def test_an_internationalised_domain_is_accepted_and_mailed_in_idna_form(client):
    assert subscribe(client, email="jurgen@münster.de").status_code in (200, 302)
    [row] = outbox()
    assert row.recipient == "jurgen@xn--mnster-3ya.de"


def test_the_spam_trap_pretends_success_and_does_nothing(client):
    response = subscribe(client, website="http://cheap-pills.example")

    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0
    assert outbox() == []
    assert "we have sent it a mail" in client.get("/newsletter/").get_data(as_text=True)


def test_the_spam_trap_is_hidden_from_people(client):
    page = client.get("/newsletter/").get_data(as_text=True)
    trap = re.search(r'<div class="d-none" aria-hidden="true">(.*?)</div>', page, re.S).group(1)
    assert 'name="website"' in trap
    assert 'tabindex="-1"' in trap


def test_subscribing_is_rate_limited(client):
    codes = [subscribe(client, email=f"r{n}@example.org").status_code for n in range(6)]
    assert codes == [302] * 5 + [429]


def test_one_click_unsubscribe_by_post_needs_no_login_and_no_csrf_token(app, client, monkeypatch):
    subscriber = make_subscriber(email="leave@example.org", language="en")
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = client.post(
        f"/newsletter/unsubscribe/{subscriber.token}",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "will no longer receive the newsletter" in response.get_data(as_text=True)
    subscriber = db.session.get(Subscriber, subscriber.id)
    assert subscriber.status is SubscriberStatus.unsubscribed
    assert subscriber.unsubscribed_at is not None
    # CSRF is still enforced everywhere else
    assert subscribe(client, email="other@example.org").status_code == 400


def test_the_unsubscribe_link_shows_one_button_and_changes_nothing_by_get(client):
    subscriber = make_subscriber(email="leave@example.org", language="en")
    db.session.commit()

    page = client.get(f"/newsletter/unsubscribe/{subscriber.token}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    main = html.split("<main", 1)[1].split("</main>", 1)[
        0
    ]  # the header has a search box and language buttons
    assert main.count('type="submit"') == 1  # one button, nothing else to fill in
    assert db.session.get(Subscriber, subscriber.id).status is SubscriberStatus.confirmed
    assert client.post(f"/newsletter/unsubscribe/{subscriber.token}").status_code == 200
    again = client.get(f"/newsletter/unsubscribe/{subscriber.token}")
    assert "will no longer receive the newsletter" in again.get_data(as_text=True)


@pytest.mark.parametrize("token", ["nope", "x" * 43, "x" * 80])
def test_an_unknown_unsubscribe_link_is_a_404_with_an_explanation(client, token):
    for method in ("GET", "POST"):
        response = client.open(f"/newsletter/unsubscribe/{token}", method=method)
        assert response.status_code == 404
        assert "This unsubscribe link is not valid" in response.get_data(as_text=True)


def test_subscribing_again_after_unsubscribing_needs_a_new_confirmation(client):
    subscriber = make_subscriber(email="back@example.org", language="en")
    services.unsubscribe(subscriber)
    db.session.commit()

    subscribe(client, email="back@example.org", language="nl")

    subscriber = services.find_subscriber("back@example.org")
    assert subscriber.status is SubscriberStatus.pending
    assert subscriber.language == "nl"
    assert [m.recipient for m in outbox()] == ["back@example.org"]
