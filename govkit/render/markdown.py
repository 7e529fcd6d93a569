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


def tokens(text: str) -> list[Any]:
    """The token stream (for callers that inspect tables and links)."""
    return list(_parser().parse(text))
