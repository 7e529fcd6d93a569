"""govkit ci: generate the CI workflow that runs gates on CI runners (docs/ci.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from govkit.cli.options import check_option, output_option
from govkit.cli.output import emit_json, json_option
from govkit.errors import EXIT_FINDINGS, EXIT_OK


@click.group()
def ci() -> None:
    """CI workflows: gates on CI runners, their bundles ingested into the ledger."""


@ci.command("github")
@click.option(
    "--tuple",
    "tuple_name",
    default=None,
    help="Run every gate on this tuple (default: each gate's own).",
)
@click.option(
    "--weekly",
    is_flag=True,
    help="Only the weekly gates, on a schedule (ci.schedule), on the cadence tuple by default.",
)
@output_option(
    "Where to write (default: .github/workflows/govkit.yml at the git repository's top)."
)
@check_option
@json_option
@click.pass_obj
def github(
    obj: Any, tuple_name: str | None, weekly: bool, output: Path | None, check: bool, as_json: bool
) -> int:
    """Write a GitHub Actions workflow running the gates as a matrix.

    Each gate job runs `govkit gate run GATE --bundle` and uploads the bundle; a
    final job ingests every bundle, renders STATUS.md (and the weekly packet) and
    opens a pull request or commits (ci.publish in govkit.yaml). The same
    govkit.yaml always gives the same bytes. Exits 1 with --check when stale.
    """
    from govkit.ci.github import github_workflow

    ws = obj.workspace()
    result = github_workflow(ws, tuple_name=tuple_name, weekly=weekly, output=output, check=check)
    if as_json:
        emit_json(
            {
                "path": str(result.path),
                "current": result.current,
                "gates": result.gates,
                "diff": result.diff,
            }
        )
    elif check and not result.current:
        click.echo(result.diff, nl=False)
    elif not check:
        state = "unchanged" if result.current else "wrote"
        n = len(result.gates)
        click.echo(f"{state} {result.path} ({n} gate{'s' * (n != 1)}: {', '.join(result.gates)})")
    return EXIT_FINDINGS if check and not result.current else EXIT_OK
