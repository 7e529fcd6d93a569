"""govkit handoff."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from govkit.cli import AppContext
from govkit.cli.options import output_option
from govkit.cli.output import emit_json, json_option
from govkit.errors import EXIT_OK


@click.command()
@click.option(
    "--since",
    metavar="DATE|RUN-ID|REF",
    help="Start point: a date, a run id, or a git ref of the workspace "
    "(default: the last note in evidence/handoffs/, else 7 days before the latest change).",
)
@output_option("Write the note here.")
@click.option(
    "--save", is_flag=True, help="Keep the note in evidence/handoffs/ (the next default start)."
)
@json_option
@click.pass_obj
def handoff(
    obj: AppContext, since: str | None, output: Path | None, save: bool, as_json: bool
) -> int:
    """Print a session handoff note filled from the records.

    Completed tasks, gates run with outcomes, evidence created, new blockers
    and open findings, decision updates, and the next task from the queue.
    """
    from govkit.render.handoff import render_handoff, saved_note_path
    from govkit.render.sources import load_sources
    from govkit.render.status import write_if_changed

    ws = obj.workspace()
    if output is not None:
        ws.check_output(output)
    src = load_sources(ws)
    if save and output is None:
        _, ctx = render_handoff(src, ws.root / "x.md", since=since)
        output = saved_note_path(src, ctx)
    target = (output or Path.cwd() / "HANDOFF.md").absolute()
    text, ctx = render_handoff(src, target, since=since)
    if output is not None:
        with ws.lock():
            write_if_changed(target, text)
    if as_json:
        emit_json({**dataclasses.asdict(ctx), "path": str(target) if output else None})
    elif output is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {target}")
    return EXIT_OK
