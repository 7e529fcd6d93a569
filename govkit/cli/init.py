"""govkit init."""

from __future__ import annotations

from pathlib import Path

import click

from govkit.errors import EXIT_OK
from govkit.workspace import init_workspace


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--name", help="Program name written to govkit.yaml (default: the directory name).")
def init(directory: Path, name: str | None) -> int:
    """Create a workspace in DIRECTORY (default: here).

    Writes govkit.yaml with commented defaults and creates records/,
    decisions/ and evidence/. Refuses to touch an existing workspace.
    """
    ws = init_workspace(directory, name=name)
    click.echo(f"created workspace {ws.config.program!r} in {ws.root}")
    return EXIT_OK
