"""govkit export intoto."""

from __future__ import annotations

from pathlib import Path

import click

from govkit.cli import AppContext
from govkit.cli.options import output_option
from govkit.cli.output import emit_json, json_option
from govkit.errors import EXIT_OK


@click.group()
def export() -> None:
    """Export evidence in formats other supply-chain tools read."""


@export.command()
@click.argument("runs", nargs=-1)
@click.option("--all", "all_runs", is_flag=True, help="Every run in the ledger.")
@output_option("The .intoto.jsonl file to write.", dest="out", required=True)
@click.option(
    "--sign",
    is_flag=True,
    help="Wrap each Statement in a DSSE envelope signed with signing.dsse_key "
    "(or signing.key): an unencrypted ed25519 key.",
)
@json_option
@click.pass_obj
def intoto(
    obj: AppContext, runs: tuple[str, ...], all_runs: bool, out: Path, sign: bool, as_json: bool
) -> int:
    """Write in-toto Statement v1 lines for RUNS (ids or prefixes) or --all.

    Per run: a test-result v0.1 statement (result, gate configuration, and a
    `govkit` field with counts, exit code, argv, outcome, claim grade and log
    digests) and a SLSA provenance v1 statement (gate and argv, repo commits,
    run id and times). Subjects are the repos' commits and the logs' sha256.
    With --sign, every line is a DSSE envelope (payloadType
    application/vnd.in-toto+json) that the in-toto tooling verifies.
    """
    from govkit.export.intoto import export_intoto

    ws = obj.workspace()
    ws.check_output(out)
    result = export_intoto(ws, runs, all_runs=all_runs, out=out, sign=sign)
    if as_json:
        emit_json(
            {
                "path": str(result.path),
                "runs": result.runs,
                "statements": result.statements,
                "signed": sign,
            }
        )
    else:
        click.echo(
            f"wrote {result.statements} {'signed ' if sign else ''}statements for "
            f"{result.runs} run(s) to {result.path}"
        )
    return EXIT_OK
