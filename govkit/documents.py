"""Markdown documents as claim units and tables (audit and import read these).

Tokens come from govkit.render.markdown, the one module that talks to
markdown-it. This module turns a document into *units* — table cells, list-item paragraphs, plain
paragraphs and headings — each with its plain text (inline code blanked out,
code blocks and HTML skipped), its links with their spans, and a way to map
an offset back to a 1-based source line. Audit reads claims from units; the
tracker importer reads tables from them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    """A Markdown link inside a unit: its text, target and span in the unit's text."""

    text: str
    target: str
    start: int
    end: int


@dataclass(frozen=True)
class Unit:
    """One claim-bearing piece of a document."""

    kind: str  # "paragraph" | "item" | "cell" | "heading"
    section: str  # text of the nearest heading above ('' before the first)
    line: int  # 1-based source line where the unit starts
    raw: str  # the inline Markdown source
    text: str  # plain text: link text kept, inline code blanked
    links: tuple[Link, ...] = ()
    breaks: tuple[int, ...] = ()  # offsets in `text` where a new source line begins
    table: int | None = None  # for cells: which table of the document
    row: int | None = None  # -1 for the header row
    column: int | None = None

    def line_at(self, offset: int) -> int:
        """Source line of a character offset in `text`."""
        return self.line + bisect.bisect_right(self.breaks, offset)


@dataclass(frozen=True)
class Table:
    """A table with the heading it sits under: header cells and (line, cells) rows."""

    section: str
    line: int
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...] = field(default=())


def _flatten(inline: Any) -> tuple[str, tuple[Link, ...], tuple[int, ...]]:
    """Plain text, links and line-break offsets of an inline token."""
    parts: list[str] = []
    links: list[Link] = []
    breaks: list[int] = []
    size = 0
    open_link: tuple[str, int] | None = None
    for child in inline.children or []:
        kind = child.type
        piece = ""
        if kind == "text":
            piece = child.content
        elif kind == "code_inline":
            # Code is quoted text, never a claim: keep the width, drop the words.
            piece = " " * (len(child.content) + 2)
        elif kind in ("softbreak", "hardbreak"):
            piece = " "
            breaks.append(size + 1)
        elif kind == "link_open":
            open_link = (str(child.attrs.get("href", "")), size)
        elif kind == "link_close" and open_link is not None:
            target, start = open_link
            links.append(Link("".join(parts)[start:size], target, start, size))
            open_link = None
        elif kind == "image":
            piece = child.content
        parts.append(piece)
        size += len(piece)
    return "".join(parts), tuple(links), tuple(breaks)


def parse_units(text: str) -> list[Unit]:
    """Every unit of a Markdown document, in source order."""
    from govkit.render.markdown import source_tokens

    tokens = source_tokens(text)
    units: list[Unit] = []
    section = ""
    list_depth = 0
    table = -1
    row = -1
    column = 0
    in_head = False
    heading_next = False
    prev = ""
    for tok in tokens:
        kind, before, prev = tok.type, prev, tok.type
        if kind == "list_item_open":
            list_depth += 1
        elif kind == "list_item_close":
            list_depth -= 1
        elif kind == "heading_open":
            heading_next = True
        elif kind == "table_open":
            table += 1
            row = -1
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            column = 0
            if not in_head:
                row += 1
        elif kind in ("td_open", "th_open"):
            pass
        elif kind in ("td_close", "th_close"):
            column += 1
        elif kind == "inline":
            plain, links, breaks = _flatten(tok)
            line = (tok.map[0] + 1) if tok.map else 1
            if heading_next:
                section = plain.strip()
                units.append(Unit("heading", section, line, tok.content, plain, links, breaks))
                heading_next = False
            elif before in ("td_open", "th_open"):
                units.append(
                    Unit(
                        "cell",
                        section,
                        line,
                        tok.content,
                        plain,
                        links,
                        breaks,
                        table=table,
                        row=-1 if in_head else row,
                        column=column,
                    )
                )
            else:
                unit_kind = "item" if list_depth > 0 else "paragraph"
                units.append(Unit(unit_kind, section, line, tok.content, plain, links, breaks))
    return units


def tables(units: list[Unit]) -> list[Table]:
    """The tables of a parsed document, with their section headings."""
    by_table: dict[int, list[Unit]] = {}
    for u in units:
        if u.kind == "cell" and u.table is not None:
            by_table.setdefault(u.table, []).append(u)
    out: list[Table] = []
    for _, cells in sorted(by_table.items()):
        header = tuple(c.raw.strip() for c in cells if c.row == -1)
        rows: dict[int, list[Unit]] = {}
        for c in cells:
            if c.row is not None and c.row >= 0:
                rows.setdefault(c.row, []).append(c)
        out.append(
            Table(
                section=cells[0].section,
                line=cells[0].line,
                header=header,
                rows=tuple(
                    (rc[0].line, tuple(c.raw.strip() for c in rc)) for _, rc in sorted(rows.items())
                ),
            )
        )
    return out
