"""Parts of signed-in pages kept between requests (`page_cache.shared_fragment`): kept per
language and per whatever else they depend on, gone after any change, never one person's
or one language's part for another, and each viewer's own CSRF token in a kept form."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.conftest import TEST_PASSWORD, login
from tests.core.test_query_counts import count_queries
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_subscriber,
    make_user,
)


def _page(client, path: str, lang: str = "en") -> str:
    response = client.get(path, headers={"Accept-Language": lang})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _signed_in(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def _queries(client, path: str) -> int:
    with count_queries() as statements:
        _page(client, path)
    return len(statements)


@pytest.mark.parametrize(
    "path", ["/partners/", "/meetings/", "/newsletter/admin/subscribers", "/", "/groups/xenia"]
)
def test_a_kept_part_is_read_again_only_after_a_change(admin, admin_client, path):
    group = make_group(slug="xenia")
    make_membership(group, make_user())
    make_meeting(group, invitees=[admin])
    make_organisation(name="Gemeente Enschede")
    make_subscriber(email="reader@example.org")
    db.session.commit()
    first = _queries(admin_client, path)
    again = _queries(admin_client, path)
    assert again < first
    make_organisation(name="Stadt Gronau")
    db.session.commit()
    assert _queries(admin_client, path) == first


def test_a_change_shows_at_once(admin_client):
    make_organisation(name="Gemeente Enschede")
    db.session.commit()
    assert "Stadt Gronau" not in _page(admin_client, "/partners/")
    make_organisation(name="Stadt Gronau")
    db.session.commit()
    assert "Stadt Gronau" in _page(admin_client, "/partners/")


def test_each_language_gets_its_own_part(admin_client):
    make_organisation(name="Gemeente Enschede")
    db.session.commit()
    english = _page(admin_client, "/partners/", "en")
    german = _page(admin_client, "/partners/?lang=de", "de")
    assert "1 organisation found" in english
    assert "1 organisation found" not in german
    assert "Organisation gefunden" in german
    assert "Organisation gefunden" not in _page(admin_client, "/partners/?lang=en", "en")


def test_inactive_organisations_stay_with_the_project_manager(app, admin_client, member):
    make_organisation(name="Stadt Gronau", is_active=False)
    db.session.commit()
    assert "Stadt Gronau" in _page(admin_client, "/partners/")
    assert "Stadt Gronau" not in _page(_signed_in(app, member), "/partners/")


def test_one_persons_meetings_and_for_me_lists_never_reach_another(app):
    owner = make_user(email="owner@example.org", password=TEST_PASSWORD)
    other = make_user(email="other@example.org", password=TEST_PASSWORD)
    private = make_group(slug="closed", is_public=False)
    make_meeting(private, title_en="Only for the invited", invitees=[owner])
    db.session.commit()
    first, second = _signed_in(app, owner), _signed_in(app, other)
    for path in ["/meetings/", "/"]:
        assert "Only for the invited" in _page(first, path)
        assert "Only for the invited" not in _page(second, path)
        assert "Only for the invited" in _page(first, path)


def test_the_member_list_shows_only_to_those_who_may_see_it(app, member):
    group = make_group(slug="open-group")
    make_membership(group, make_user(name="Hidden Person"))
    db.session.commit()
    assert "Hidden Person" in _page(_signed_in(app, member), "/groups/open-group")
    anonymous = _page(app.test_client(), "/groups/open-group")
    assert "Hidden Person" not in anonymous
    assert "The member list is visible to signed-in participants." in anonymous


def test_each_project_manager_gets_their_own_csrf_token_in_the_kept_list(app, admin):
    other_admin = make_user(email="second-admin@example.org", password=TEST_PASSWORD, is_admin=True)
    make_subscriber(email="reader@example.org")
    db.session.commit()
    tokens = []
    for user in (admin, other_admin):
        page = _page(_signed_in(app, user), "/newsletter/admin/subscribers")
        found = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
        assert len(found) == 1, found
        assert "csrf-token-of-the-viewer" not in page
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]


def test_a_part_that_asked_for_the_csrf_token_is_not_kept(app):
    from flask import render_template_string

    from app.core.page_cache import shared_fragment

    rendered = []

    def render():
        rendered.append(1)
        return render_template_string("<input value='{{ csrf_token() }}'>")

    with app.test_request_context("/"):
        shared_fragment("test:personal", (), render)
    with app.test_request_context("/"):
        shared_fragment("test:personal", (), render)
    assert len(rendered) == 2


@pytest.mark.parametrize(
    "path", ["/meetings/", "/newsletter/admin/subscribers", "/groups/xenia", "/", "/partners/"]
)
def test_page_queries_do_not_grow_with_the_data(admin, admin_client, path):
    group = make_group(slug="xenia")

    def add(count: int) -> None:
        for _ in range(count):
            person = make_user()
            make_membership(group, person)
            make_meeting(group, invitees=[person, admin])
            make_organisation()
            make_subscriber()
        db.session.commit()  # and the kept parts are gone

    add(3)
    few = _queries(admin_client, path)
    add(40)
    assert _queries(admin_client, path) == few


def test_a_browser_seen_again_keeps_every_kept_page(admin_client):
    """The "last seen" of a signed-in browser is written every few minutes; no kept page
    shows it, so it drops none of them. Any other write does."""
    from app.auth.models import SignedInDevice
    from app.core.database import utcnow
    from app.core.page_cache import GENERATION
    from app.extensions import cache

    _page(admin_client, "/partners/")
    generation = cache.get(GENERATION)
    db.session.execute(sa.update(SignedInDevice).values(last_seen_at=utcnow()))
    db.session.commit()
    assert cache.get(GENERATION) == generation
    make_organisation(name="Stadt Gronau")
    db.session.commit()
    assert cache.get(GENERATION) != generation


def test_a_write_the_request_commits_drops_its_reading_of_the_generation(app):
    """The generation is read once per request; a write committed in that request must not
    leave the rest of it looking parts up under the old one."""
    from app.core.page_cache import generation, shared_fragment

    with app.test_request_context("/"):
        assert shared_fragment("test:part", (), lambda: "before") == "before"
        assert shared_fragment("test:part", (), lambda: "not asked") == "before"  # kept
        read = generation()
        make_organisation(name="Gemeente Hengelo")
        db.session.commit()
        assert generation() != read
        assert shared_fragment("test:part", (), lambda: "after") == "after"
