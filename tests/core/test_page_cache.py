"""Whole anonymous pages from the cache: kept per URL and language, gone after any change,
never one person's or one language's page for another."""

from flask import Response, g

from app.core import page_cache
from app.extensions import cache, db
from tests.conftest import login
from tests.factories import make_organisation
from tests.redis_apps import apps_sharing_redis


def _get(client, path, lang="nl"):
    return client.get(path, headers={"Accept-Language": lang})


def test_an_anonymous_page_is_kept_and_a_change_shows_at_once(client):
    make_organisation(name="Gemeente Enschede")
    db.session.commit()
    first = _get(client, "/partners/")
    assert first.status_code == 200 and "X-Page-Cache" not in first.headers
    again = _get(client, "/partners/")
    assert again.headers["X-Page-Cache"] == "hit"
    assert again.data == first.data

    make_organisation(name="Stadt Gronau")
    db.session.commit()
    changed = _get(client, "/partners/")
    assert "X-Page-Cache" not in changed.headers
    assert "Stadt Gronau" in changed.get_data(as_text=True)


def test_each_language_gets_its_own_page(app):
    make_organisation(name="Gemeente Enschede")
    db.session.commit()
    dutch, german = app.test_client(), app.test_client()
    nl = _get(dutch, "/partners/", "nl")
    de = _get(german, "/partners/", "de")
    assert "X-Page-Cache" not in de.headers
    assert '<html lang="de"' in de.get_data(as_text=True)
    assert '<html lang="nl"' in nl.get_data(as_text=True)
    assert _get(german, "/partners/", "de").data == de.data
    assert _get(dutch, "/partners/", "nl").data == nl.data
    # another URL is another page
    assert "X-Page-Cache" not in _get(dutch, "/partners/?q=Enschede", "nl").headers


def test_no_signed_in_page_is_kept_or_served_from_the_cache(app, member):
    make_organisation(name="Gemeente Enschede")
    db.session.commit()
    anonymous = app.test_client()
    _get(anonymous, "/partners/")
    assert _get(anonymous, "/partners/").headers["X-Page-Cache"] == "hit"

    signed_in = app.test_client()
    login(signed_in, member.email)
    mine = _get(signed_in, "/partners/")
    assert "X-Page-Cache" not in mine.headers
    assert member.name in mine.get_data(as_text=True)
    assert "X-Page-Cache" not in _get(signed_in, "/partners/").headers

    # and the anonymous page never shows the member
    page = _get(app.test_client(), "/partners/")
    assert member.name not in page.get_data(as_text=True)


def test_a_page_with_a_message_waiting_is_not_served_from_the_cache(app, member):
    anonymous = app.test_client()
    _get(anonymous, "/")
    assert _get(anonymous, "/").headers["X-Page-Cache"] == "hit"
    with anonymous.session_transaction() as session:
        session["_flashes"] = [("info", "Only for you")]
    shown = _get(anonymous, "/")
    assert "X-Page-Cache" not in shown.headers
    assert "Only for you" in shown.get_data(as_text=True)


def test_a_page_holding_a_csrf_token_or_setting_a_cookie_is_not_kept(app):
    with app.test_request_context("/"):
        g.page_cache_key = "page:test-csrf"
        g.csrf_token = "someone's token"
        page_cache._keep(Response("<form>someone's token</form>"))
        assert cache.get("page:test-csrf") is None
    with app.test_request_context("/"):
        g.page_cache_key = "page:test-cookie"
        response = Response("<p>hello</p>")
        response.set_cookie("lang", "de")
        page_cache._keep(response)
        assert cache.get("page:test-cookie") is None


def test_filter_choices_are_computed_once_per_change(client, monkeypatch):
    from app.partners import services

    make_organisation(name="Gemeente Enschede", city="Enschede")
    db.session.commit()
    computed = []
    original = services.cities_by_country

    def counting(**kwargs):
        computed.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(services, "cities_by_country", counting)
    assert services.city_choices() == ["Enschede"]
    assert services.city_choices() == ["Enschede"]
    assert len(computed) == 1
    make_organisation(name="Stadt Gronau", city="Gronau")
    db.session.commit()
    assert services.city_choices() == ["Enschede", "Gronau"]
    assert len(computed) == 2


def test_with_redis_a_change_in_one_process_drops_the_pages_of_another(database_uri):
    """Two app instances stand for two web processes sharing Redis."""
    with apps_sharing_redis(database_uri, "page-cache") as (writer, reader):
        client = reader.test_client()
        with reader.app_context():
            _get(client, "/partners/")
            assert _get(client, "/partners/").headers["X-Page-Cache"] == "hit"
        with writer.app_context():
            make_organisation(name="Kreis Borken")
            db.session.commit()
        with reader.app_context():
            fresh = _get(client, "/partners/")
            assert "X-Page-Cache" not in fresh.headers
            assert "Kreis Borken" in fresh.get_data(as_text=True)
