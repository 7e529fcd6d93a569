"""A Markdown document as the blocks an importer classifies: sections, tables, lists, prose.

Built on the token stream of govkit.render.markdown (the one module that talks to
markdown-it). Every block knows its 1-based source line and the section it sits
in, so an importer can say of each one what it became or why it was ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_EMPHASIS = re.compile(r"(\*\*|__|\*|~~)")
_UNDERSCORE_EMPHASIS = re.compile(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")


def plain(text: str) -> str:
    """Inline Markdown as its words: links keep their text, emphasis and code marks dropped."""
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = text.replace("`", "")
    text = _EMPHASIS.sub("", text)
    # `_word_` is emphasis; `llm_query_batched` is a name.
    text = _UNDERSCORE_EMPHASIS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Section:
    """A heading and what sits under it until the next heading of any level."""

    title: str
    level: int
    line: int


@dataclass
class Table:
    """A table: header cells and (line, cells) rows, cells as written (inline Markdown)."""

    section: Section
    line: int
    header: tuple[str, ...]
    rows: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)


@dataclass
class ListBlock:
    """A top-level list: (line, text) of each item; nested items are folded into their parent."""

    section: Section
    line: int
    ordered: bool
    items: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Paragraph:
    """A paragraph outside lists and tables."""

    section: Section
    line: int
    text: str


@dataclass
class Document:
    """The blocks of a document, in source order, and its sections."""

    sections: list[Section]
    tables: list[Table]
    lists: list[ListBlock]
    paragraphs: list[Paragraph]


def read_blocks(text: str) -> Document:
    """Sections, tables, lists and paragraphs of a Markdown document."""
    from govkit.render.markdown import source_tokens

    top = Section("", 0, 1)
    doc = Document([top], [], [], [])
    section = top
    heading: int | None = None
    table: Table | None = None
    row: list[str] | None = None
    row_line = 0
    in_head = False
    current_list: ListBlock | None = None
    list_depth = 0
    item_line = 0
    item_parts: list[str] = []
    for tok in source_tokens(text):
        kind = tok.type
        line = tok.map[0] + 1 if tok.map else 0
        if kind == "heading_open" and list_depth == 0:
            heading = int(tok.tag[1:])
        elif kind == "inline" and heading is not None:
            section = Section(plain(tok.content), heading, line)
            doc.sections.append(section)
            heading = None
        elif kind == "table_open":
            table = Table(section, line, ())
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row, row_line = [], line
        elif kind == "tr_close" and table is not None and row is not None:
            if in_head:
                table.header = tuple(row)
            else:
                table.rows.append((row_line, tuple(row)))
            row = None
        elif kind == "inline" and row is not None:
            row.append(tok.content.strip())
        elif kind == "table_close" and table is not None:
            doc.tables.append(table)
            table = None
        elif kind in ("bullet_list_open", "ordered_list_open"):
            if list_depth == 0:
                current_list = ListBlock(section, line, kind == "ordered_list_open")
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if list_depth == 0 and current_list is not None:
                doc.lists.append(current_list)
                current_list = None
        elif kind == "list_item_open" and list_depth == 1:
            item_line, item_parts = line, []
        elif kind == "list_item_close" and list_depth == 1 and current_list is not None:
            current_list.items.append((item_line, " ".join(item_parts).strip()))
        elif kind == "inline" and list_depth > 0:
            item_parts.append(tok.content.replace("\n", " "))
        elif kind == "inline":
            doc.paragraphs.append(Paragraph(section, line, tok.content))
    return doc
