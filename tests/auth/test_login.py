import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from tests.conftest import TEST_PASSWORD, login
from tests.factories import make_user


def test_member_signs_in_and_is_welcomed(client, member):
    response = login(client, member.email)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Maren Mitglied" in page
    assert db.session.get(User, member.id).last_login_at is not None


def test_email_is_case_insensitive(client, member):
    assert login(client, "  MEMBER@Example.ORG ").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(client, member):
    response = login(client, member.email, "not-the-password")
    assert response.status_code == 401
    assert "The e-mail address or password is not correct." in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302  # still signed out


def test_unknown_address_gets_the_same_answer_as_a_wrong_password(client, member):
    unknown = login(client, "nobody@example.org")
    wrong = login(client, member.email, "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "The e-mail address or password is not correct." in unknown.get_data(as_text=True)


def test_empty_login_form_is_a_400_with_field_errors(client):
    response = client.post("/login", data={"email": "not-an-address", "password": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_deactivated_user_is_refused(client):
    user = make_user(email="gone@example.org", is_active=False)
    db.session.commit()
    response = login(client, user.email)
    assert response.status_code == 403
    assert "This account has been deactivated." in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, member):
    login(client, member.email)
    assert client.get("/profile").status_code == 200
    member.is_active = False
    db.session.commit()
    assert client.get("/profile").status_code == 302


def test_invited_person_cannot_sign_in_before_choosing_a_password(client):
    user = make_user(email="new@example.org", password=None)
    db.session.commit()
    assert login(client, user.email, "").status_code == 400
    assert login(client, user.email, "anything-at-all").status_code == 401


def test_remember_me_sets_a_long_lived_cookie(client, member):
    client.post("/login", data={"email": member.email, "password": TEST_PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.http_only


def test_sign_out(member_client):
    response = member_client.post("/logout")
    assert response.status_code == 302
    assert member_client.get("/profile").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/profile", "/profile"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_redirects_within_the_site(client, member, target, expected):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": member.email, "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == expected


def test_login_is_rate_limited_per_address(client, member):
    """Ten posts a minute from one address, whichever accounts they try."""
    for n in range(10):
        assert login(client, f"guess{n}@example.org", "wrong-password").status_code == 401
    response = login(client, member.email)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_login_page_after_signing_in_goes_home(member_client):
    assert member_client.get("/login").status_code == 302


def test_users_have_unique_addresses_in_the_database(app):
    make_user(email="twice@example.org")
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        make_user(email="twice@example.org")
    db.session.rollback()
