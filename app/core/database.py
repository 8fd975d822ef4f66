"""Column types and connection settings shared by every domain."""

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite has no time zones and would hand back naive values; PostgreSQL stores
    `timestamptz`. Either way Python code only ever sees aware UTC datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web server read while a worker writes; the busy timeout makes
    # writers wait for each other instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted and overwritten content is zeroed, so erased personal data does not linger
    # in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def purge_deleted_data() -> None:
    """Right after an erasure was committed: on SQLite, copy the write-ahead log into the
    database file and empty it, so the old values are in neither file (secure_delete has
    zeroed them in the file). A reader still inside an older snapshot gets a second to
    finish; after that the log is emptied at the next checkpoint instead. PostgreSQL's
    VACUUM reclaims dead rows on its own schedule: nothing to do there."""
    from ..extensions import db

    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=1000")
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
        conn.exec_driver_sql("PRAGMA busy_timeout=10000")
    if busy:
        log.warning("the write-ahead log could not be emptied after an erasure (readers)")


def init_app(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from .. import extensions

        with app.app_context():
            engine: Engine = extensions.db.engine
            sa.event.listen(engine, "connect", _sqlite_pragmas)


def render_migration_item(type_, obj, autogen_context):
    """Writes UTCDateTime into migrations as a plain timezone-aware DateTime."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def in_ids(column, ids) -> sa.ColumnElement[bool]:
    """`column IN ids` for a list of integer ids. On PostgreSQL as `column = ANY(:ids)`: one
    parameter, so the statement text stays the same whatever the number of ids (the driver
    converts and caches it once, instead of scanning hundreds of placeholders each time)."""
    from ..extensions import db

    ids = list(ids)
    if db.engine.dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, ids, type_=ARRAY(sa.Integer)))
    return column.in_(ids)


def ids_parameter(column, name: str, dialect: str) -> sa.ColumnElement[bool]:
    """`column IN :name` in a statement built once and executed many times with a list of
    integer ids as `name` (`column = ANY(:name)` on PostgreSQL, as `in_ids`). Building a
    statement costs more than running a short one, so a loop that runs it often keeps it
    (see `functools.cache`) and passes the ids and other values as parameters."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(sa.Integer)))
    return column.in_(sa.bindparam(name, expanding=True))
