"""Options several commands share: one declaration each, so their names, types and help agree.

Command modules import it when their command runs; `govkit --help` does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

FILE = click.Path(dir_okay=False, path_type=Path)
"""The type of an option or argument naming a file (a Path; it need not exist)."""
DIRECTORY = click.Path(file_okay=False, path_type=Path)
"""The type of an option or argument naming a directory (a Path; it need not exist)."""

check_option = click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 with a diff if the file is stale."
)
"""`--check` of the commands that write a generated file."""


def output_option(
    help_text: str, *, dest: str = "output", directory: bool = False, required: bool = False
) -> Decorator:
    """`-o/--output`: the file a command writes (with directory=True, the directory)."""
    kind = DIRECTORY if directory else FILE
    return click.option("-o", "--output", dest, type=kind, required=required, help=help_text)


def parse_as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--as-of: a calendar date, YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-21") from None


def as_of_option(help_text: str) -> Decorator:
    """`--as-of DATE`: the date a rendered page shows, checked to be YYYY-MM-DD."""
    return click.option("--as-of", callback=parse_as_of, metavar="DATE", help=help_text)
