"""Shared output helpers for commands: JSON, tables, and the --json option."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def json_option(func: F) -> F:
    """The `--json` flag every read command has."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def emit_json(data: Any) -> None:
    """Print data as stable, indented JSON."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str))


def emit_json_list(items: Sequence[Any]) -> None:
    """A JSON array with one compact item a line: valid JSON, fast for thousands of items."""
    # json.dumps with indent runs the pure-Python encoder; per-item compact dumps use C.
    if not items:
        click.echo("[]")
        return
    dump = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode
    click.echo("[\n" + ",\n".join(dump(item) for item in items) + "\n]")


def progress_printer(enabled: bool = True) -> Callable[[str], None] | None:
    """A progress callback writing dim '  … line' to stderr, or None when it would not show.

    Progress is for people: off with --json (enabled=False) and when stderr is not a terminal.
    """
    if not enabled or not sys.stderr.isatty():
        return None
    lock = threading.Lock()  # gates run in threads; keep their lines whole

    def show(line: str) -> None:
        with lock:
            click.secho(f"  … {line}", err=True, dim=True)

    return show


def emit_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned text table (no colour; safe to pipe)."""
    cells = [[str(h) for h in headers]] + [
        ["" if c is None else str(c) for c in row] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for i, row in enumerate(cells):
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            click.echo("  ".join("-" * w for w in widths))
