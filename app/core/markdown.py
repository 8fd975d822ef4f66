"""User-written Markdown rendered to safe HTML: raw HTML in the source is not rendered and
the output is cleaned with nh3 (an allowlist of tags, attributes and URL schemes).

Images load only from the platform itself (the CSP says `img-src 'self' data:`): an outside
image would tell its server who reads what, so it becomes a link to the image instead."""

from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

_parser = MarkdownIt("js-default").enable("table").enable("strikethrough")


def _is_own(src: str) -> bool:
    parts = urlsplit(src)
    return not parts.scheme and not parts.netloc


def _image_or_link(renderer, tokens, idx, options, env) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if _is_own(src):
        return renderer.image(tokens, idx, options, env)
    text = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escapeHtml(src)}">{escapeHtml(text)}</a>'


_parser.add_render_rule("image", _image_or_link)

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str | None) -> Markup:
    """Safe HTML for a Markdown text; links get rel="nofollow noopener noreferrer ugc"."""
    html = _parser.render(source or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
    )
    return Markup(cleaned)  # noqa: S704 (cleaned by nh3 with an allowlist just above)
