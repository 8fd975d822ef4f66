"""Errors that cannot fail: the 5xx pages render without the database, and a database
that goes away answers 503 with Retry-After on every page, signed in or not."""

import shutil

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.extensions import db
from tests.conftest import TEST_PASSWORD, IsolatedClient, ensure_postgres_database, login
from tests.factories import make_user


class VanishingDatabase:
    """An application with a database of its own that a test can take away: on SQLite
    its directory is removed, on PostgreSQL the database is dropped."""

    def __init__(self, base_uri: str, tmp_path):
        url = sa.engine.make_url(base_uri)
        if url.drivername.startswith("postgresql"):
            self.url = url.set(database=f"{url.database}_vanishing")
            self.admin_url = url.set(database="postgres")
            ensure_postgres_database(self.url.render_as_string(hide_password=False))
        else:
            self.directory = tmp_path / "vanishing"
            self.directory.mkdir()
            self.url = sa.engine.make_url(f"sqlite:///{self.directory / 'gone.db'}")
            self.admin_url = None
        self.app = create_app(
            {
                "TESTING": True,
                "PROPAGATE_EXCEPTIONS": False,
                "SECRET_KEY": "vanishing",
                "SQLALCHEMY_DATABASE_URI": self.url.render_as_string(hide_password=False),
                "WTF_CSRF_ENABLED": False,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "RATELIMIT_STORAGE_URI": "memory://",
                "SMTP_HOST": None,
            }
        )
        self.app.test_client_class = IsolatedClient
        with self.app.app_context():
            db.drop_all()
            db.create_all()
            make_user(email="signed-in@example.org", name="Sina Signed", password=TEST_PASSWORD)
            db.session.commit()

    def take_away(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.admin_url is None:
            shutil.rmtree(self.directory)
            return
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.url.database}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def vanishing(database_uri, tmp_path):
    world = VanishingDatabase(database_uri, tmp_path)
    yield world
    if world.admin_url is not None:
        world.take_away()  # idempotent: the database is never left behind


def signed_in_client(app: Flask):
    client = app.test_client()
    assert login(client, "signed-in@example.org").status_code == 302
    return client


@pytest.mark.parametrize(
    ("path", "public"),
    [
        ("/", False),
        ("/partners/", True),
        ("/visits/", True),
        ("/meetings/", False),
        ("/profile", False),
    ],
)
def test_a_database_that_goes_away_gives_a_branded_503(vanishing, path, public):
    visitor = vanishing.app.test_client()
    member = signed_in_client(vanishing.app)
    assert member.get("/profile").status_code == 200
    vanishing.take_away()
    for client in (visitor, member) if public else (member,):
        response = client.get(path, headers={"Accept-Language": "de"})
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        page = response.get_data(as_text=True)
        assert "Vorübergehend nicht verfügbar" in page
        assert "Netwerkbrug" in page and 'id="main"' in page  # the site's layout
        assert "Sina Signed" not in page


def test_a_form_post_during_an_outage_is_a_503(vanishing):
    member = signed_in_client(vanishing.app)
    vanishing.take_away()
    response = member.post("/profile", data={"name": "X"})
    assert response.status_code == 503


def test_the_500_page_after_a_failed_transaction_is_branded_for_a_signed_in_person(vanishing):
    app = vanishing.app

    @app.get("/test-broken-transaction")
    def broken():
        from app.auth.models import User

        db.session.add(User(email="signed-in@example.org", name="Twin", password_hash="x"))
        db.session.flush()  # IntegrityError: the transaction is now unusable
        return "unreachable"

    broken.is_public = True
    member = signed_in_client(app)
    assert member.get("/profile").status_code == 200  # shows (and uses up) the welcome
    response = member.get("/test-broken-transaction?lang=nl")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Er is iets misgegaan" in page
    assert "Sina Signed" not in page
    assert "Netwerkbrug" in page and 'id="main"' in page
    # The next request works normally: nothing of the failed transaction is left over.
    assert member.get("/profile").status_code == 200
