"""govkit gate: define gates and run them in clean clones."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from govkit.cli import AppContext
from govkit.cli.options import DIRECTORY, Decorator
from govkit.cli.output import emit_json, emit_list, json_option, progress_printer
from govkit.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK
from govkit.parsers import PARSERS

if TYPE_CHECKING:
    from govkit.config import PerfSpec


def _title_option(required: bool) -> Decorator:
    return click.option("--title", required=required, help="What the gate proves, in a few words.")


@click.group()
def gate() -> None:
    """Validation gates: define them, run them in clean clones."""


@gate.command("add", context_settings={"ignore_unknown_options": False})
@click.argument("gate_id", metavar="ID")
@click.argument("command", nargs=-1, required=True, metavar="-- CMD ARGS…")
@_title_option(required=True)
@click.option("--repo", required=True, help="Working repo: the command runs in its clone.")
@click.option("--also", default="", help="Other repos cloned beside it, comma-separated.")
@click.option(
    "--tuple", "tuple_name", default="canonical", show_default=True, help="Default tuple."
)
@click.option(
    "--parser",
    type=click.Choice(PARSERS),
    default="exit-code",
    show_default=True,
    help="How to read the result (the exit code always decides pass/fail).",
)
@click.option(
    "--timeout", default="30m", show_default=True, help="Kill after this long (90s, 30m, 1h)."
)
@click.option("--heavy", is_flag=True, help="Take a heavy slot: one heavy command at a time.")
@click.option("--mem", default=None, help="Memory need for admission (512M, 4G).")
@click.option("--min-tests", type=int, default=None, help="Fail when fewer tests ran.")
@click.option("--max-failures", type=int, default=0, show_default=True, help="Failures tolerated.")
@click.option(
    "--env", "env", multiple=True, metavar="K=V", help="Environment for the command (repeatable)."
)
@click.option(
    "--artifact", "artifacts", multiple=True, metavar="GLOB", help="Files to keep (repeatable)."
)
@click.option(
    "--required-artifact",
    "required_artifacts",
    multiple=True,
    metavar="GLOB",
    help="Files the run must produce, or it fails (repeatable; also kept).",
)
@click.option(
    "--weekly", is_flag=True, help="Part of `gate run --all --weekly` (the cadence packet)."
)
@click.option(
    "--required",
    is_flag=True,
    help="Promotion waits on this gate's streak; listed apart from advisory gates.",
)
@click.option("--cwd", default="", help="Subdirectory of the working repo to run in.")
@click.option("--shell", is_flag=True, help="Run CMD as one shell string (sh -c).")
@click.option(
    "--perf-baseline",
    metavar="TUPLE",
    default=None,
    help="Perf gate: compare against this tuple, interleaved in the same run (metrics-json).",
)
@click.option(
    "--perf-threshold",
    type=float,
    default=0.10,
    show_default=True,
    help="Perf gate: allowed median regression ratio (0.10 = 10%).",
)
@click.option(
    "--perf-rounds", type=int, default=3, show_default=True, help="Perf gate: interleaved rounds."
)
@click.option(
    "--perf-metric",
    "perf_metrics",
    multiple=True,
    metavar="NAME=lower|higher",
    help="Perf gate: a metric and which direction is better (repeatable; default all, lower).",
)
@click.pass_obj
def add(obj: AppContext, /, gate_id: str, command: tuple[str, ...], **opts: Any) -> int:
    """Define gate ID running CMD (everything after `--`) in a clean clone of --repo."""
    from govkit.config import GateDef
    from govkit.gates import add_gate
    from govkit.units import parse_duration, parse_size

    env = dict(_key_value(e) for e in opts["env"])
    definition = GateDef(
        id=gate_id,
        title=opts["title"],
        repo=opts["repo"],
        also=tuple(r.strip() for r in opts["also"].split(",") if r.strip()),
        tuple_name=opts["tuple_name"],
        argv=() if opts["shell"] else command,
        shell=" ".join(command) if opts["shell"] else None,
        cwd=opts["cwd"],
        env=env,
        timeout=parse_duration(opts["timeout"], field="--timeout"),
        heavy=opts["heavy"],
        mem=parse_size(opts["mem"], field="--mem") if opts["mem"] else None,
        parser=opts["parser"],
        min_tests=opts["min_tests"],
        max_failures=opts["max_failures"],
        artifacts=tuple(opts["artifacts"]),
        weekly=opts["weekly"],
        perf=_perf_spec(opts),
        required_artifacts=tuple(opts["required_artifacts"]),
        required=opts["required"],
    )
    added = add_gate(obj.workspace(), definition)
    click.echo(f"added gate {added.id}: {added.title} (hash {added.definition_hash()[:12]})")
    return EXIT_OK


@gate.command("set")
@click.argument("gate_id", metavar="ID")
@_title_option(required=False)
@click.option(
    "--required/--advisory",
    default=None,
    help="Required: promotion waits on its streak. Advisory: shown, not waited on.",
)
@click.option("--weekly/--not-weekly", default=None, help="Part of the cadence packet or not.")
@click.option(
    "--artifact",
    "artifacts",
    multiple=True,
    metavar="GLOB",
    help="Replace the kept artifact globs (repeatable; --artifact '' clears).",
)
@click.option(
    "--required-artifact",
    "required_artifacts",
    multiple=True,
    metavar="GLOB",
    help="Replace the required artifact globs (repeatable; --required-artifact '' clears).",
)
@json_option
@click.pass_obj
def set_(
    obj: AppContext,
    gate_id: str,
    title: str | None,
    required: bool | None,
    weekly: bool | None,
    artifacts: tuple[str, ...],
    required_artifacts: tuple[str, ...],
    as_json: bool,
) -> int:
    """Change a gate's title, required/advisory standing, weekly flag or artifacts.

    Changing artifacts changes the gate's definition hash (its streaks start again);
    --required/--advisory and --title do not.
    """
    from govkit.gates import gate_to_dict, set_gate

    changed = set_gate(
        obj.workspace(),
        gate_id,
        title=title,
        required=required,
        weekly=weekly,
        artifacts=_globs(artifacts),
        required_artifacts=_globs(required_artifacts),
    )
    if as_json:
        emit_json(gate_to_dict(changed))
        return EXIT_OK
    standing = "required" if changed.required else "advisory"
    click.echo(f"updated gate {changed.id} ({standing}, hash {changed.definition_hash()[:12]})")
    return EXIT_OK


def _globs(values: tuple[str, ...]) -> list[str] | None:
    """Repeated glob flags: None when not given; [''] (an empty flag) clears the list."""
    if not values:
        return None
    return [v for v in values if v]


def _perf_spec(opts: dict[str, Any]) -> PerfSpec | None:
    from govkit.config import PerfSpec

    if opts["perf_baseline"] is None:
        if opts["perf_metrics"]:
            raise click.UsageError("--perf-metric needs --perf-baseline")
        return None
    metrics = dict(_key_value(m, "--perf-metric") for m in opts["perf_metrics"])
    return PerfSpec(
        baseline=opts["perf_baseline"],
        threshold=opts["perf_threshold"],
        rounds=opts["perf_rounds"],
        metrics=metrics,
    )


def _key_value(text: str, option: str = "--env") -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{text!r} is not K=V", param_hint=option)
    return key, value


@gate.command("list")
@json_option
@click.pass_obj
def list_(obj: AppContext, as_json: bool) -> int:
    """List the gates."""
    from govkit.gates import gate_to_dict
    from govkit.ids import id_sort_key

    gates = sorted(obj.workspace().config.gates.values(), key=lambda g: id_sort_key(g.id))
    emit_list(
        as_json,
        gates,
        gate_to_dict,
        ["gate", "title", "repos", "parser", "standing", "heavy", "weekly"],
        lambda g: (
            g.id,
            g.title,
            ",".join(g.repos),
            g.parser,
            "required" if g.required else "advisory",
            "heavy" if g.heavy else "",
            "weekly" if g.weekly else "",
        ),
    )
    return EXIT_OK


@gate.command("show")
@click.argument("gate_id", metavar="ID")
@json_option
@click.pass_obj
def show(obj: AppContext, gate_id: str, as_json: bool) -> int:
    """Show one gate's definition and its hash."""
    from govkit.gates import gate_to_dict, get_gate

    data = gate_to_dict(get_gate(obj.workspace(), gate_id))
    if as_json:
        emit_json(data)
        return EXIT_OK
    for key, value in data.items():
        if value in (None, (), [], {}, ""):
            continue
        click.echo(
            f"{key}: {json.dumps(value) if isinstance(value, list | dict | tuple) else value}"
        )
    return EXIT_OK


