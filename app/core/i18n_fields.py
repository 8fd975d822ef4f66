"""Content that users write in several languages: pick the viewer's, fall back visibly."""

from dataclasses import dataclass

from flask_babel import get_locale

FALLBACK_ORDER = ("nl", "de", "en")


@dataclass(frozen=True)
class Localised:
    text: str
    lang: str
    is_fallback: bool

    def __str__(self) -> str:
        return self.text


def localised(obj, field: str, lang: str | None = None) -> Localised:
    """`obj.<field>_<lang>` in the viewer's language, else the first filled one."""
    lang = lang or str(get_locale() or "nl")
    value = getattr(obj, f"{field}_{lang}", None)
    if value:
        return Localised(value, lang, False)
    for other in FALLBACK_ORDER:
        value = getattr(obj, f"{field}_{other}", None)
        if value:
            return Localised(value, other, True)
    return Localised("", lang, False)
