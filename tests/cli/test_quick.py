"""govkit.quick: `decision list` and `decision show` without Click print what Click prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit import decisions as dec
from govkit import quick
from govkit.cli import cli
from govkit.workspace import Workspace
from tests.helpers import govkit_env, run_govkit


@pytest.fixture
def decided(ws: Workspace) -> Workspace:
    a = dec.accept_decision(ws, dec.new_decision(ws, "Lock writes", decision="Yes.").id)
    dec.new_decision(ws, "Cache reads", deciders=("Ana", "bo"), tags=("perf",))
    b = dec.accept_decision(ws, dec.new_decision(ws, "Écrire en UTF-8 ✓").id)
    dec.supersede_decision(ws, a.id, b.id)
    return ws


FORMS = [
    ["decision", "list"],
    ["decision", "list", "--json"],
    ["decision", "list", "--status", "superseded"],
    ["decision", "list", "--status=proposed", "--json"],
    ["decision", "list", "--owner", "ana"],
    ["decision", "list", "--owner="],
    ["decision", "show", "D-001"],
    ["decision", "show", "--json", "D-002"],
    ["decision", "show", "cache-reads"],
    # Forms the quick path leaves to Click: errors, help, unknown or repeated options.
    ["decision", "show", "D-999"],
    ["decision", "show"],
    ["decision", "list", "--status", "bogus"],
    ["decision", "list", "--status"],
    ["decision", "list", "--json", "--json"],
    ["decision", "list", "--help"],
    ["decision", "list", "extra"],
    ["decision", "list", "--color"],
]


@pytest.mark.parametrize("form", FORMS, ids=" ".join)
def test_a_real_process_prints_what_the_click_command_prints(
    decided: Workspace, form: list[str]
) -> None:
    args = ["-C", str(decided.root), *form]
    clicked = CliRunner().invoke(cli, args, prog_name="govkit")
    done = run_govkit(*args, cwd=decided.root, env={"PYTHONIOENCODING": "utf-8"})
    assert (done.returncode, done.stdout, done.stderr) == (
        clicked.exit_code,
        clicked.stdout,
        clicked.stderr,
    )


def test_text_click_would_change_is_left_to_click(decided: Workspace) -> None:
    dec.new_decision(decided, "Colour \x1b[31mred\x1b[0m in a title")  # stripped for a pipe
    args = ["-C", str(decided.root), "decision", "list"]
    assert quick.run(args) is None
    done = run_govkit(*args, cwd=decided.root, env={"PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0 and "Colour red in a title" in done.stdout
    assert done.stdout == CliRunner().invoke(cli, args).stdout


def test_workspace_option_forms_and_the_search_from_the_current_directory(
    decided: Workspace,
) -> None:
    expected = CliRunner().invoke(cli, ["-C", str(decided.root), "decision", "list"]).stdout
    for head in (["--workspace", str(decided.root)], [f"--workspace={decided.root}"], []):
        done = run_govkit(*head, "decision", "list", cwd=decided.decisions_dir)
        assert (done.returncode, done.stdout) == (0, expected)


def test_the_quick_path_imports_no_click_and_leaves_the_rest_to_it(ws: Workspace) -> None:
    dec.accept_decision(ws, dec.new_decision(ws, "Lock writes").id)
    root = str(ws.root)
    code = (
        "import sys\n"
        "from govkit import quick\n"
        "def tell(value): print(value, file=sys.stderr)\n"
        f"tell(quick.run(['-C', {root!r}, 'decision', 'list']))\n"
        f"tell(quick.run(['-C', {root!r}, 'decision', 'show', 'D-001', '--json']))\n"
        f"tell(quick.run(['-C', {root!r}, 'decision', 'list', '-h']))\n"
        "tell(sorted(m for m in ('click', 'govkit.config', 'govkit.cli') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=govkit_env({"PYTHONIOENCODING": "utf-8"}),
        check=True,
    )
    assert done.stderr.splitlines() == ["0", "0", "None", "[]"], done.stderr
    assert done.stdout.startswith("id     status")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["decision"],
        ["decision", "new", "x"],
        ["-C"],
        ["-C", "--json", "decision", "list"],
        ["decision", "show", "a", "b"],
        ["decision", "show", "--", "a"],
        ["decision", "list", "--owner", "a", "--owner", "b"],
        ["decision", "list", "--owner", "--json"],
        ["--version"],
    ],
)
def test_other_forms_are_not_recognised(argv: list[str]) -> None:
    assert quick._parse(argv) is None


def test_a_file_as_workspace_dir_is_left_to_click(tmp_path: Path) -> None:
    file = tmp_path / "f"
    file.write_text("")
    assert quick._parse(["-C", str(file), "decision", "list"]) is None
    assert quick._parse(["-C", str(tmp_path), "decision", "list"]) == (
        tmp_path,
        "list",
        {},
        False,
    )