@gate.command("run")
@click.argument("gate_ids", nargs=-1, metavar="ID…")
@click.option("--all", "run_all", is_flag=True, help="Run every gate.")
@click.option("--weekly", is_flag=True, help="With --all: only the weekly gates.")
@click.option(
    "--tuple", "tuple_name", default=None, help="Run on this tuple instead of each gate's own."
)
@click.option(
    "--worktree",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Use this working tree for the working repo (quick check; never claim-grade).",
)
@click.option(
    "--bundle",
    "bundle_dir",
    type=DIRECTORY,
    help="Write each run as a bundle into DIR for `evidence ingest`; the ledger is not touched.",
)
@click.option(
    "--bundle-format",
    type=click.Choice(["tar", "dir"]),
    default="tar",
    show_default=True,
    help="A bundle as one tar file (<run-id>.tar) or a directory (<run-id>/).",
)
@json_option
@click.pass_obj
def run(
    obj: AppContext,
    gate_ids: tuple[str, ...],
    run_all: bool,
    weekly: bool,
    tuple_name: str | None,
    worktree: Path | None,
    bundle_dir: Path | None,
    bundle_format: str,
    as_json: bool,
) -> int:
    """Run gates in clean clones through safe-run and record the evidence.

    Prints one line per run: gate, outcome, counts, repo@SHA, UTC start, record.
    With --bundle, each run goes into a bundle in DIR instead of the workspace's
    evidence (for CI runners; see docs/ci.md). Exits 0 only when every gate passed.
    """
    from govkit.runner import selected_gates

    ws = obj.workspace()
    if run_all == bool(gate_ids) or (weekly and not run_all):
        raise click.UsageError("give gate ids, or --all [--weekly]")
    ids = selected_gates(ws, weekly=weekly) if run_all else list(gate_ids)
    if not ids:
        raise click.UsageError("no gates to run" + (" (none is weekly)" if weekly else ""))
    progress = progress_printer(not as_json)
    if bundle_dir is not None:
        if worktree is not None:
            raise click.UsageError("--bundle carries runs of a tuple: it cannot use --worktree")
        runs = _run_into_bundles(ws, ids, tuple_name, bundle_dir, bundle_format, as_json, progress)
    else:
        runs = _run_and_record(ws, ids, tuple_name, worktree, as_json, progress)
    if as_json:
        emit_json([data for _, data in runs])
    return _exit_for([record for record, _ in runs], len(ids))


