"""The directory's total is counted once per change of the data and kept: turning pages
costs only the page's own query."""

from app.extensions import db
from tests.core.test_query_counts import count_queries
from tests.factories import make_organisation


def test_total_and_pages_without_a_separate_count(app):
    for n in range(25):
        make_organisation(name=f"Gemeente {n:02d}")
    db.session.commit()
    client = app.test_client()
    with count_queries() as statements:
        first = client.get("/partners/?sort=name&lang=en")
    assert first.status_code == 200
    assert "25 organisations found" in first.get_data(as_text=True)
    assert sum("count(*)" in s.lower() for s in map(str, statements)) == 1
    with count_queries() as statements:
        second = client.get("/partners/?sort=name&page=2&lang=en").get_data(as_text=True)
    assert not any("count(*)" in s.lower() for s in map(str, statements))  # kept
    assert "25 organisations found" in second
    assert "Gemeente 24" in second and "Gemeente 00" not in second
    assert client.get("/partners/?page=3&lang=en").status_code == 404
    empty = client.get("/partners/?q=nowhere&lang=en").get_data(as_text=True)
    assert "No organisation matches this search." in empty
