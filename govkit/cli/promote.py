"""govkit promote: move a candidate tuple into canonical after a streak of green runs."""

from __future__ import annotations

import click

from govkit.cli import AppContext
from govkit.cli.output import emit_json, emit_table, json_option
from govkit.errors import EXIT_FINDINGS, EXIT_OK


@click.command()
@click.argument("candidate")
@click.option("--into", "target", default="canonical", show_default=True, help="Tuple to move.")
@click.option("--streak", "needed", type=int, default=3, show_default=True, help="Passes needed.")
@click.option(
    "--gate",
    "gate_ids",
    multiple=True,
    metavar="ID",
    help="Also require this gate (default: the gates marked required, else all).",
)
@click.option(
    "--check", "mode", flag_value="check", help="Report each gate's streak; exit 0 if promotable."
)
@click.option("--apply", "mode", flag_value="apply", help="Promote (only when promotable).")
@json_option
@click.pass_obj
def promote(
    obj: AppContext,
    candidate: str,
    target: str,
    needed: int,
    gate_ids: tuple[str, ...],
    mode: str | None,
    as_json: bool,
) -> int:
    """Promote tuple CANDIDATE after N consecutive claim-grade passes of every required gate.

    fail/timeout/oom reset a streak; error/refused/interrupted and runs that are
    not claim-grade neither count nor reset, and are listed.
    """
    from govkit.promotion import promote as run_promotion

    if mode is None:
        raise click.UsageError("give --check or --apply")
    ws = obj.workspace()
    result, path = run_promotion(
        ws, candidate, into=target, streak_needed=needed, gate_ids=gate_ids, apply=mode == "apply"
    )
    if as_json:
        emit_json(result.to_dict(record=ws.rel(path) if path else None))
    else:
        emit_table(
            ["gate", "streak", "missing", "last reset", "ignored"],
            [
                (
                    g.gate_id,
                    f"{g.streak.count}/{g.needed}",
                    g.missing_text(),
                    g.streak.last_reset or "-",
                    ", ".join(g.streak.ignored) or "-",
                )
                for g in result.gates
            ],
        )
        verdict = "promotable" if result.promotable else "not promotable"
        click.echo(f"{candidate} → {target}: {verdict}")
        if path is not None:
            click.echo(f"promoted: {target} now pins {candidate}'s commits; record {ws.rel(path)}")
    if not result.promotable:
        return EXIT_FINDINGS
    return EXIT_OK
