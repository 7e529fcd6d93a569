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
    # Inline code spans: (start, end) of the blanked piece in `text`, and the code itself.
    codes: tuple[tuple[int, int, str], ...] = ()
    # Where `text` came from: (offset in text, offset in `raw`, length) of pieces copied
    # verbatim; and (offset in `raw`, 0-based source column) where each raw line starts.
    origin: tuple[tuple[int, int, int], ...] = ()
    raw_lines: tuple[tuple[int, int], ...] = ()

    def line_at(self, offset: int) -> int:
        """Source line of a character offset in `text`."""
        return self.line + bisect.bisect_right(self.breaks, offset)

    def position(self, offset: int) -> tuple[int, int]:
        """(1-based line, 1-based column) in the source of a character offset in `text`."""
        if not self.origin or not self.raw_lines:
            return self.line_at(offset), 1
        i = bisect.bisect_right(self.origin, (offset, 1 << 62, 0)) - 1
        if i < 0:
            raw = 0
        else:
            start, raw_start, length = self.origin[i]
            raw = raw_start + min(offset - start, max(length - 1, 0))
        k = bisect.bisect_right(self.raw_lines, (raw, 1 << 62)) - 1
        line_start, column = self.raw_lines[max(k, 0)]
        return self.line + max(k, 0), column + raw - line_start + 1


@dataclass(frozen=True)
class Table:
    """A table with the heading it sits under: header cells and (line, cells) rows."""

    section: str
    line: int
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...] = field(default=())


@dataclass
class _Flat:
    """What flattening an inline token yields."""

    text: str
    links: tuple[Link, ...]
    breaks: tuple[int, ...]
    codes: tuple[tuple[int, int, str], ...]
    origin: tuple[tuple[int, int, int], ...]


class _Aligner:
    """Finds each plain-text piece in the inline source, left to right.

    markdown-it does not give inline tokens positions; the pieces appear in the
    source in order, so a forward search finds them. Escapes and entities
    ("&amp;" → "&") are aligned character by character.
    """

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.cursor = 0
        self.origin: list[tuple[int, int, int]] = []

    def skip(self, markup: str) -> None:
        """Step over syntax that yields no text (a bracket, emphasis markers)."""
        if markup:
            j = self.raw.find(markup, self.cursor)
            if j >= 0:
                self.cursor = j + len(markup)

    def mark(self, plain_at: int, markup: str) -> None:
        """Step over markup that stands for one character of the text (a code span's backticks)."""
        j = self.raw.find(markup, self.cursor) if markup else -1
        if j >= 0:
            self.origin.append((plain_at, j, 1))
            self.cursor = j + len(markup)

    def close_link(self) -> None:
        """Step over '](target)', '][ref]' or an autolink's '>'."""
        raw, j = self.raw, self.raw.find("]", self.cursor)
        if j < 0:
            self.skip(">")
            return
        j += 1
        if j < len(raw) and raw[j] in "([":
            close, depth = ")" if raw[j] == "(" else "]", 0
            for k in range(j, len(raw)):
                if raw[k] in "([":
                    depth += 1
                elif raw[k] == close:
                    depth -= 1
                    if depth == 0:
                        j = k + 1
                        break
        self.cursor = j

    def place(self, plain_at: int, piece: str) -> None:
        """Record where `piece` (starting at `plain_at` in the text) sits in the source."""
        if not piece:
            return
        j = self.raw.find(piece, self.cursor, self.cursor + len(piece) + 64)
        if j >= 0:
            self.origin.append((plain_at, j, len(piece)))
            self.cursor = j + len(piece)
            return
        for i, ch in enumerate(piece):
            j = self.raw.find(ch, self.cursor, self.cursor + 12)
            if j >= 0:
                self.origin.append((plain_at + i, j, 1))
                self.cursor = j + 1


