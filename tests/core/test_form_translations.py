"""WTForms' own messages in each request's language, from catalogues read once per process
(Flask-WTF would read the file again for every request that makes a form)."""

from babel import support
from wtforms import SelectChoice, SelectField

from app.core import forms


class _Choice(forms.BaseForm):
    choice = SelectField(choices=[SelectChoice("a", "A")])


def _message(app, language: str) -> str:
    with (
        app.app_context(),
        app.test_request_context(
            "/", method="POST", data={"choice": "x"}, headers={"Accept-Language": language}
        ),
    ):
        form = _Choice(meta={"csrf": False})
        assert not form.validate()
        return form.choice.errors[0]


def test_each_request_gets_its_own_languages_message_from_a_catalogue_read_once(app, monkeypatch):
    forms._wtforms_catalogue.cache_clear()
    read = []
    load = support.Translations.load
    monkeypatch.setattr(
        support.Translations, "load", lambda *args, **kw: read.append(args[1]) or load(*args, **kw)
    )
    for _ in range(2):
        assert _message(app, "de") == "Keine gültige Auswahl."
        assert _message(app, "nl") == "Ongeldige keuze."
        assert _message(app, "en") == "Not a valid choice."
    assert sorted(map(tuple, read)) == [("de",), ("en",), ("nl",)]
