"""govkit tuple: named mappings repo -> full commit SHA."""

from __future__ import annotations

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, emit_table, json_option
from govkit.errors import EXIT_OK


@click.group("tuple")
def tuple_() -> None:
    """Named tuples: repo → full commit SHA (canonical, candidate, …)."""


@tuple_.command("pin")
@click.argument("name")
@click.argument("pins", nargs=-1, required=True, metavar="REPO=REV…")
@click.pass_obj
def pin(obj: AppContext, name: str, pins: tuple[str, ...]) -> int:
    """Pin repos of tuple NAME to REV (branch, tag, short or full SHA), resolved to full SHAs.

    Repos not named keep their pins; the tuple is created if new.
    """
    from govkit.tuples import pin_tuple

    result = pin_tuple(obj.workspace(), name, pins)
    for repo_name in sorted(result):
        click.echo(f"{name}: {repo_name} = {result[repo_name]}")
    return EXIT_OK


@tuple_.command("show")
@click.argument("name")
@json_option
@click.pass_obj
def show(obj: AppContext, name: str, as_json: bool) -> int:
    """Show the pins of tuple NAME."""
    from govkit.tuples import describe_tuple

    rows = describe_tuple(obj.workspace(), name)
    if as_json:
        emit_json(
            {
                "name": name,
                "pins": {r.repo: r.commit for r in rows},
                "repos": [
                    {"repo": r.repo, "commit": r.commit, "url": r.url, "ref": r.ref} for r in rows
                ],
            }
        )
        return EXIT_OK
    emit_table(["repo", "commit", "url"], [(r.repo, r.commit, r.url) for r in rows])
    return EXIT_OK


@tuple_.command("list")
@json_option
@click.pass_obj
def list_(obj: AppContext, as_json: bool) -> int:
    """List the tuples and their pins (short SHAs)."""
    tuples = obj.workspace().config.tuples
    if as_json:
        emit_json(tuples)
        return EXIT_OK
    emit_table(
        ["tuple", "pins"],
        [
            (n, " ".join(f"{r}@{s[:12]}" for r, s in sorted(p.items())))
            for n, p in sorted(tuples.items())
        ],
    )
    return EXIT_OK
