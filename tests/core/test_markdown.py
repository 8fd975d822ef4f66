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


def test_links_are_kept_with_safe_rel_and_outside_images_become_links():
    html = str(
        render_markdown("[EUREGIO](https://www.euregio.eu) ![logo](https://tracker.example/p.png)")
    )
    assert 'href="https://www.euregio.eu"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html
    assert "<img" not in html
    assert (
        '<a href="https://tracker.example/p.png" rel="nofollow noopener noreferrer ugc">logo</a>'
        in html
    )


@pytest.mark.parametrize("src", ["//tracker.example/p.png", "http://tracker.example/p.png"])
def test_no_image_loads_from_another_server(src):
    assert "<img" not in str(render_markdown(f"![x]({src})"))


def test_images_of_the_platform_itself_are_shown():
    html = str(render_markdown("![emblem](/static/img/emblem.png)"))
    assert '<img src="/static/img/emblem.png" alt="emblem"' in html


def test_the_csp_lets_images_load_only_from_the_platform(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in csp
    assert "https:" not in csp


def test_empty_text_is_empty():
    assert str(render_markdown(None)) == ""
