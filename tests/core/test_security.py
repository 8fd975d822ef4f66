import pytest
import sqlalchemy as sa

from app import create_app
from app.core.security import public
from app.extensions import db
from tests.conftest import TEST_PASSWORD


def test_pages_carry_security_headers_with_a_strict_csp(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # only over HTTPS


def test_hsts_is_sent_over_https(client):
    response = client.get("/", base_url="https://netwerkbrug.test")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_pages_have_no_inline_scripts_or_styles(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page
    assert " style=" not in page
    assert " onclick=" not in page


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.usefixtures("csrf_on")
def test_a_form_without_csrf_token_is_refused_with_an_explanation(client, member):
    response = client.post("/login", data={"email": member.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


@pytest.mark.usefixtures("csrf_on")
def test_a_form_with_its_csrf_token_is_accepted(client, member):
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"email": member.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_session_cookie_is_http_only_and_same_site(client, member):
    client.post("/login", data={"email": member.email, "password": TEST_PASSWORD})
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


@pytest.mark.parametrize(
    ("path", "method", "code"),
    [("/no-such-page", "GET", 404), ("/logout", "GET", 405), ("/healthz", "POST", 405)],
)
def test_error_pages_are_friendly_pages(client, path, method, code):
    response = client.open(path, method=method)
    assert response.status_code == code
    assert '<main id="main"' in response.get_data(as_text=True)


def test_too_large_upload_is_a_413_page(app, client):
    response = client.post(
        "/login",
        data="x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_translated_500_page(database_uri):
    crashing = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "x"}
    )
    crashing.config["PROPAGATE_EXCEPTIONS"] = False

    def boom():
        raise RuntimeError("a bug")

    crashing.add_url_rule("/boom", view_func=public(boom))
    statements: list[str] = []
    with crashing.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda c, cu, s, *a: statements.append(s))
    try:
        response = crashing.test_client().get("/boom", headers={"Accept-Language": "de"})
    finally:
        engine.dispose()
    assert response.status_code == 500
    assert '<html lang="de"' in response.get_data(as_text=True)
    assert "Etwas ist schiefgelaufen" in response.get_data(as_text=True)
    # The error page (its footer included) reads nothing from the database.
    assert statements == []


@pytest.mark.usefixtures("csrf_on")
def test_the_language_switch_needs_a_token_only_when_it_writes_a_setting(app, client, member):
    # Signed out, a page carries no token (it may come from the page cache) and the
    # switch writes nothing but the language cookie.
    assert "csrf_token" not in client.get("/partners/").get_data(as_text=True)
    switched = client.post("/language", data={"lang": "de", "next": "/partners/"})
    assert switched.status_code == 302
    assert "lang=de" in switched.headers.get("Set-Cookie", "")
    # Signed in, the switch changes the person's setting: without the token it is refused.
    signed_in = app.test_client()
    page = signed_in.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    login = {"email": member.email, "password": TEST_PASSWORD, "csrf_token": token}
    assert signed_in.post("/login", data=login).status_code == 302
    refused = signed_in.post("/language", data={"lang": "de", "next": "/profile"})
    assert refused.status_code == 400
    db.session.refresh(member)
    assert member.locale != "de"
