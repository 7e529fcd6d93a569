"""govkit evidence: list, show, verify the recorded runs, and ingest bundles."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from govkit.cli import AppContext
from govkit.cli.options import FILE, output_option
from govkit.cli.output import emit_json, emit_list, json_option
from govkit.errors import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:
    from govkit.evidence.checkpoint import CheckpointVerdict

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
    emit_list(
        as_json,
        entries,
        asdict,
        ["run", "gate", "outcome", "counts", "commit", "tuple", "claim-grade"],
        lambda e: (
            e.run_id,
            e.gate_id,
            e.outcome,
            c.summary() if (c := e.test_counts()) else "-",
            (e.commit or "")[:12],
            e.tuple_name or "-",
            "yes" if e.claim_grade else "no",
        ),
    )
    return EXIT_OK


@evidence.command("show")
@click.argument("run")
@json_option
@click.pass_obj
def show(obj: AppContext, run: str, as_json: bool) -> int:
    """Show one run's record (RUN: run id, unique prefix, or path)."""
    import json
    from dataclasses import asdict

    from govkit.evidence.signing import run_signature
    from govkit.evidence.store import find_run

    ws = obj.workspace()
    path = find_run(ws, run)
    from govkit.evidence.record import EvidenceRecord

    rec = EvidenceRecord.load(path)
    check = run_signature(ws, path.parent)
    if as_json:
        signature = None if check is None else {"status": check.status.value, **asdict(check)}
        emit_json({**json.loads(rec.to_json()), "path": ws.rel(path), "signature": signature})
        return EXIT_OK
    for key, value in rec.describe(record=ws.rel(path)):
        click.echo(f"{key + ':':13} {value}")
    if check is not None:
        click.echo(f"{'signature:':13} {check.describe()}")
    return EXIT_OK


@evidence.command("verify")
@click.option(
    "--checkpoint",
    type=FILE,
    help="Also prove the ledger extends this checkpoint (same first N entries, same head).",
)
@json_option
@click.pass_obj
def verify(obj: AppContext, checkpoint: Path | None, as_json: bool) -> int:
    """Check the ledger chain, every record's hash and signature; exit 1 on any problem.

    Signatures are checked when signing.allowed_signers is set: a bad signature
    (GK110) or unknown signer (GK109) is a problem, an unsigned run (GK108) only
    with signing.required. With --checkpoint FILE, the ledger must also extend
    the checkpoint, and the checkpoint's own signature (FILE.sig) must verify.
    """
    from govkit.evidence.checkpoint import verify_checkpoint
    from govkit.evidence.integrity import verify_evidence

    ws = obj.workspace()
    problems = verify_evidence(ws)
    verdict = verify_checkpoint(ws, checkpoint) if checkpoint is not None else None
    failed = bool(problems) or (verdict is not None and not verdict.ok)
    if as_json:
        emit_json(
            {
                "ok": not failed,
                "problems": [
                    {"line": p.line, "code": p.code, "message": p.message} for p in problems
                ],
                "checkpoint": None if verdict is None else _verdict_json(verdict),
            }
        )
    else:
        for p in problems:
            click.echo(f"{ws.rel(ws.ledger_path)}:{p.line}: {p.code} {p.message}")
        if verdict is not None:
            for line in verdict.problems:
                click.echo(f"{checkpoint}: {line}")
            if verdict.ok:
                cp = verdict.checkpoint
                click.echo(
                    f"checkpoint ok: the ledger extends {checkpoint} "
                    f"({cp.length} -> {verdict.length_now} entries; "
                    f"signature {verdict.signature.describe()})"
                )
        if not problems:
            click.echo("evidence ok: ledger chain, record hashes and signatures verified")
    return EXIT_FINDINGS if failed else EXIT_OK


def _verdict_json(verdict: CheckpointVerdict) -> dict[str, object]:
    return {
        "ok": verdict.ok,
        "length": verdict.checkpoint.length,
        "head": verdict.checkpoint.head,
        "length_now": verdict.length_now,
        "signature": verdict.signature.status.value,
        "signer": verdict.signature.principal,
        "problems": verdict.problems,
    }


@evidence.command("checkpoint")
@output_option(
    "Where to write it (default: evidence/checkpoints/<UTC stamp>-<length>.json).", dest="out"
)
@json_option
@click.pass_obj
def checkpoint_(obj: AppContext, out: Path | None, as_json: bool) -> int:
    """Write a checkpoint of the ledger: its length, head hash, UTC time and signer.

    Signed (FILE.sig, ssh-keygen -Y sign) when signing.key is configured.
    Commit, tag or publish it; `govkit evidence verify --checkpoint FILE` later
    proves the ledger only grew since.
    """
    from govkit.evidence.checkpoint import write_checkpoint

    ws = obj.workspace()
    if out is not None:
        ws.check_output(out)
    with ws.lock():
        done = write_checkpoint(ws, out=out)
    cp = done.checkpoint
    sig = ws.rel(done.signature) if done.signature else None
    if as_json:
        emit_json(
            {
                "path": ws.rel(done.path),
                "signature": sig,
                "length": cp.length,
                "head": cp.head,
                "created_at": cp.created_at,
                "signer": cp.signer,
            }
        )
        return EXIT_OK
    who = f"signed by {cp.signer['principal']} ({sig})" if cp.signer else "unsigned"
    click.echo(f"checkpoint {ws.rel(done.path)}: {cp.length} entries, head {cp.head[:16]}, {who}")
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
