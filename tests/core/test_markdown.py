import re

import pytest

from app.core.markdown import render_markdown


def test_markdown_becomes_html():
    html = render_markdown("# Xenia\n\n**Wonen** voor *nieuwkomers*\n\n- een\n- twee")
    assert "<h1>Xenia</h1>" in html
    assert "<strong>Wonen</strong>" in html
    assert "<li>twee</li>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
    ],
)
def test_dangerous_markup_is_removed(source):
    html = str(render_markdown(source))
    assert "<script" not in html
    assert "<iframe" not in html
    assert not re.search(r"<[^>]+\son\w+\s*=", html), html  # no event-handler attribute in a tag
    assert 'href="javascript' not in html


def test_links_and_images_by_url_are_kept_with_safe_rel():
    html = str(
        render_markdown("[EUREGIO](https://www.euregio.eu) ![logo](https://example.org/logo.png)")
    )
    assert 'href="https://www.euregio.eu"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html
    assert 'src="https://example.org/logo.png"' in html


def test_empty_text_is_empty():
    assert str(render_markdown(None)) == ""
