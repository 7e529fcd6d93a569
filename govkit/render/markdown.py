"""The one place govkit talks to markdown-it-py: CommonMark plus tables, raw HTML off."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    # Raw HTML stays escaped: decision bodies are user text, the site must not run it.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(text: str) -> str:
    """Markdown text -> an HTML fragment."""
    return str(_parser().render(text))


@lru_cache(maxsize=1)
def _source_parser() -> Any:
    from markdown_it import MarkdownIt

    # Reading documents as their authors wrote them (audit, import): raw HTML is
    # recognised as HTML, so comments and tags are never mistaken for prose.
    # Nothing parsed here is ever rendered.
    return MarkdownIt("commonmark").enable("table")


def source_tokens(text: str) -> list[Any]:
    """The token stream of a document as written (HTML recognised), for reading, not rendering."""
    return list(_source_parser().parse(text))
