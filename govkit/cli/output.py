"""Shared output helpers for commands: JSON, tables, and the --json option."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import click

from govkit.textout import json_text, list_text, table_text

F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")


def json_option(func: F) -> F:
    """The `--json` flag every read command has."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def emit_json(data: Any) -> None:
    """Print data as stable, indented JSON."""
    click.echo(json_text(data))


def emit_json_list(items: Sequence[Any]) -> None:
    """A JSON array with one compact item a line: valid JSON, fast for thousands of items."""
    # json.dumps with indent runs the pure-Python encoder; per-item compact dumps use C.
    if not items:
        click.echo("[]")
        return
    dump = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode
    click.echo("[\n" + ",\n".join(dump(item) for item in items) + "\n]")


def progress_printer(enabled: bool = True) -> Callable[[str], None] | None:
    """A progress callback writing dim '  … line' to stderr, or None with --json.

    Progress is for people at a terminal. Off a terminal (CI logs) only waits are shown
    (a busy heavy slot, memory admission, the workspace lock): a job that sits silent
    for minutes looks hung.
    """
    if not enabled:
        return None
    if not sys.stderr.isatty():
        return _waits_only
    lock = threading.Lock()  # gates run in threads; keep their lines whole

    def show(line: str) -> None:
        with lock:
            click.secho(f"  … {line}", err=True, dim=True)

    return show


def _waits_only(line: str) -> None:
    if line.startswith("waiting for"):
        click.echo(f"govkit: {line}", err=True)


def _printed(text: Callable[P, str]) -> Callable[P, None]:
    """A function printing what `text` (of govkit.textout) makes of its arguments."""

    def emit(*args: P.args, **kwargs: P.kwargs) -> None:
        click.echo(text(*args, **kwargs), nl=False)

    emit.__doc__ = text.__doc__
    return emit


# A plain aligned text table (no colour; safe to pipe).
emit_table = _printed(table_text)
# A list command's output: a JSON array of each item's data, or a table of its rows.
emit_list = _printed(list_text)
