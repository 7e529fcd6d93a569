"""govkit evidence: list, show and verify the recorded runs."""

from __future__ import annotations

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, emit_table, json_option
from govkit.errors import EXIT_FINDINGS, EXIT_OK

OUTCOMES = ["pass", "fail", "timeout", "oom", "error", "refused", "interrupted"]


@click.group()
def evidence() -> None:
    """Evidence records of runs and the hash-chained ledger."""


@evidence.command("list")
@click.option("--gate", "gate_id", default=None, help="Only runs of this gate.")
@click.option("--outcome", type=click.Choice(OUTCOMES), default=None, help="Only this outcome.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Newest N runs (0: all).",
)
@json_option
@click.pass_obj
def list_(
    obj: AppContext, gate_id: str | None, outcome: str | None, limit: int, as_json: bool
) -> int:
    """List runs from the ledger, newest first."""
    from dataclasses import asdict

    from govkit.errors import NotFound
    from govkit.evidence.query import newest_runs
    from govkit.evidence.store import iter_ledger_newest_first

    ws = obj.workspace()
    entries = newest_runs(
        iter_ledger_newest_first(ws), gate_id=gate_id, outcome=outcome, limit=limit
    )
    if gate_id is not None and not entries and gate_id not in ws.config.gates:
        # A typo must not look like "this gate never ran"; a removed gate's runs still list.
        raise NotFound(
            f"no gate {gate_id!r} and no runs of it", hint="`govkit gate list` shows the gates"
        )
    if as_json:
        emit_json([asdict(e) for e in entries])
        return EXIT_OK
    rows = [
        (
            e.run_id,
            e.gate_id,
            e.outcome,
            c.summary() if (c := e.test_counts()) else "-",
            (e.commit or "")[:12],
            e.tuple_name or "-",
            "yes" if e.claim_grade else "no",
        )
        for e in entries
    ]
    emit_table(["run", "gate", "outcome", "counts", "commit", "tuple", "claim-grade"], rows)
    return EXIT_OK


@evidence.command("show")
@click.argument("run")
@json_option
@click.pass_obj
def show(obj: AppContext, run: str, as_json: bool) -> int:
    """Show one run's record (RUN: run id, unique prefix, or path)."""
    import json

    from govkit.evidence.store import find_run

    ws = obj.workspace()
    path = find_run(ws, run)
    from govkit.evidence.record import EvidenceRecord

    rec = EvidenceRecord.load(path)
    if as_json:
        emit_json({**json.loads(rec.to_json()), "path": ws.rel(path)})
        return EXIT_OK
    for key, value in rec.describe(record=ws.rel(path)):
        click.echo(f"{key + ':':13} {value}")
    return EXIT_OK


@evidence.command("verify")
@json_option
@click.pass_obj
def verify(obj: AppContext, as_json: bool) -> int:
    """Check the ledger hash chain and every record's hash; exit 1 on any problem."""
    from govkit.evidence.integrity import verify_evidence

    ws = obj.workspace()
    problems = verify_evidence(ws)
    if as_json:
        emit_json(
            {
                "ok": not problems,
                "problems": [{"line": p.line, "message": p.message} for p in problems],
            }
        )
    else:
        for p in problems:
            click.echo(f"{ws.rel(ws.ledger_path)}:{p.line}: {p.message}")
        if not problems:
            click.echo("evidence ok: ledger chain and record hashes verified")
    if problems:
        return EXIT_FINDINGS
    return EXIT_OK
