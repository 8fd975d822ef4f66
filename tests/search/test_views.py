"""/search through the client: the page, its filters, bad input and escaping."""

import pytest

from app.extensions import db
from tests.factories import make_group, make_meeting, make_visit


def test_the_page_lists_hits_with_marked_snippets_and_links(client):
    visit = make_visit(description_de="Führung durch die Wohnungen am Hafen <b>fett</b>")
    db.session.commit()
    response = client.get("/search/?q=wohnung", headers={"Accept-Language": "de"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="/visits/{visit.id}"' in html
    assert "<mark>Wohnungen</mark>" in html
    assert "&lt;b&gt;fett&lt;/b&gt;" in html  # content never becomes markup
    assert "1 Ergebnis" in html
    assert visit.title_de in html  # the reader's language


def test_filter_by_type(client):
    make_visit(description_de="Wohnungen")
    make_group(description_de="Wohnungen")
    db.session.commit()
    html = client.get("/search/?q=wohnungen&type=visit").get_data(as_text=True)
    assert "1 result" in html
    assert 'aria-current="page" href="/search/?q=wohnungen&amp;type=visit"' in html


def test_private_content_is_not_even_counted_on_the_page(member_client):
    group = make_group(is_public=False, description_de="Geheimsache")
    make_meeting(group, description_de="Geheimsache")
    db.session.commit()
    html = member_client.get("/search/?q=geheimsache").get_data(as_text=True)
    assert "0 results" in html
    assert "Nothing found" in html


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/search/?q=x&type=spam", 400),
        ("/search/?q=" + "a" * 201, 400),
        ("/search/?q=wohnungen&page=7", 404),
        ("/search/?q=wohnungen&page=0", 404),
        ("/search/", 200),
        ("/search/?q=%22%29%28*", 200),
    ],
)
def test_bad_input_is_a_clear_4xx(client, url, status):
    response = client.get(url, headers={"Accept-Language": "nl"})
    assert response.status_code == status


def test_the_header_has_a_search_box_on_every_page(client):
    html = client.get("/").get_data(as_text=True)
    assert 'role="search"' in html
    assert 'action="/search/"' in html
