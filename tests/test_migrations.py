"""The migrations are the only way the schema is made: one head, upgrade to head gives
exactly the models, and every revision goes down and up again — on SQLite and PostgreSQL."""

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.search.models import is_schema_object


@pytest.fixture
def empty_database_uri(database_uri, tmp_path):
    """A database of its own next to the test database, dropped afterwards."""
    url = sa.engine.make_url(database_uri)
    if not url.drivername.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"{url.database}_migrations"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def migration_app(empty_database_uri):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_uri, "SECRET_KEY": "x"}
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite's reflection cannot read an index on an expression (the directory's
        # lower(name)); PostgreSQL's can, so the comparison there covers them.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning
        )
        warnings.filterwarnings(
            "ignore", "autogenerate skipping metadata-specified expression-based index"
        )
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": is_schema_object}
        )
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_there_is_one_head(migration_app):
    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


def test_upgrade_to_head_matches_the_models_and_goes_down_and_up_again(migration_app):
    upgrade()
    assert schema_differences() == []
    assert {"users", "outbox_messages", "audit_entries"} <= table_names()

    downgrade(revision="base")
    assert table_names() <= {"alembic_version"}

    upgrade()
    assert schema_differences() == []


def test_every_revision_steps_down_and_up(migration_app):
    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    revisions = [rev.revision for rev in script.walk_revisions()]  # head first
    upgrade()
    for _ in revisions:
        downgrade(revision="-1")
    assert table_names() <= {"alembic_version"}
    for revision in reversed(revisions):
        upgrade(revision=revision)
    assert schema_differences() == []


def test_line_breaks_in_texts_used_in_mail_headers_become_spaces(migration_app):
    """A title saved with a line break before the input boundary existed would break
    every mail about it; the issue-13 revision makes such texts single-line."""
    upgrade(revision="eeb1fe042a63")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (email, name, function, locale, gender, is_admin, is_active, "
                "password_hash, is_organisation_leader, is_organisation_editor, phone, "
                "is_email_public, is_phone_public, created_at) VALUES ('a@example.org', "
                ":name, '', 'nl', 'not_stated', false, true, 'x', false, false, '', false, "
                "false, CURRENT_TIMESTAMP)"
            ),
            {"name": "Anna\r\nBcc: x@example.org"},
        )
    upgrade(revision="5d1e13a0b7c2")
    with db.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT name FROM users")) == "Anna  Bcc: x@example.org"
