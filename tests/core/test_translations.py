"""Fails when a message in the code is missing, untranslated or fuzzy in nl or de, or when
a translation loses a placeholder. Run `make i18n-update` and translate to fix it."""

import re
from pathlib import Path

import polib
import pytest
from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> polib.POFile:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    catalogue = polib.pofile(str(pot))
    assert len(catalogue) > 100, "extraction found (almost) nothing: check babel.cfg"
    return catalogue


@pytest.mark.parametrize("lang", ["nl", "de"])
def test_every_message_is_translated(template, lang):
    catalogue = polib.pofile(str(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"))
    translated = {entry.msgid: entry for entry in catalogue if not entry.obsolete}
    problems = []
    for entry in template:
        found = translated.get(entry.msgid)
        if found is None:
            problems.append(f"missing: {entry.msgid!r}")
        elif "fuzzy" in found.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        else:
            texts = list(found.msgstr_plural.values()) if entry.msgid_plural else [found.msgstr]
            if not texts or not all(texts):
                problems.append(f"untranslated: {entry.msgid!r}")
            wanted = set(PLACEHOLDER.findall(entry.msgid))
            for text in texts:
                if set(PLACEHOLDER.findall(text)) != wanted:
                    problems.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    assert problems == [], (
        f"{len(problems)} problem(s) in {lang}; run `make i18n-update` and translate"
    )
