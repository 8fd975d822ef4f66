"""Language choice: the user's setting, then ?lang= (remembered), then Accept-Language, then Dutch."""

import pytest

from app.auth.models import User
from app.extensions import db


def page_lang(response) -> str:
    return response.get_data(as_text=True).split('<html lang="')[1].split('"')[0]


def test_default_is_dutch(client):
    assert page_lang(client.get("/", headers={"Accept-Language": ""})) == "nl"


@pytest.mark.parametrize(
    ("header", "expected"), [("de-DE,de;q=0.9", "de"), ("en-GB", "en"), ("fr", "nl")]
)
def test_browser_language_is_used(client, header, expected):
    assert page_lang(client.get("/", headers={"Accept-Language": header})) == expected


def test_explicit_switch_wins_and_is_remembered(client):
    assert page_lang(client.get("/?lang=de", headers={"Accept-Language": "en"})) == "de"
    assert page_lang(client.get("/partners/", headers={"Accept-Language": "en"})) == "de"


def test_unknown_language_is_ignored(client):
    assert page_lang(client.get("/?lang=xx", headers={"Accept-Language": "en"})) == "en"


def test_signed_in_persons_setting_wins_and_follows_the_switcher(member_client, member):
    member.locale = "de"
    db.session.commit()
    assert page_lang(member_client.get("/", headers={"Accept-Language": "en"})) == "de"
    switched = member_client.post("/language", data={"lang": "en", "next": "/partners/?x=1"})
    assert switched.status_code == 302
    assert switched.headers["Location"] == "/partners/?x=1&lang=en"
    assert db.session.get(User, member.id).locale == "en"
    assert page_lang(member_client.get("/")) == "en"


def test_a_lang_link_switches_the_page_but_not_the_setting(member_client, member):
    member.locale = "de"
    db.session.commit()
    assert page_lang(member_client.get("/?lang=en")) == "en"
    assert db.session.get(User, member.id).locale == "de"
    assert page_lang(member_client.get("/")) == "de"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_the_switcher_stays_on_the_site(client, target):
    switched = client.post("/language", data={"lang": "de", "next": target})
    assert switched.headers["Location"] == "/?lang=de"


def test_the_switcher_remembers_the_choice_for_visitors(client):
    client.post("/language", data={"lang": "de", "next": "/"})
    assert page_lang(client.get("/partners/", headers={"Accept-Language": "en"})) == "de"


@pytest.mark.parametrize(
    ("lang", "text"),
    [("nl", "Inloggen"), ("de", "Anmelden"), ("en", "Sign in")],
)
def test_pages_are_translated(client, lang, text):
    assert text in client.get(f"/login?lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "title"), [("nl", "Pagina niet gevonden"), ("de", "Seite nicht gefunden")]
)
def test_error_pages_are_translated(client, lang, title):
    response = client.get(f"/missing?lang={lang}")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_language_switcher_keeps_the_current_page_and_query(client):
    page = client.get("/partners/?x=1").get_data(as_text=True)
    assert 'name="next" value="/partners/?x=1"' in page
