"""`govkit safe-run`: a drop-in for a hand-written safe_run.sh."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import click

from govkit.cli.output import emit_json, json_option
from govkit.units import parse_duration, parse_size


@click.command(context_settings={"allow_interspersed_args": False})
@click.option("--heavy", is_flag=True, help="Take a heavy slot first (at most --slots at once).")
@click.option(
    "--slots",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many heavy commands may run at once on this machine.",
)
@click.option(
    "--mem", metavar="SIZE", help="Memory the command needs (2G); wait for it, or refuse."
)
@click.option(
    "--admission-wait",
    metavar="DURATION",
    default="10m",
    show_default=True,
    help="How long to wait for --mem to become available before refusing (exit 75).",
)
@click.option(
    "--timeout", metavar="DURATION", help="Kill the whole tree after this long (exit 124)."
)
@click.option(
    "--grace", metavar="DURATION", default="5s", show_default=True, help="Between TERM and KILL."
)
@click.option("--mem-cap", metavar="SIZE", help="Kill the tree when its RSS exceeds this (oom).")
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write stdout.log and stderr.log here (default: a temp dir, kept on failure).",
)
@click.option(
    "--record",
    "record_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a JSON evidence record of the run to FILE.",
)
@click.option("--label", default="", help="Shown to others waiting for the heavy slot.")
@click.option("--shell", is_flag=True, help="Run CMD as one string with /bin/sh -c.")
@click.option("--no-tee", is_flag=True, help="Only write the log files, not the terminal.")
@json_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED, metavar="-- CMD...")
def safe_run(
    heavy: bool, slots: int, mem: str | None, admission_wait: str, timeout: str | None,
    grace: str, mem_cap: str | None, log_dir: Path | None, record_path: Path | None,
    label: str, shell: bool, no_tee: bool, as_json: bool, command: tuple[str, ...],
) -> int:  # fmt: skip
    """Run CMD so that it cannot take the machine down; exit like GNU timeout.

    Takes a heavy slot and waits for memory when asked, runs CMD in a new
    session with its output streamed to log files (and here), samples the
    whole tree's RSS, and kills the whole tree on timeout, memory cap or
    Ctrl-C. Values of variables named like token, secret, password, key,
    credential or auth are written as *** in the logs.

    \b
    Exit codes: the command's own; 124 timeout; 125 safe-run failed;
    126 cannot run; 127 not found; 75 refused by memory admission;
    128+N killed by signal N (137 also for oom); 130 interrupted.

    \b
    Example:
      govkit safe-run --heavy --mem 4G --timeout 30m -- pytest -q
    """
    from govkit.saferun import SafeRunSpec, scrub_secrets_from_env
    from govkit.saferun import safe_run as run

    _check_writable(log_dir, record_path)
    logs = log_dir or _temp_log_dir()
    spec = SafeRunSpec(
        argv=command, cwd=Path.cwd(), env=dict(os.environ), log_dir=logs,
        timeout=parse_duration(timeout, field="--timeout") if timeout else None,
        grace=parse_duration(grace, field="--grace"), heavy=heavy, slots=slots,
        mem_need=parse_size(mem, field="--mem") if mem else None,
        admission_wait=parse_duration(admission_wait, field="--admission-wait"),
        mem_cap=parse_size(mem_cap, field="--mem-cap") if mem_cap else None,
        tee=not (no_tee or as_json), secrets=scrub_secrets_from_env(os.environ),
        label=label or f"safe-run pid {os.getpid()}: {' '.join(command)[:60]}",
        shell=shell, stdin=True,
    )  # fmt: skip
    say = None if as_json else (lambda text: click.echo(f"govkit safe-run: {text}", err=True))
    result = run(spec, on_event=say)
    if record_path is not None:
        from govkit.saferun.record import write_record

        write_record(spec, result, record_path)
    if as_json:
        emit_json({**result.to_dict(), "record": str(record_path) if record_path else None})
    elif result.message:
        click.echo(f"govkit safe-run: {result.outcome}: {result.message}", err=True)
    if log_dir is None and record_path is None and result.wrapper_exit == 0:
        _remove_log_dir(logs)
    elif result.wrapper_exit != 0 and not as_json:
        click.echo(f"govkit safe-run: logs in {logs}", err=True)
    return result.wrapper_exit


def _check_writable(log_dir: Path | None, record_path: Path | None) -> None:
    # Before the command runs, not after: a long run must not end in "cannot write".
    for directory, option in ((log_dir, "--log-dir"), (record_path, "--record")):
        if directory is None:
            continue
        if option == "--record":
            directory = directory.absolute().parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise click.BadParameter(
                f"cannot create {directory}: {exc.strerror}", param_hint=option
            ) from None
        if not os.access(directory, os.W_OK):
            raise click.BadParameter(f"{directory} is not writable", param_hint=option)


def _temp_log_dir() -> Path:
    # Not tempfile.mkdtemp: its import costs more than the rest of this command's setup.
    base = Path(os.environ.get("TMPDIR") or "/tmp")
    while True:
        path = base / f"govkit-safe-run-{os.urandom(4).hex()}"
        try:
            path.mkdir(mode=0o700)
            return path
        except FileExistsError:
            continue


def _remove_log_dir(path: Path) -> None:
    for name in ("stdout.log", "stderr.log"):
        (path / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # something else was put there: leave it
        path.rmdir()
