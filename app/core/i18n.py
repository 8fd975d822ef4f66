"""Language choice: an explicit switch (?lang=, kept in a cookie); on a page reached from a
mail link the recipient's stored language (see `use_recipient_language`); the user's setting;
the switch cookie; the browser's Accept-Language; then Dutch."""

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, refresh
from flask_login import current_user

LANG_COOKIE = "lang"
LANGUAGE_NAMES = {"nl": "Nederlands", "de": "Deutsch", "en": "English"}


def _valid(code: str | None) -> str | None:
    return code if code in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    if not has_request_context():  # CLI and worker: callers use force_locale()
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    switched = getattr(g, "switched_lang", None)
    if switched:
        return switched
    recipient = _valid(getattr(g, "recipient_lang", None))
    if recipient and not _valid(request.cookies.get(LANG_COOKIE)):
        return recipient
    if current_user and current_user.is_authenticated and _valid(current_user.locale):
        return current_user.locale
    chosen = _valid(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    return (
        request.accept_languages.best_match(current_app.config["LANGUAGES"])
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def N_(message: str) -> str:
    """Marks a message for translation where it is stored untranslated (a msgid kept in the
    database and translated when shown); Babel extracts N_() by default."""
    return message


def use_recipient_language(lang: str | None) -> None:
    """A page reached from a link in a mail (answer, cancel, confirm, unsubscribe, account
    invitation) speaks the language stored for that mail's recipient, unless the reader
    has switched language (`?lang=` now, or earlier: the cookie)."""
    if _valid(lang):
        g.recipient_lang = lang
        refresh()  # Flask-Babel may have cached the locale already


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _remember_switch() -> None:
    """`?lang=` switches the language; a signed-in person's setting follows the switch."""
    lang = _valid(request.args.get("lang"))
    if not lang:
        return
    g.switched_lang = lang
    if current_user.is_authenticated and current_user.locale != lang:
        from ..extensions import db

        current_user.locale = lang
        db.session.commit()


def _set_cookie(response):
    lang = getattr(g, "switched_lang", None)
    if lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
        )
    return response


def url_for_language(lang: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(args, doseq=True)


def init_app(app: Flask) -> None:
    app.before_request(_remember_switch)
    app.after_request(_set_cookie)
    from .i18n_fields import localised
    from .markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    from .dates import format_moment, format_time_range

    app.jinja_env.globals.update(
        format_time_range=format_time_range,
        format_moment=format_moment,
        localised=localised,
        get_locale=get_locale,
        language_names=LANGUAGE_NAMES,
        url_for_language=url_for_language,
    )
