"""govkit import tracker|adr|learnings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from govkit.cli import AppContext
from govkit.cli.options import DIRECTORY, FILE, Decorator
from govkit.cli.output import emit_json, json_option
from govkit.errors import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:
    from govkit.importers import ImportReport


def _show(report: ImportReport, as_json: bool) -> int:
    """Print the report; exit 1 when it was refused (nothing written: all or nothing)."""
    if as_json:
        emit_json(report.to_json())
    else:
        _show_text(report)
    return EXIT_FINDINGS if report.refused else EXIT_OK


def _show_text(report: ImportReport) -> None:
    verb = "would create" if report.dry_run else "created"
    for block in report.blocks:
        click.echo(f"{report.source}:{block.line}: {block.what}: {block.became}")
    for item in report.created:
        where = f" ({item.path})" if item.path else ""
        extra = f" [{item.reason}]" if item.reason else ""
        click.echo(f"{verb} {item.kind} {item.id}{where}{extra}")
    for item in report.skipped:
        click.echo(f"skipped {item.kind} {item.id}: {item.reason}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    tail = ""
    if report.refused:
        tail = " (refused: nothing written; fix the problems or pass --allow-partial)"
    elif report.dry_run:
        tail = " (dry run: nothing written)"
    click.echo(f"{len(report.created)} {verb}, {len(report.skipped)} skipped{tail}")


def _dry_run_option(help_text: str = "Show what would be created; write nothing.") -> Decorator:
    return click.option("--dry-run", is_flag=True, help=help_text)


@click.group(name="import")
def import_() -> None:
    """Import a hand-written tracker, an ADR folder or a learnings note as govkit records."""


@import_.command()
@click.argument("file", type=FILE)
@_dry_run_option("Show what each table and list would become; write nothing.")
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Import what can be imported even when some rows or sections cannot (they are named).",
)
@json_option
@click.pass_obj
def tracker(obj: AppContext, file: Path, dry_run: bool, allow_partial: bool, as_json: bool) -> int:
    """Turn a hand-written status tracker (Markdown tables and lists) into records.

    Tables and lists are classified by content: the ids their rows start with
    (M1, F1, B1, R1, M1-T01, D-001, P0/P1 priorities) and what their columns
    mean, in any order. Every table, list and section is imported or named as
    ignored with its line. Records keep the document's dates and are marked
    imported. A problem anywhere (file:line named) refuses the whole import,
    exit 1, unless --allow-partial. Running it again creates nothing new and
    never overwrites a record edited since the import.
    """
    from govkit.importers.tracker import import_tracker

    report = import_tracker(obj.workspace(), file, dry_run=dry_run, allow_partial=allow_partial)
    return _show(report, as_json)


@import_.command()
@click.argument("directory", type=DIRECTORY)
@_dry_run_option()
@click.option(
    "--allow-partial", is_flag=True, help="Import the rest when some files cannot be (named)."
)
@json_option
@click.pass_obj
def adr(obj: AppContext, directory: Path, dry_run: bool, allow_partial: bool, as_json: bool) -> int:
    """Import an ADR folder: Nygard/adr-tools, MADR 2 bullets, MADR 3/4 front matter.

    Each decision gets the id D-NNN from its file name's number (a heading
    that disagrees is a warning), its status mapped (the raw value kept as
    raw_status; no status but a chosen outcome: accepted), its date from the
    file or else its first git commit, supersede links resolved, unknown
    front-matter keys kept. A duplicate number refuses the import (exit 1)
    unless --allow-partial, which skips the later file.
    """
    from govkit.importers.adr import import_adr

    report = import_adr(obj.workspace(), directory, dry_run=dry_run, allow_partial=allow_partial)
    return _show(report, as_json)


@import_.command()
@click.argument("file", type=FILE)
@click.option(
    "--task", "tasks", multiple=True, metavar="ID", help="Link every learning to this task."
)
@click.option("--owner", default=None, help="Who learned it (set on every learning).")
@click.option("--lane", default=None, help="The lane it belongs to (set on every learning).")
@_dry_run_option()
@json_option
@click.pass_obj
def learnings(
    obj: AppContext,
    file: Path,
    tasks: tuple[str, ...],
    owner: str | None,
    lane: str | None,
    dry_run: bool,
    as_json: bool,
) -> int:
    """Turn a learnings note (one `## ` section per learning) into learning records.

    Problem, Solution/Change, Files, Verification and Next steps parts (### headings
    or **bold:** labels) fill those fields; other parts are kept in notes. Task ids
    of the workspace named in a section link it. Text outside any section is named
    as ignored. Importing the same note again creates nothing new.
    """
    from govkit.importers.learnings import import_learnings

    report = import_learnings(
        obj.workspace(), file, tasks=tasks, owner=owner, lane=lane, dry_run=dry_run
    )
    return _show(report, as_json)
