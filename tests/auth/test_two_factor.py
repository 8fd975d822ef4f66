"""The second factor (TOTP, RFC 6238): enrolment, signing in with a code or a recovery
code, refusing wrong and replayed codes, enforcement for staff and the project manager's
audited reset."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.auth import two_factor
from app.auth.models import RecoveryCode, User
from app.core.audit import AuditEntry
from app.core.database import utcnow
from app.extensions import db
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_group, make_membership, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enrolled(user: User) -> User:
    user.totp_secret = SECRET
    user.totp_confirmed_at = utcnow()
    db.session.commit()
    return user


def current_code() -> str:
    return pyotp.TOTP(SECRET).now()


def secret_on_page(html: str) -> str:
    key = re.search(r'<code class="fs-5" id="manual-key">([A-Z2-7 ]+)</code>', html)
    assert key, html
    return key.group(1).replace(" ", "")


def test_enrolment_with_a_qr_code_a_confirming_code_and_ten_recovery_codes(member_client, member):
    page = member_client.get("/profile/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml;' in html  # allowed by the CSP (img-src data:)
    secret = secret_on_page(html)
    assert db.session.get(User, member.id).has_two_factor is False

    wrong = member_client.post("/profile/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400
    assert "This code is not correct." in wrong.get_data(as_text=True)

    response = member_client.post("/profile/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(
        r"<code class=\"fs-5\">([0-9a-f-]{19})</code>", response.get_data(as_text=True)
    )
    assert len(set(codes)) == 10
    user = db.session.get(User, member.id)
    assert user.has_two_factor
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored)  # only hashes are kept
    assert db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "user.two_factor_enabled")
    )


def test_the_qr_code_encodes_the_otpauth_address(member_client, member):
    member_client.get("/profile/two-factor")
    user = db.session.get(User, member.id)
    uri = two_factor.provisioning_uri(user)
    assert uri.startswith("otpauth://totp/Netwerkbrug:member%40example.org?secret=")
    assert f"secret={user.totp_secret}" in uri


def test_sign_in_asks_for_the_code_after_the_password(client, member):
    enrolled(member)
    response = login(client, member.email)
    assert response.headers["Location"] == "/login/code"
    assert client.get("/profile").status_code == 302  # not signed in yet
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 400
    assert "This code is not correct." in wrong.get_data(as_text=True)
    assert client.post("/login/code", data={"code": current_code()}).status_code == 302
    assert client.get("/profile").status_code == 200


def test_a_replayed_code_is_refused(app, member):
    enrolled(member)
    code = current_code()
    first, second = app.test_client(), app.test_client()
    login(first, member.email)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    login(second, member.email)
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 400
    assert "This code has already been used." in replay.get_data(as_text=True)
    assert second.get("/profile").status_code == 302


def test_each_time_step_is_accepted_once_and_never_an_older_one(member):
    enrolled(member)
    totp = pyotp.TOTP(SECRET)
    now = datetime(2026, 12, 1, 12, 0, 10, tzinfo=UTC)
    two_factor.verify_code(member, totp.at(now), now=now)
    with pytest.raises(two_factor.CodeAlreadyUsed):
        two_factor.verify_code(member, totp.at(now), now=now)
    earlier = now - timedelta(seconds=30)
    with pytest.raises(two_factor.CodeAlreadyUsed):
        two_factor.verify_code(member, totp.at(earlier), now=now)
    later = now + timedelta(seconds=30)
    two_factor.verify_code(member, totp.at(later), now=later)
    with pytest.raises(two_factor.WrongCode):
        two_factor.verify_code(member, totp.at(now + timedelta(minutes=5)), now=later)


def test_a_recovery_code_signs_in_once(app, member):
    enrolled(member)
    codes = two_factor.new_recovery_codes(member)
    db.session.commit()
    client = app.test_client()
    login(client, member.email)
    response = client.post("/login/code", data={"code": codes[3].upper()}, follow_redirects=True)
    assert "You have 9 unused recovery codes left." in response.get_data(as_text=True)
    client.post("/logout")
    login(client, member.email)
    again = client.post("/login/code", data={"code": codes[3]})
    assert again.status_code == 400
    assert "This recovery code is not correct or has been used already." in again.get_data(
        as_text=True
    )


def test_the_code_step_without_a_password_goes_back_to_sign_in(client):
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_reset_link_does_not_skip_the_second_factor(client, member):
    from app.auth import services

    enrolled(member)
    token = services.make_link_token(member, services.RESET)
    data = {"password": "a-brand-new-password", "confirm": "a-brand-new-password"}
    response = client.post(f"/password/reset/{token}", data=data)
    assert response.headers["Location"] == "/login/code"
    assert client.get("/profile").status_code == 302


def test_wrong_codes_count_as_failed_sign_ins(app, client, member):
    enrolled(member)
    login(client, member.email)
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(7)]
    assert statuses[:6] == [400] * 6
    assert statuses[6] == 429


def test_wrong_codes_after_the_right_password_warn_the_owner(client, member):
    from email import policy
    from email.parser import BytesParser

    from app.mail.models import OutboxMessage

    enrolled(member)
    login(client, member.email)
    for _ in range(5):
        client.post("/login/code", data={"code": "000000"})
    [mail] = db.session.scalars(sa.select(OutboxMessage)).all()
    message = BytesParser(policy=policy.default).parsebytes(mail.raw)
    text = message.get_body(("plain",)).get_content()
    assert (
        "entered your Netwerkbrug password correctly, but a wrong second-factor code 5 times"
        in text
    )
    assert "http://netwerkbrug.test/password/forgot" in text


def test_switching_off_needs_the_password(member_client, member):
    enrolled(member)
    wrong = member_client.post("/profile/two-factor/disable", data={"disable-password": "nope"})
    assert wrong.status_code == 400
    assert "The password is not correct." in wrong.get_data(as_text=True)
    assert db.session.get(User, member.id).has_two_factor
    right = member_client.post(
        "/profile/two-factor/disable", data={"disable-password": TEST_PASSWORD}
    )
    assert right.status_code == 302
    assert not db.session.get(User, member.id).has_two_factor


def test_new_recovery_codes_replace_the_old_ones(member_client, member):
    enrolled(member)
    old = two_factor.new_recovery_codes(member)
    db.session.commit()
    response = member_client.post(
        "/profile/two-factor/recovery-codes", data={"recovery-password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    new = re.findall(
        r"<code class=\"fs-5\">([0-9a-f-]{19})</code>", response.get_data(as_text=True)
    )
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(two_factor.WrongCode):
        two_factor.use_recovery_code(db.session.get(User, member.id), old[0])


@pytest.fixture
def staff_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_2FA_FOR_STAFF", True)


def test_staff_are_sent_to_enrolment_when_required(app, staff_required, admin, member):
    from app.groups.models import Role

    moderator = make_user(email="mod@example.org", password=TEST_PASSWORD)
    make_membership(make_group(), moderator, role=Role.moderator)
    db.session.commit()
    for person in (admin, moderator):
        client = app.test_client()
        login(client, person.email)
        response = client.get("/")
        assert response.status_code == 302
        assert response.headers["Location"] == "/profile/two-factor"
        assert client.get("/profile/two-factor").status_code == 200
    member_client = app.test_client()
    login(member_client, member.email)
    assert member_client.get("/").status_code == 200


def test_staff_cannot_switch_off_a_required_second_factor(app, staff_required, admin):
    enrolled(admin)
    client = app.test_client()
    login(client, admin.email)
    client.post("/login/code", data={"code": current_code()})
    response = client.post("/profile/two-factor/disable", data={"disable-password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "cannot be switched off" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).has_two_factor


def test_project_manager_resets_a_second_factor_audited(app, admin_client, admin, member):
    enrolled(member)
    two_factor.new_recovery_codes(member)
    db.session.commit()
    people = admin_client.get("/admin/users").get_data(as_text=True)
    assert 'Reset second factor<span class="visually-hidden"> (Maren Mitglied)' in people
    response = admin_client.post(f"/admin/users/{member.id}/reset-two-factor")
    assert response.status_code == 302
    user = db.session.get(User, member.id)
    assert not user.has_two_factor and user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "user.two_factor_reset")
    )
    assert entry.actor_id == admin.id and entry.object_id == member.id
    # Signing in now needs only the password, until the person sets up a new factor.
    assert login(app.test_client(), member.email).headers["Location"] == "/"


def test_only_the_project_manager_resets_a_second_factor(member_client, member):
    other = enrolled(make_user(email="other@example.org"))
    assert member_client.post(f"/admin/users/{other.id}/reset-two-factor").status_code == 403
    assert db.session.get(User, other.id).has_two_factor
