"""govkit templates list | eject."""

from __future__ import annotations

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, emit_table, json_option
from govkit.errors import EXIT_OK


@click.group()
def templates() -> None:
    """The Jinja templates govkit renders with; a workspace's templates/ overrides them by name."""


@templates.command("list")
@json_option
@click.pass_obj
def list_(obj: AppContext, as_json: bool) -> int:
    """List every template and whether the workspace overrides it."""
    from govkit.render.templating import list_templates

    ws = obj.workspace()
    found = list_templates(ws.templates_dir)
    if as_json:
        emit_json([{"name": t.name, "source": t.source, "path": str(t.path)} for t in found])
        return EXIT_OK
    emit_table(["NAME", "SOURCE", "PATH"], [(t.name, t.source, t.path) for t in found])
    return EXIT_OK


@templates.command()
@click.argument("name")
@click.option("--force", is_flag=True, help="Overwrite the workspace's existing copy.")
@click.pass_obj
def eject(obj: AppContext, name: str, force: bool) -> int:
    """Copy packaged template NAME into the workspace's templates/ to customise it.

    The copy then overrides the packaged one. Refuses to overwrite an existing
    copy unless --force is given.
    """
    from govkit.render.templating import eject as eject_template

    ws = obj.workspace()
    with ws.lock():
        path = eject_template(ws.templates_dir, name, force=force)
    click.echo(f"ejected {ws.rel(path)}")
    return EXIT_OK
