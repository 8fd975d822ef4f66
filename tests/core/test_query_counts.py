"""Pages run a bounded number of SQL statements, whatever the amount of data."""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.factories import make_user


@contextmanager
def count_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def queries_for(client, path: str) -> int:
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


@pytest.mark.parametrize(
    "path", ["/admin/users", "/admin/users?q=person", "/partners/", "/groups/", "/"]
)
def test_page_queries_do_not_grow_with_the_data(admin_client, path):
    for _ in range(3):
        make_user()
    db.session.commit()
    few = queries_for(admin_client, path)
    for _ in range(60):
        make_user()
    db.session.commit()
    many = queries_for(admin_client, path)
    assert many == few
    # The signed-in home page ("For me") reads six lists of what waits for the person, and
    # its footer the current project's acknowledgement.
    assert many <= (8 if path == "/" else 6)
