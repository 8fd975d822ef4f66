"""Sessions a person controls: a copied session cookie or remember token dies with logout,
a password change or reset, deactivation and "sign out everywhere"; each sign-in is a
device the person sees on the profile and can end."""

import pytest
import sqlalchemy as sa

from app.auth import services
from app.auth.models import SignedInDevice, User
from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user

NEW_PASSWORD = "a-brand-new-password"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def sign_in(app, email: str, *, remember: bool = True, user_agent: str = FIREFOX):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    data = {"email": email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def copies_of_the_cookies(app, victim) -> dict:
    """What a thief who copied the cookies would hold: the session cookie and the remember
    token together, and the remember token alone."""
    session_cookie = victim.get_cookie("session")
    remember_cookie = victim.get_cookie("remember_token")
    assert session_cookie is not None and remember_cookie is not None
    both, remembered = app.test_client(), app.test_client()
    both.set_cookie("session", session_cookie.value)
    both.set_cookie("remember_token", remember_cookie.value)
    remembered.set_cookie("remember_token", remember_cookie.value)
    return {"session and remember token": both, "remember token alone": remembered}


def assert_signed_in(client) -> None:
    assert client.get("/profile").status_code == 200


def assert_refused(client) -> None:
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_copied_cookies_work_until_something_ends_them(app, member):
    victim = sign_in(app, member.email)
    for thief in copies_of_the_cookies(app, victim).values():
        assert_signed_in(thief)


def test_logout_ends_the_copied_session_and_remember_token(app, member):
    victim = sign_in(app, member.email)
    thieves = copies_of_the_cookies(app, victim)
    assert victim.post("/logout").status_code == 302
    for thief in thieves.values():
        assert_refused(thief)


def test_password_change_ends_other_sessions_and_keeps_this_one(app, member):
    victim = sign_in(app, member.email)
    thieves = copies_of_the_cookies(app, victim)
    other_device = sign_in(app, member.email, user_agent=SAFARI)
    response = victim.post(
        "/profile/password",
        data={"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    for thief in thieves.values():
        assert_refused(thief)
    assert_refused(other_device)
    assert_signed_in(victim)
    # ... on a fresh remember token: the old one is gone.
    assert (
        victim.get_cookie("remember_token").value
        != thieves["remember token alone"].get_cookie("remember_token").value
    )
    assert db.session.get(User, member.id).session_generation == 1


def test_password_reset_ends_every_session(app, client, member):
    victim = sign_in(app, member.email)
    thieves = copies_of_the_cookies(app, victim)
    token = services.make_link_token(member, services.RESET)
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/password/reset/{token}", data=data).status_code == 302
    for thief in [victim, *thieves.values()]:
        assert_refused(thief)
    assert_signed_in(client)  # the person who used the link


def test_deactivation_ends_every_session(app, admin_client, member):
    victim = sign_in(app, member.email)
    thieves = copies_of_the_cookies(app, victim)
    assert admin_client.post(f"/admin/users/{member.id}/deactivate").status_code == 302
    # Even when the account is reactivated, the old cookies stay dead.
    assert admin_client.post(f"/admin/users/{member.id}/reactivate").status_code == 302
    for thief in [victim, *thieves.values()]:
        assert_refused(thief)


def test_sign_out_everywhere_ends_every_session(app, member):
    victim = sign_in(app, member.email)
    thieves = copies_of_the_cookies(app, victim)
    other_device = sign_in(app, member.email, user_agent=SAFARI)
    response = other_device.post("/profile/devices/end-all")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    for client in [victim, other_device, *thieves.values()]:
        assert_refused(client)
    assert db.session.scalar(sa.select(sa.func.count(SignedInDevice.id))) == 0


def test_two_sign_ins_get_different_remember_tokens_stored_only_as_hashes(app, member):
    first = sign_in(app, member.email)
    second = sign_in(app, member.email)
    first_token = first.get_cookie("remember_token").value
    second_token = second.get_cookie("remember_token").value
    assert first_token != second_token
    stored = db.session.scalars(sa.select(SignedInDevice.secret_hash)).all()
    assert len(stored) == 2
    for token in (first_token, second_token):
        secret = token.split("|")[0].rsplit(".", 1)[-1]
        assert len(secret) >= 40
        assert all(secret not in value for value in stored)


def test_the_session_id_rotates_at_sign_in(app, member):
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    assert (
        client.post("/login", data={"email": member.email, "password": TEST_PASSWORD}).status_code
        == 302
    )
    with client.session_transaction() as session:
        assert "planted" not in session
        first_nonce = session["nonce"]
    client.post("/logout")
    client.post("/login", data={"email": member.email, "password": TEST_PASSWORD})
    with client.session_transaction() as session:
        assert session["nonce"] != first_nonce


def test_a_bare_user_id_in_a_cookie_is_not_a_session(app, member):
    """The old cookie format (just the user id) no longer signs anyone in."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(member.id)
        session["_fresh"] = True
    assert_refused(client)


def test_profile_lists_signed_in_devices_and_ends_another(app, member):
    laptop = sign_in(app, member.email, user_agent=FIREFOX)
    phone = sign_in(app, member.email, user_agent=SAFARI, remember=False)
    page = laptop.get("/profile").get_data(as_text=True)
    assert "Firefox / Windows" in page
    assert "Mobile Safari / iOS" in page
    assert "This device" in page
    phone_device = db.session.scalar(
        sa.select(SignedInDevice).where(SignedInDevice.browser.like("Mobile Safari%"))
    )
    response = laptop.post(f"/profile/devices/{phone_device.id}/end", follow_redirects=True)
    assert "That device has been signed out." in response.get_data(as_text=True)
    assert_refused(phone)
    assert_signed_in(laptop)


def test_nobody_ends_another_persons_device(app, member):
    other = make_user(email="other@example.org", password=TEST_PASSWORD)
    db.session.commit()
    victim = sign_in(app, other.email)
    attacker = sign_in(app, member.email)
    victim_device = db.session.scalar(
        sa.select(SignedInDevice).where(SignedInDevice.user_id == other.id)
    )
    attacker.post(f"/profile/devices/{victim_device.id}/end")
    assert_signed_in(victim)


@pytest.mark.parametrize("path", ["/profile/devices/1/end", "/profile/devices/end-all"])
def test_device_actions_need_a_signed_in_person(client, path):
    response = client.post(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_data_export_lists_signed_in_devices(app, member):
    client = sign_in(app, member.email)
    data = client.get("/profile/my-data.json").get_json()
    assert [device["browser"] for device in data["signed_in_devices"]] == ["Firefox / Windows"]
    assert data["profile"]["has_two_factor"] is False


def test_erasure_ends_sessions_and_forgets_the_second_factor(app, admin_client, member):
    from app.auth import two_factor

    victim = sign_in(app, member.email)
    user = db.session.get(User, member.id)
    user.totp_secret = "JBSWY3DPEHPK3PXP"
    two_factor.new_recovery_codes(user)
    db.session.commit()
    assert admin_client.post(f"/admin/users/{member.id}/erase").status_code == 302
    assert_refused(victim)
    user = db.session.get(User, member.id)
    assert user.totp_secret is None
    assert user.devices == [] and user.recovery_codes == []


def test_last_seen_is_kept_current_and_an_idle_session_ends(app, member):
    from datetime import timedelta

    from app.core.database import utcnow

    client = sign_in(app, member.email, remember=False)
    device = db.session.scalar(sa.select(SignedInDevice))
    device.last_seen_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert_signed_in(client)
    db.session.refresh(device)
    assert utcnow() - device.last_seen_at < timedelta(minutes=1)

    device.last_seen_at = utcnow() - app.config["PERMANENT_SESSION_LIFETIME"] - timedelta(minutes=1)
    db.session.commit()
    assert_refused(client)
    assert devices_listed(member) == []


def devices_listed(user) -> list:
    from app.auth import sessions

    return sessions.devices_of(db.session.get(User, user.id))
