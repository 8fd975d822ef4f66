"""Language choice: an explicit switch (?lang=, kept in a cookie); on a page reached from a
mail link the recipient's stored language (see `use_recipient_language`); the user's setting;
the switch cookie; the browser's Accept-Language; then Dutch."""

from urllib.parse import parse_qsl, urlencode, urlsplit

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
    # An error page must not look the person up: the database may be what failed.
    database_free = getattr(g, "database_free", False)
    if not database_free and current_user.is_authenticated and _valid(current_user.locale):
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
    """`?lang=` switches the page (and the cookie remembers it for visitors). It never
    writes a signed-in person's setting: a shared link must not change someone's profile;
    the switcher's POST (core.switch_language) and the profile form do that."""
    lang = _valid(request.args.get("lang"))
    if lang:
        g.switched_lang = lang


def address_in_language(next_url: str | None, lang: str) -> str:
    """A local address (path and query) with `lang` set; anything else is the home page."""
    parts = urlsplit(next_url or "/")
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\\" in parts.path:
        parts = urlsplit("/")
    args = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    return parts.path + "?" + urlencode([*args, ("lang", lang)])


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
    return request.path + "?" + urlencode(args, doseq=True)


def current_address() -> str:
    """This page's path and query, for the language switcher to come back to."""
    query = request.query_string.decode("utf-8", "replace")
    return request.path + (f"?{query}" if query else "")


def init_app(app: Flask) -> None:
    app.before_request(_remember_switch)
    app.after_request(_set_cookie)
    from .i18n_fields import localised
    from .markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    from . import dates

    dates.init_app(app)

    app.jinja_env.globals.update(
        format_time_range=dates.format_time_range,
        format_moment=dates.format_moment,
        localised=localised,
        get_locale=get_locale,
        language_names=LANGUAGE_NAMES,
        url_for_language=url_for_language,
        current_address=current_address,
    )
