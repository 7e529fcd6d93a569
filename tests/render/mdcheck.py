"""Checks on rendered Markdown, through markdown-it-py's own parse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt

PARSER = MarkdownIt("commonmark").enable("table")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class LinkRef:
    text: str
    href: str


def tables(text: str) -> list[Table]:
    """Every table: header cells and body rows, as inline source text."""
    out: list[Table] = []
    current: Table | None = None
    row: list[str] | None = None
    in_head = False
    for tok in PARSER.parse(text):
        if tok.type == "table_open":
            current = Table([], [])
        elif tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(tok.content)
        elif tok.type == "tr_close" and current is not None and row is not None:
            if in_head:
                current.header = row
            else:
                current.rows.append(row)
            row = None
        elif tok.type == "table_close" and current is not None:
            out.append(current)
            current = None
    return out


def table_after(text: str, heading: str) -> Table:
    """The first table under the `## heading` section."""
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    found = tables(section)
    assert found, f"no table under {heading!r}"
    return found[0]


def links(text: str) -> list[LinkRef]:
    """Every inline link (text, href) in document order."""
    out: list[LinkRef] = []
    for tok in PARSER.parse(text):
        if tok.type != "inline" or not tok.children:
            continue
        href: str | None = None
        label: list[str] = []
        for child in tok.children:
            if child.type == "link_open":
                href = str(child.attrGet("href"))
                label = []
            elif child.type == "link_close" and href is not None:
                out.append(LinkRef("".join(label), href))
                href = None
            elif href is not None and child.type in ("text", "code_inline"):
                label.append(child.content)
    return out


def assert_relative_links_resolve(text: str, base: Path) -> int:
    """Every relative link points at an existing file; returns how many were checked."""
    checked = 0
    for link in links(text):
        parts = urlsplit(link.href)
        if parts.scheme or parts.netloc or link.href.startswith("#"):
            continue
        assert not link.href.startswith("/"), f"absolute link {link.href}"
        target = (base / unquote(parts.path)).resolve()
        assert target.is_file(), f"link [{link.text}]({link.href}) does not resolve from {base}"
        checked += 1
    return checked
