"""govkit check."""

from __future__ import annotations

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, json_option
from govkit.errors import EXIT_FINDINGS, EXIT_OK


@click.command()
@json_option
@click.pass_obj
def check(obj: AppContext, as_json: bool) -> int:
    """Validate the whole workspace: config, records, decisions, references.

    Reports every problem (file:line, code, message, hint), not just the
    first. Exit 0 when clean, 1 when problems were found.
    """
    from govkit.check import check_workspace

    report = check_workspace(obj.workspace())
    if as_json:
        emit_json(report.to_dict())
    else:
        for p in report.problems:
            click.echo(f"{p.where}: {p.code}: {p.message}")
            if p.hint:
                click.echo(f"  hint: {p.hint}")
        for c in report.conditions:
            mark = "met" if c["met"] else "unmet"
            click.echo(f"{c['blocker']}: condition {mark}: {c['condition']} ({c['evidence']})")
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        records = sum(n for k, n in report.counts.items() if k not in ("decisions", "queue"))
        if report.ok:
            decisions = report.counts.get("decisions", 0)
            click.echo(f"ok: {records} records and {decisions} decisions checked, no problems")
        else:
            click.echo(f"{len(report.problems)} problem(s) found")
    if not report.ok:
        return EXIT_FINDINGS
    return EXIT_OK