def _flatten(inline: Any) -> _Flat:
    """Plain text, links, line breaks, code spans and source map of an inline token."""
    parts: list[str] = []
    links: list[Link] = []
    breaks: list[int] = []
    codes: list[tuple[int, int, str]] = []
    align = _Aligner(str(inline.content or ""))
    size = 0
    open_link: tuple[str, int] | None = None
    for child in inline.children or []:
        kind = child.type
        piece = ""
        if kind == "text":
            piece = child.content
            align.place(size, piece)
        elif kind == "code_inline":
            # Blanked in `text` (same width plus the two backticks); the code is kept in
            # `codes` for audit to judge whether it reads as a result (D-015).
            piece = " " * (len(child.content) + 2)
            align.mark(size, child.markup)
            codes.append((size, size + len(piece), child.content))
            align.place(size + 1, child.content)
            align.mark(size + len(piece) - 1, child.markup)
        elif kind in ("softbreak", "hardbreak"):
            piece = " "
            breaks.append(size + 1)
            align.skip("\n")
        elif kind == "link_open":
            open_link = (str(child.attrs.get("href", "")), size)
            align.skip("<" if child.markup == "autolink" else "[")
        elif kind == "link_close":
            if open_link is not None:
                target, start = open_link
                links.append(Link("".join(parts)[start:size], target, start, size))
                open_link = None
            if child.markup == "autolink":
                align.skip(">")
            else:
                align.close_link()
        elif kind == "image":
            piece = child.content
            align.skip("![")
            align.place(size, piece)
            align.close_link()
        elif kind == "html_inline":
            align.skip(child.content)
        else:
            align.skip(child.markup)
        parts.append(piece)
        size += len(piece)
    return _Flat("".join(parts), tuple(links), tuple(breaks), tuple(codes), tuple(align.origin))


def _raw_lines(
    raw: str, lines: list[str], first: int, floor: int = 0
) -> tuple[tuple[int, int], ...]:
    """(offset in raw, source column) of each raw line, found in the source lines from `first`."""
    out: list[tuple[int, int]] = []
    offset = 0
    for k, part in enumerate(raw.split("\n")):
        src = lines[first + k] if first + k < len(lines) else ""
        probe = part.strip()[:40]
        col = src.find(probe, floor if k == 0 else 0) if probe else -1
        lead = len(part) - len(part.lstrip())
        out.append((offset, max(col - lead, 0) if col >= 0 else 0))
        offset += len(part) + 1
    return tuple(out)


def parse_units(text: str) -> list[Unit]:
    """Every unit of a Markdown document, in source order."""
    from govkit.render.markdown import source_tokens

    tokens = source_tokens(text)
    # Lines as markdown-it counts them (\n, \r\n, \r), not str.splitlines (which also splits
    # on \x1c, \u2028, …): token.map line numbers index into this list.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    units: list[Unit] = []
    cell_floor = 0  # where the next cell of a row may start in its source line
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
            cell_floor = 0
            if not in_head:
                row += 1
        elif kind in ("td_open", "th_open"):
            pass
        elif kind in ("td_close", "th_close"):
            column += 1
        elif kind == "inline":
            flat = _flatten(tok)
            plain, links, breaks = flat.text, flat.links, flat.breaks
            line = (tok.map[0] + 1) if tok.map else 1
            is_cell = before in ("td_open", "th_open")
            raw_lines = _raw_lines(str(tok.content), lines, line - 1, cell_floor if is_cell else 0)
            if is_cell and tok.content:
                cell_floor = raw_lines[0][1] + len(str(tok.content))
            extra: dict[str, Any] = {
                "codes": flat.codes,
                "origin": flat.origin,
                "raw_lines": raw_lines,
            }
            if heading_next:
                section = plain.strip()
                units.append(
                    Unit("heading", section, line, tok.content, plain, links, breaks, **extra)
                )
                heading_next = False
            elif is_cell:
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
                        **extra,
                    )
                )
            else:
                unit_kind = "item" if list_depth > 0 else "paragraph"
                units.append(
                    Unit(unit_kind, section, line, tok.content, plain, links, breaks, **extra)
                )
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
