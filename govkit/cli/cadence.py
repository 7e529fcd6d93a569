"""govkit cadence run | show."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, json_option, progress_printer
from govkit.errors import EXIT_FINDINGS, EXIT_OK, GovkitError

if TYPE_CHECKING:
    from govkit.evidence.record import EvidenceRecord
    from govkit.render.cadence import Runner
    from govkit.workspace import Workspace


def _runner(ws: Workspace, tuple_name: str, quiet: bool) -> Runner:
    """The gate runner bound to the cadence tuple."""
    from govkit.runner import run_gate

    progress = progress_printer(not quiet)

    def run(gate_id: str) -> EvidenceRecord:
        return run_gate(ws, gate_id, tuple_name=tuple_name, on_event=progress)

    return run


@click.group()
def cadence() -> None:
    """The weekly cadence packet: evidence/packets/<YYYY-Www>.md and .json."""


@cadence.command()
@click.option("--week", metavar="YYYY-Www", help="The ISO week (default: this week).")
@click.option("--no-run", is_flag=True, help="Use the runs already recorded in that week.")
@click.option(
    "--open-blockers",
    is_flag=True,
    help="Open a blocker (with a checked exit condition, linked to the run) for each newly "
    "failing required gate that no active blocker tracks.",
)
@json_option
@click.pass_obj
def run(obj: AppContext, week: str | None, no_run: bool, open_blockers: bool, as_json: bool) -> int:
    """Run the weekly gates on the cadence tuple and write that week's packet.

    Exits 1 when a weekly gate has no claim-grade pass in the week.
    Running a week again replaces its packet.
    """
    from govkit.render.cadence import write_packet
    from govkit.render.sources import load_sources
    from govkit.timeutil import iso_week, utc_now

    ws = obj.workspace()
    this_week = iso_week(utc_now())
    week = week or this_week
    if week != this_week and not no_run:
        raise GovkitError(
            f"{week} is not this week ({this_week}): runs made now belong to {this_week}",
            hint="add --no-run to build that week's packet from its recorded runs",
        )
    src = load_sources(ws)
    runner = None if no_run else _runner(ws, ws.config.cadence.tuple_name, as_json)
    packet, md, js = write_packet(src, week, runner=runner, open_blockers=open_blockers)
    if as_json:
        emit_json(dataclasses.asdict(packet))
    else:
        for g in packet.gates:
            grade = "" if g.claim_grade or g.outcome == "missing" else " (not claim-grade)"
            click.echo(f"{g.id}: {g.outcome}{grade} ({g.counts})")
        for sb in packet.suggested_blockers:
            state = f"tracked by {sb.tracked_by}" if sb.tracked_by else "suggested blocker"
            click.echo(f"{sb.gate_id} newly failing (required): {state}")
        click.echo(f"wrote {ws.rel(md)} and {ws.rel(js)}")
    if not packet.all_passed:
        return EXIT_FINDINGS
    return EXIT_OK


@cadence.command()
@click.argument("week", required=False)
@json_option
@click.pass_obj
def show(obj: AppContext, week: str | None, as_json: bool) -> int:
    """Print the packet of WEEK (default: the newest packet)."""
    from govkit.errors import NotFound
    from govkit.render.cadence import latest_packet_week, packet_paths, week_bounds
    from govkit.render.sources import load_sources

    src = load_sources(obj.workspace())
    week = week or latest_packet_week(src)
    week_bounds(week)
    md, js = packet_paths(src, week)
    if not md.is_file():
        raise NotFound(f"no packet for {week}", hint=f"govkit cadence run --week {week} --no-run")
    click.echo((js if as_json else md).read_text(encoding="utf-8"), nl=False)
    return EXIT_OK
