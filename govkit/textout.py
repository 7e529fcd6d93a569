"""Plain text that commands print, made without Click (govkit.cli echoes it; so does
govkit.quick, the Click-free path of `decision list` and `decision show`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from govkit.decisions import Decision
    from govkit.workspace import Workspace

T = TypeVar("T")


def json_text(data: Any) -> str:
    """Data as stable, indented JSON (no final newline)."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def table_text(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table (no colour; safe to pipe), each line ending in a newline."""
    cells = [[str(h) for h in headers]] + [
        ["" if c is None else str(c) for c in row] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for i, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "".join(line + "\n" for line in lines)


def list_text(
    as_json: bool,
    items: Sequence[T],
    data: Callable[[T], Any],
    headers: Sequence[str],
    row: Callable[[T], Sequence[Any]],
) -> str:
    """A list command's output: a JSON array of each item's data, or a table of its rows."""
    if as_json:
        return json_text([data(item) for item in items]) + "\n"
    return table_text(headers, [row(item) for item in items])


def decision_list_text(ws: Workspace, status: str | None, owner: str | None, as_json: bool) -> str:
    """What `govkit decision list` prints: numbered decisions by number, then proposals."""
    from govkit import decisions as core

    found = [
        d
        for d in core.load_decisions(ws)
        if (status is None or d.status == status) and core.decided_by(d, owner)
    ]
    return list_text(
        as_json,
        found,
        lambda d: core.decision_data(ws, d),
        ["id", "status", "date", "title"],
        lambda d: (d.id, d.status, d.date, d.title),
    )


def decision_show_text(ws: Workspace, d: Decision, as_json: bool) -> str:
    """What `govkit decision show` prints for one decision."""
    from govkit import decisions as core

    if as_json:
        return json_text({**core.decision_data(ws, d), "body": d.body}) + "\n"
    lines = [f"{d.id}: {d.title}  [{d.status}]  {d.date}"]
    for label, values in (
        ("deciders", d.deciders),
        ("tags", d.tags),
        ("supersedes", d.supersedes),
        ("superseded by", d.superseded_by),
    ):
        if values:
            lines.append(f"{label}: {', '.join(values)}")
    lines.append(f"file: {ws.rel(d.path) if d.path else ''}\n")
    lines.append(d.body.rstrip())
    return "".join(line + "\n" for line in lines)
