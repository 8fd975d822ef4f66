"""Password reset and invitation links: signed, expiring, single use."""

import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import User
from app.core.audit import AuditEntry
from app.extensions import db
from app.mail.models import OutboxMessage
from tests.conftest import login
from tests.factories import make_user

NEW_PASSWORD = "a-brand-new-password"


def queued_mails() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def link_in(mail: OutboxMessage) -> str:
    text = (
        BytesParser(policy=policy.default).parsebytes(mail.raw).get_body(("plain",)).get_content()
    )
    match = re.search(r"http://netwerkbrug\.test(/\S+)", text)
    assert match, text
    return match.group(1)


def test_reset_request_queues_a_mail_with_a_working_link(client, member):
    response = client.post("/password/forgot", data={"email": "Member@example.org"})
    assert response.status_code == 302
    [mail] = queued_mails()
    assert mail.recipient == member.email
    path = link_in(mail)
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    client.post("/logout")
    assert login(client, member.email, NEW_PASSWORD).status_code == 302


def test_reset_mail_is_in_the_persons_language(client):
    make_user(email="de@example.org", locale="de")
    db.session.commit()
    client.post("/password/forgot", data={"email": "de@example.org"})
    [mail] = queued_mails()
    assert mail.subject == "Netwerkbrug-Passwort zurücksetzen"


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, member):
    known = client.post("/password/forgot", data={"email": member.email}, follow_redirects=True)
    unknown = client.post(
        "/password/forgot", data={"email": "stranger@example.org"}, follow_redirects=True
    )
    assert known.status_code == unknown.status_code == 200
    assert len(queued_mails()) == 1


def test_reset_link_works_only_once(client, member):
    token = services.make_link_token(member, services.RESET)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/password/reset/{token}", data=data).status_code == 302
    again = client.post(f"/password/reset/{token}", data=data)
    assert again.status_code == 400
    assert "This link is not valid." in again.get_data(as_text=True)


def test_expired_reset_link_is_refused(app, client, member, monkeypatch):
    token = services.make_link_token(member, services.RESET)
    monkeypatch.setitem(app.config, "RESET_LINK_MAX_AGE", timedelta(seconds=-1))
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400
    assert "This link has expired." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "xx", lambda t: "garbage", lambda t: t.upper()]
)
def test_tampered_reset_link_is_refused(client, member, mangle):
    token = services.make_link_token(member, services.RESET)
    assert client.get(f"/password/reset/{mangle(token)}").status_code == 400


def test_invitation_token_is_not_a_reset_token(client, member):
    token = services.make_link_token(member, services.INVITATION)
    assert client.get(f"/password/reset/{token}").status_code == 400


def test_reset_link_of_a_deactivated_account_is_refused(client, member):
    token = services.make_link_token(member, services.RESET)
    member.is_active = False
    db.session.commit()
    assert client.get(f"/password/reset/{token}").status_code in (400, 403)


def test_too_short_password_is_refused_and_nothing_changes(client, member):
    before = member.password_hash
    token = services.make_link_token(member, services.RESET)
    response = client.post(
        f"/password/reset/{token}", data={"password": "short", "confirm": "short"}
    )
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, member.id).password_hash == before


def test_mismatched_confirmation_is_refused(client, member):
    token = services.make_link_token(member, services.RESET)
    response = client.post(
        f"/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 400
    assert "The two passwords do not match." in response.get_data(as_text=True)


def test_admin_invites_a_person_who_then_activates_the_account(admin_client, admin, app):
    response = admin_client.post(
        "/admin/users/invite",
        data={
            "name": "Jürgen Oßenbrügge",
            "email": "Juergen@Example.org",
            "function": "Moderator",
            "locale": "de",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "juergen@example.org"))
    assert user.is_invitation_pending and not user.is_admin
    [mail] = queued_mails()
    assert mail.recipient == "juergen@example.org"
    assert mail.subject == "Sie sind zu Netwerkbrug eingeladen"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.invited"))
    assert entry.actor_id == admin.id and entry.object_id == user.id

    invitee = app.test_client()
    path = link_in(mail)
    assert invitee.get(path).status_code == 200
    assert (
        invitee.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 302
    )
    assert invitee.get("/profile").status_code == 200
    assert (
        invitee.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code
        == 400
    )


def test_inviting_an_existing_address_is_refused(admin_client, member):
    response = admin_client.post(
        "/admin/users/invite", data={"name": "Again", "email": "MEMBER@example.org", "locale": "nl"}
    )
    assert response.status_code == 400
    assert "There is already an account with this e-mail address." in response.get_data(
        as_text=True
    )
    assert queued_mails() == []


def test_expired_invitation_is_refused(app, client, admin):
    user = services.invite_user(admin, "late@example.org", "Late Person")
    db.session.commit()
    token = services.make_link_token(user, services.INVITATION)
    app.config["INVITATION_LINK_MAX_AGE"], saved = (
        timedelta(seconds=-1),
        app.config["INVITATION_LINK_MAX_AGE"],
    )
    try:
        response = client.get(f"/invitation/{token}")
    finally:
        app.config["INVITATION_LINK_MAX_AGE"] = saved
    assert response.status_code == 400


def test_invitation_can_be_sent_again(admin_client, admin):
    user = services.invite_user(admin, "again@example.org", "Again")
    db.session.commit()
    assert admin_client.post(f"/admin/users/{user.id}/resend-invitation").status_code == 302
    assert len(queued_mails()) == 2
