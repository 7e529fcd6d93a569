"""govkit import tracker|adr|learnings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, json_option
from govkit.errors import EXIT_OK

if TYPE_CHECKING:
    from govkit.importers import ImportReport


def _show(report: ImportReport, as_json: bool) -> None:
    if as_json:
        emit_json(report.to_json())
        return
    verb = "would create" if report.dry_run else "created"
    for item in report.created:
        where = f" ({item.path})" if item.path else ""
        extra = f" [{item.reason}]" if item.reason else ""
        click.echo(f"{verb} {item.kind} {item.id}{where}{extra}")
    for item in report.skipped:
        click.echo(f"skipped {item.kind} {item.id}: {item.reason}")
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    click.echo(
        f"{len(report.created)} {verb}, {len(report.skipped)} skipped"
        + (" (dry run: nothing written)" if report.dry_run else "")
    )


@click.group(name="import")
def import_() -> None:
    """Import a hand-written tracker, an ADR folder or a learnings note as govkit records."""


@import_.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
@json_option
@click.pass_obj
def tracker(obj: AppContext, file: Path, dry_run: bool, as_json: bool) -> int:
    """Turn a hand-written status tracker (Markdown tables) into records.

    Tables are found by their section heading (Milestone Board, Baseline
    Findings, Active Blockers, Resolved…, Priority Queue, Consumer Readiness)
    and read by column name. Ids are kept; every record is marked imported and
    its evidence paths and gate ids stay unverified until real runs back them.
    Mentioned task and decision ids become stubs. Running it again creates
    nothing new and never overwrites a record edited since the import.
    """
    from govkit.importers.tracker import import_tracker

    _show(import_tracker(obj.workspace(), file, dry_run=dry_run), as_json)
    return EXIT_OK


@import_.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
@json_option
@click.pass_obj
def adr(obj: AppContext, directory: Path, dry_run: bool, as_json: bool) -> int:
    """Import an ADR folder: Nygard/adr-tools, MADR 2 bullets, MADR 3/4 front matter.

    Each decision gets the id D-NNN from its number (H1 or file name), its
    status mapped (the raw value kept as raw_status), supersede links
    resolved, unknown front-matter keys kept. Duplicate numbers are reported
    and the second file is skipped.
    """
    from govkit.importers.adr import import_adr

    _show(import_adr(obj.workspace(), directory, dry_run=dry_run), as_json)
    return EXIT_OK


@import_.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--task", "tasks", multiple=True, metavar="ID", help="Link every learning to this task."
)
@click.option("--owner", default=None, help="Who learned it (set on every learning).")
@click.option("--lane", default=None, help="The lane it belongs to (set on every learning).")
@click.option("--dry-run", is_flag=True, help="Show what would be created; write nothing.")
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
    _show(report, as_json)
    return EXIT_OK
