"""govkit repo: the code repositories a program tracks."""

from __future__ import annotations

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_list, json_option
from govkit.errors import EXIT_OK


@click.group()
def repo() -> None:
    """Code repositories the program tracks (local paths or URLs)."""


@repo.command("add")
@click.argument("name")
@click.argument("location", metavar="PATH_OR_URL")
@click.option("--ref", default="main", show_default=True, help="Branch new tuples start from.")
@click.pass_obj
def add(obj: AppContext, name: str, location: str, ref: str) -> int:
    """Add repo NAME at PATH_OR_URL (a local path is stored relative to the workspace)."""
    from govkit.tuples import add_repo

    added = add_repo(obj.workspace(), name, location, ref=ref)
    click.echo(f"added repo {added.name}: {added.url} (ref {added.ref})")
    return EXIT_OK


@repo.command("list")
@json_option
@click.pass_obj
def list_(obj: AppContext, as_json: bool) -> int:
    """List the repos with their location and ref."""
    repos = sorted(obj.workspace().config.repos.values(), key=lambda r: r.name)
    emit_list(
        as_json,
        repos,
        lambda r: {"name": r.name, "url": r.url, "ref": r.ref},
        ["repo", "url", "ref"],
        lambda r: (r.name, r.url, r.ref),
    )
    return EXIT_OK
