"""Shared fixtures. The schema is made once per run with create_all() (the migrations
are checked separately in test_migrations.py); every test ends with empty tables.

TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/netwerkbrug_test runs the suite
on PostgreSQL; without it a fresh SQLite file is used."""

import contextvars
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_babel import force_locale

from app import create_app
from app.config import database_url
from app.extensions import db, limiter

from .factories import make_user

IN_CI = os.environ.get("CI", "").lower() == "true"
TEST_PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped test is a failure: the browser and the database must be there."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"
    return report


def ensure_postgres_database(url: str) -> None:
    """Creates the test database on the PostgreSQL server when it does not exist yet."""
    target = sa.engine.make_url(url)
    if not target.drivername.startswith("postgresql"):
        return
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = database_url(url, "")
        ensure_postgres_database(url)
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


class IsolatedClient(FlaskClient):
    """Each request runs in fresh contexts, as in production (no `g`, session or signed-in
    user shared with the test); afterwards the test's own session reloads what it reads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tests read English unless they ask for another language.
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not inside a redirect that the client follows
            db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(database_uri, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "MAIL_OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
            "BASE_URL": "http://netwerkbrug.test",
            "RATELIMIT_STORAGE_URI": "memory://",
            "SMTP_HOST": None,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        reset_schema()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def reset_schema() -> None:
    """An empty schema, whatever an earlier run (of any version of the code) left behind."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    else:
        db.drop_all()


def truncate_all() -> None:
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _app_context(app):
    """Each test runs in an app context. Code called directly (services, CLI) speaks
    English here, as the assertions do; requests still choose their own language."""
    with app.app_context():
        with force_locale("en"):
            yield
        truncate_all()
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox_dir(app) -> Path:
    return Path(app.config["MAIL_OUTBOX_DIR"])


def login(client, email: str, password: str = TEST_PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def member():
    user = make_user(email="member@example.org", name="Maren Mitglied", password=TEST_PASSWORD)
    db.session.commit()
    return user


@pytest.fixture
def admin():
    user = make_user(
        email="admin@example.org", name="Anna Admin", password=TEST_PASSWORD, is_admin=True
    )
    db.session.commit()
    return user


@pytest.fixture
def member_client(app, member):
    client = app.test_client()
    assert login(client, member.email).status_code == 302
    return client


@pytest.fixture
def admin_client(app, admin):
    client = app.test_client()
    assert login(client, admin.email).status_code == 302
    return client
