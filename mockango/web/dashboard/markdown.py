"""A Markdown asset's text as a document, rendered safely on the host (no script, no CDN).

A Markdown asset's ``data`` is its markdown text itself (Ango's docs on markdown assets; the
vendor's markdown sample uploads it so), anything a plugin or a user wrote. It is rendered with
markdown-it's CommonMark rules and raw HTML off: a ``<script>`` in the text shows as text, links
with ``javascript:``/``data:`` schemes are left unlinked (markdown-it's own link check), and the
``style`` attributes of aligned table cells are dropped (the page's policy allows no inline style).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

EXCERPT_CHARACTERS = 1500
"""A thumbnail renders the start of a document only: a page of 60 cards stays small."""
URL_PREFIXES = ("http://", "https://", "data:")


def is_markdown_text(data: object) -> bool:
    """Whether an asset's ``data`` is a document's text rather than the URL of a file: the host keeps
    anything that is not an http(s) URL as an embedded markdown asset's text (a ``data:`` URL is an image)."""
    return isinstance(data, str) and not data.lower().startswith(URL_PREFIXES)


def render(text: str, *, excerpt: bool = False) -> Markup:
    """``text`` as HTML that is safe to put in a page (``excerpt``: its start only)."""
    if excerpt and len(text) > EXCERPT_CHARACTERS:
        text = text[:EXCERPT_CHARACTERS] + " …"
    parser = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")
    tokens = parser.parse(text)
    for token in tokens:
        if token.type in ("th_open", "td_open"):
            token.attrs.pop("style", None)
    return Markup(parser.renderer.render(tokens, parser.options, {}))  # noqa: S704 - escaped by markdown-it
