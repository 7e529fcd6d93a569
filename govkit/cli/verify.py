"""govkit verify: re-run a recorded run at its recorded commits and compare."""

from __future__ import annotations

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, json_option, progress_printer
from govkit.errors import EXIT_FINDINGS, EXIT_OK


@click.command()
@click.argument("run")
@json_option
@click.pass_obj
def verify(obj: AppContext, run: str, as_json: bool) -> int:
    """Re-run RUN's gate in clean clones of its recorded commits; exit 0 if it reproduces.

    Outcome and counts must match. The re-run is recorded as a run of its own.
    """
    from govkit.reproduce import reproduce_run

    ws = obj.workspace()
    rep = reproduce_run(ws, run, on_event=progress_printer(not as_json))
    orig, new = rep.original, rep.rerun.record
    if as_json:
        emit_json(rep.to_dict(record=ws.rel(rep.rerun.path)))
    else:
        for warning in rep.warnings:
            click.secho(f"govkit: warning: {warning}", err=True, fg="yellow")
        before = f"{orig.outcome.value} ({orig.counts.summary() if orig.counts else '-'})"
        after = f"{new.outcome.value} ({new.counts.summary() if new.counts else '-'})"
        verdict = "reproduced" if rep.reproduced else "NOT reproduced"
        click.echo(f"{orig.run_id}: {before} → {new.run_id}: {after}: {verdict}")
        click.echo(f"re-run record: {ws.rel(rep.rerun.path)}")
        if new.message and not new.passed:
            click.echo(f"  re-run: {new.message}", err=True)
    if not rep.reproduced:
        return EXIT_FINDINGS
    return EXIT_OK
