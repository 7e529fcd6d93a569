"""govkit audit."""

from __future__ import annotations

from pathlib import Path

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, progress_printer
from govkit.errors import EXIT_FINDINGS, EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="Output format; sarif is SARIF 2.1.0 for code-scanning tools.",
)
@click.option(
    "--strict", is_flag=True, help="Treat warnings (stale or imported evidence) as errors."
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--since",
    "since_ref",
    metavar="REF",
    default=None,
    help="Also prove the evidence only grew since commit REF: the ledger at REF is a "
    "prefix of the ledger now, and no file committed under evidence/runs changed or vanished.",
)
@click.option(
    "--since-merge-base",
    "base",
    metavar="BRANCH",
    is_flag=False,
    flag_value="",
    default=None,
    help="Like --since, against the merge base of HEAD and BRANCH, given as "
    "--since-merge-base=BRANCH (alone: origin/HEAD, origin/main, main or master, whichever "
    "exists first; HEAD when none does). The pre-commit hook uses this.",
)
@click.pass_obj
def audit(
    obj: AppContext,
    paths: tuple[Path, ...],
    fmt: str,
    strict: bool,
    as_json: bool,
    since_ref: str | None,
    base: str | None,
) -> int:
    """Check that every claim is backed by real, intact, current evidence.

    Checks the ledger chain and every record, log and artifact hash; every
    evidence link in audit.claim_files and in the Markdown PATHS given
    (directories are searched for *.md) — the run must exist, be claim-grade,
    have passed, and its recomputed counts must match the numbers claimed;
    absolute claims ("tests pass", "936 passed", "all green", "no regression")
    with no evidence link; stale evidence; done records without evidence; and,
    with signing.allowed_signers set, every run's SSH signature (GK108-GK110).
    Exit 0 clean (warnings allowed), 1 on errors, 2 on bad usage.
    """
    from govkit.audit import run_audit
    from govkit.audit.report import to_json, to_sarif, to_text
    from govkit.audit.since import since_option

    fmt = "json" if as_json else fmt
    ws = obj.workspace()
    since = since_option(ws, since_ref, base)
    report = run_audit(
        ws, paths, strict=strict, progress=progress_printer(fmt == "text"), since=since
    )
    if fmt == "json":
        emit_json(to_json(report))
    elif fmt == "sarif":
        emit_json(to_sarif(report))
    else:
        click.echo(to_text(report), nl=False)
    if report.failed:
        return EXIT_FINDINGS
    return EXIT_OK