# A run and its JSON form (`gate run --json` prints a list of them; {} without --json).
_Ran = tuple[Any, dict[str, Any]]
_ECHO = threading.Lock()  # gates may finish in threads; keep each run's lines whole


def _echo_run(line: str, record: Any) -> None:
    """A finished run's summary line, and on stderr why it did not pass."""
    with _ECHO:
        click.echo(line)
        if record.message and not record.passed:
            # An error or refusal must say why, not only "error" (the record keeps it too).
            click.echo(f"  {record.gate_id}: {record.message}", err=True)


def _run_and_record(
    ws: Any,
    ids: list[str],
    tuple_name: str | None,
    worktree: Path | None,
    as_json: bool,
    on_event: Callable[[str], None] | None,
) -> list[_Ran]:
    from govkit.runner import GateRun, run_gates, summary_line

    def done(result: GateRun) -> None:
        if not as_json:
            _echo_run(summary_line(ws, result), result.record)

    results = run_gates(
        ws, ids, tuple_name=tuple_name, worktree=worktree, on_event=on_event, on_done=done
    )
    return [
        (r.record, {**json.loads(r.record.to_json()), "path": ws.rel(r.path)} if as_json else {})
        for r in results
    ]


def _run_into_bundles(
    ws: Any,
    ids: list[str],
    tuple_name: str | None,
    out: Path,
    fmt: str,
    as_json: bool,
    on_event: Callable[[str], None] | None,
) -> list[_Ran]:
    from govkit.evidence.bundle import run_into_bundles
    from govkit.runner import summary_line

    def done(run: Any, bundle: Any) -> None:
        if not as_json:
            line = summary_line(ws, run, where_kept=str(bundle.path))
            _echo_run(f"{line}  bundle sha256:{bundle.digest[:16]}", run.record)

    results = run_into_bundles(
        ws, ids, out, fmt=fmt, tuple_name=tuple_name, on_event=on_event, on_done=done
    )
    return [
        (
            r.record,
            {**json.loads(r.record.to_json()), "bundle": str(b.path), "bundle_sha256": b.digest}
            if as_json
            else {},
        )
        for r, b in results
    ]


def _exit_for(records: list[Any], wanted: int) -> int:
    """130 when interrupted; 1 unless every wanted gate ran and passed."""
    from govkit.evidence.record import Outcome

    if any(r.outcome is Outcome.INTERRUPTED for r in records):
        return EXIT_INTERRUPTED
    if not all(r.passed for r in records) or len(records) < wanted:
        return EXIT_FINDINGS
    return EXIT_OK
