"""The one exit path: commands return an exit code and the root group exits with it."""

from __future__ import annotations

import errno
import inspect
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from govkit.cli import GovkitGroup, cli
from govkit.cli.reference import iter_commands
from govkit.errors import (
    EXIT_BUG,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USER,
    GovkitError,
    NotFound,
)

CLI_DIR = Path(__file__).resolve().parent.parent / "govkit" / "cli"


def test_every_command_is_declared_to_return_an_exit_code() -> None:
    missing = []
    for path, command in iter_commands(cli):
        if isinstance(command, click.Group) or command.callback is None:
            continue
        func = inspect.unwrap(command.callback)
        if inspect.signature(func).return_annotation != "int":
            missing.append(" ".join(path))
    assert not missing, f"commands not declared `-> int`: {missing}"


def test_no_command_module_exits_by_itself() -> None:
    # Only the root group (govkit/cli/__init__.py) exits; reference.py's __main__ is a script.
    pattern = re.compile(r"\bsys\.exit\(|\bSystemExit\b|\bctx\.exit\(|\bos\._exit\(")
    offenders = []
    for path in sorted(CLI_DIR.glob("*.py")):
        if path.name == "__init__.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            script_main = path.name == "reference.py" and line == "    sys.exit(main(sys.argv[1:]))"
            if pattern.search(line) and not script_main:
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert not offenders, offenders


class _Group(GovkitGroup):
    """The real root group's exit path over throwaway commands (no real command crashes)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name)


def _group() -> click.Group:
    group = _Group()

    @group.command("returns")
    @click.argument("code", type=int)
    def returns(code: int) -> int:
        """Return CODE."""
        return code

    @group.command("raises")
    @click.argument("what")
    def raises(what: str) -> int:
        """Raise WHAT."""
        if what == "govkit":
            raise NotFound("no gate 'VG-X'", path="govkit.yaml", line=12, hint="add it")
        if what == "oserror":
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/nowhere/x")
        if what == "interrupt":
            raise KeyboardInterrupt
        if what == "usage":
            raise click.UsageError("give an id")
        raise ValueError("a bug")

    return group


@pytest.mark.parametrize("code", [EXIT_OK, EXIT_FINDINGS, EXIT_USER, 124, 137])
def test_the_returned_code_is_the_exit_code(code: int) -> None:
    result = CliRunner().invoke(_group(), ["returns", str(code)])
    assert result.exit_code == code, result.output
    # Without standalone mode (as the demo calls it) the code is returned, not exited with.
    assert _group().main(["returns", str(code)], standalone_mode=False) == code


def test_govkit_error_is_a_message_naming_the_place_and_its_exit_code() -> None:
    result = CliRunner().invoke(_group(), ["raises", "govkit"])
    assert result.exit_code == EXIT_USER == GovkitError.exit_code
    assert "govkit: error: govkit.yaml:12: no gate 'VG-X'\n  hint: add it" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_path_is_the_users_error_not_a_bug() -> None:
    result = CliRunner().invoke(_group(), ["raises", "oserror"])
    assert result.exit_code == EXIT_USER
    assert "govkit: error: /nowhere/x: No such file or directory" in result.stderr
    assert "hint: check that the path" in result.stderr


def test_a_bug_prints_its_traceback_and_exits_3() -> None:
    result = CliRunner().invoke(_group(), ["raises", "bug"])
    assert result.exit_code == EXIT_BUG
    assert "Traceback" in result.stderr and "ValueError: a bug" in result.stderr
    assert "internal error (a bug in govkit)" in result.stderr


def test_ctrl_c_exits_130_and_usage_errors_stay_clicks() -> None:
    interrupted = CliRunner().invoke(_group(), ["raises", "interrupt"])
    assert interrupted.exit_code == EXIT_INTERRUPTED
    assert "govkit: interrupted" in interrupted.stderr
    usage = CliRunner().invoke(_group(), ["raises", "usage"])
    assert usage.exit_code == 2 and "Error: give an id" in usage.stderr
