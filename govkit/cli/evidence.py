"""govkit evidence: list, show, verify the recorded runs, and ingest bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


@evidence.command("ingest")
@click.argument(
    "bundles", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="BUNDLE…"
)
@json_option
@click.pass_obj
def ingest(obj: AppContext, bundles: tuple[Path, ...], as_json: bool) -> int:
    """Verify bundles from `gate run --bundle` and append their runs to the ledger.

    BUNDLE is a bundle (.tar or folder) or a folder of bundles. Each is checked
    (file hashes, signature, program, gate, tuple pins, not already ingested);
    good ones land oldest first, a bad one is refused with its reason. Ingesting
    a bundle again changes nothing. Exits 1 when any bundle was refused.
    """
    from govkit.cli.output import progress_printer
    from govkit.evidence.bundle import ingest_bundles

    results = ingest_bundles(obj.workspace(), list(bundles), on_event=progress_printer(not as_json))
    if as_json:
        emit_json([r.to_dict() for r in results])
    else:
        for r in results:
            _echo_ingest(r)
    return EXIT_FINDINGS if any(r.status == "refused" for r in results) else EXIT_OK


def _echo_ingest(r: Any) -> None:
    if r.status == "refused":
        click.echo(f"{r.bundle}: refused: {r.reason}", err=True)
        return
    where = f" -> {r.record}" if r.record else ""
    click.echo(f"{r.bundle}: {r.status} {r.gate_id} {r.run_id}{where}")
    for note in r.notes:
        click.echo(f"  {note}")
