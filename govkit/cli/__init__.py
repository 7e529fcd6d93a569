"""The govkit command line: a small root group that loads each command on demand.

Commands live one module per group in this package. They are imported only
when invoked, so `govkit --help` and `govkit safe-run` start fast and never
import GitPython, Jinja or markdown-it.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from govkit import __version__
from govkit.errors import EXIT_BUG, EXIT_INTERRUPTED, EXIT_OK, EXIT_USER, GovkitError
from govkit.records.kinds import KINDS

if TYPE_CHECKING:  # typing only: importing the workspace at startup would cost --help time
    from govkit.workspace import Workspace

# name -> (module in govkit.cli, attribute, one-line help shown by `govkit --help`).
# Record kinds are not listed: each row of records.model.KINDS is a command (see COMMANDS).
_FIXED: dict[str, tuple[str, str, str]] = {
    "init": ("init", "init", "Create a workspace: govkit.yaml, records/, decisions/, evidence/."),
    "check": ("check", "check", "Validate the whole workspace: schema, ids, references."),
    "queue": ("queue", "queue", "The ordered priority queue of next tasks."),
    "decision": ("decision", "decision", "Decision records (MADR): propose, accept, supersede."),
    "repo": ("repo", "repo", "Code repositories the program tracks."),
    "tuple": ("tuples", "tuple_", "Named tuples: repo → full commit SHA."),
    "gate": ("gate", "gate", "Validation gates: define them, run them in clean clones."),
    "safe-run": (
        "safe_run",
        "safe_run",
        "Run a command under slots, memory admission and timeout.",
    ),
    "evidence": ("evidence", "evidence", "Evidence records of runs and the ledger."),
    "promote": ("promote", "promote", "Promote a candidate tuple after a streak of green runs."),
    "verify": ("verify", "verify", "Re-run a recorded run at its tuple and compare."),
    "render": ("render", "render", "Render STATUS.md from records and evidence."),
    "templates": ("templates", "templates", "List or eject the Jinja templates."),
    "cadence": ("cadence", "cadence", "The weekly cadence packet for an ISO week."),
    "handoff": ("handoff", "handoff", "A session handoff note filled from the records."),
    "site": ("site", "site", "A static HTML site with history charts."),
    "audit": ("audit", "audit", "Check that every claim is backed by real evidence."),
    "import": ("importers", "import_", "Import a hand-written tracker or ADR folder."),
    "export": ("export", "export", "Export evidence as in-toto attestations."),
    "demo": ("demo", "demo", "Build a realistic demo program and run the whole job."),
}
_RECORDS = ("records", "")  # module of the record-kind groups; the group is made per kind


class _CommandTable(Mapping[str, tuple[str, str, str]]):
    """Every root command: the fixed ones above plus one per record kind, live as kinds register."""

    def __getitem__(self, name: str) -> tuple[str, str, str]:
        if name in _FIXED:
            return _FIXED[name]
        return (*_RECORDS, KINDS[name].summary)

    def __iter__(self) -> Iterator[str]:
        yield from _FIXED
        yield from (k for k in KINDS if k not in _FIXED)

    def __len__(self) -> int:
        return sum(1 for _ in self)


COMMANDS: Mapping[str, tuple[str, str, str]] = _CommandTable()


# OSErrors about the user's paths and disk (not govkit's logic): reported like GovkitError.
_USER_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.ENOENT,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.ENAMETOOLONG,
    }
)


_PATH_HINT = "check that the path, or the directory it goes in, exists"
_ERRNO_HINTS = {
    errno.EACCES: "check the permissions of the path and its directory",
    errno.EPERM: "check the permissions of the path and its directory",
    errno.EROFS: "the file system is read-only: choose another place",
    errno.ENOSPC: "the disk is full: free some space and run it again",
    errno.EDQUOT: "the disk quota is used up: free some space and run it again",
    errno.ENAMETOOLONG: "use a shorter path",
}


class GovkitGroup(click.Group):
    """Root group: lazy subcommands, and the one exit path of every command.

    A command returns its exit code (an int from govkit.errors); the group exits
    with it. GovkitError, Ctrl-C, a user's OSError and a bug become a message on
    stderr and their exit code in `exit_code_for`. Nothing else in govkit/cli
    calls ctx.exit or sys.exit, or raises SystemExit.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"govkit.cli.{entry[0]}")
        command = getattr(module, entry[1]) if entry[1] else module.make_group(cmd_name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text from the table above, so --help imports no command module.
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> NoReturn:
        try:
            returned = super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # usage errors, --help and --version: Click reports and exits
        except OSError as exc:
            if exc.errno not in _USER_ERRNOS:
                raise  # a closed pipe (| head) and the like: Click's to handle
            code = exit_code_for(exc)
        except (Exception, KeyboardInterrupt) as exc:
            code = exit_code_for(exc)
        else:
            # A command without an explicit code (a group's own callback) succeeded.
            code = EXIT_OK if returned is None else int(returned)
        if ctx.invoked_subcommand in FAST_EXIT:
            exit_without_teardown(code)
        ctx.exit(code)


# Commands whose exit skips interpreter teardown (see exit_without_teardown).
FAST_EXIT = frozenset({"safe-run"})


def exit_code_for(exc: BaseException) -> int:
    """Report an exception that ended a command on stderr; the exit code it maps to."""
    if isinstance(exc, GovkitError):
        click.secho(f"govkit: error: {exc}", err=True, fg="red")
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        click.echo("govkit: interrupted", err=True)
        return EXIT_INTERRUPTED
    if isinstance(exc, OSError) and exc.errno in _USER_ERRNOS:
        # The place the user named is missing, unwritable or full: theirs to fix, not a bug.
        where = f"{exc.filename}: " if exc.filename else ""
        click.secho(f"govkit: error: {where}{exc.strerror or exc}", err=True, fg="red")
        click.echo(f"  hint: {_ERRNO_HINTS.get(exc.errno or 0, _PATH_HINT)}", err=True)
        return EXIT_USER
    import traceback

    traceback.print_exception(exc)
    click.echo(
        "govkit: internal error (a bug in govkit): please report it with the traceback above",
        err=True,
    )
    return EXIT_BUG


def exit_without_teardown(code: int) -> None:
    """Exit at once when we own the real stdout/stderr (not under a test runner).

    A wrapper's own exit should cost nothing (safe-run): nothing is pending, its logs
    are closed and its record was written atomically. Returns when stdio is not ours.
    """
    out, err = sys.stdout, sys.stderr
    if out is sys.__stdout__ and err is sys.__stderr__ and out is not None and err is not None:
        with contextlib.suppress(OSError):  # a closed pipe must not turn into a traceback
            out.flush()
            err.flush()
        os._exit(code)


class AppContext:
    """What every command gets through `click.pass_obj`: where the workspace is."""

    def __init__(self, workspace_dir: Path | None) -> None:
        self.workspace_dir = workspace_dir
        self._workspace: Workspace | None = None

    def workspace(self) -> Workspace:
        """The workspace (found by walking up, or at -C), loaded once."""
        from govkit.workspace import find_workspace, open_workspace

        if self._workspace is None:
            if self.workspace_dir is not None:
                self._workspace = open_workspace(self.workspace_dir)
            else:
                self._workspace = find_workspace()
        return self._workspace


@click.group(cls=GovkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="govkit")
@click.option(
    "-C",
    "--workspace",
    "workspace_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use the workspace at DIR instead of searching up from the current directory.",
)
@click.pass_context
def cli(ctx: click.Context, workspace_dir: Path | None) -> None:
    """govkit: records, gates, evidence and audit for multi-repo engineering programs.

    Exit codes: 0 ok; 1 a negative answer (problems found, gate not passed,
    file stale); 2 bad usage or input; 3 internal error; 130 interrupted.
    safe-run exits like GNU timeout (see `govkit safe-run --help`).
    """
    ctx.obj = AppContext(workspace_dir)
    # Waits are told on stderr on a terminal and off it alike (a CI log must not look
    # hung), like the heavy-slot and memory waits of cli.output.progress_printer.
    from govkit import lock

    lock.on_wait = lambda message: click.echo(f"govkit: {message}…", err=True)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="govkit")
