"""Keep README and --help honest (after sqlite-utils' tests/test_docs.py)."""

from __future__ import annotations

import subprocess
import sys

import click

from govkit.cli import COMMANDS, cli
from govkit.cli.reference import generate_reference, iter_commands, missing_help, splice
from tests.helpers import REPO_ROOT


def test_every_command_has_help_text() -> None:
    assert missing_help() == []


def test_readme_cli_reference_is_current() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert splice(readme, generate_reference()) == readme, (
        "README CLI reference is stale: python -m govkit.cli.reference --write README.md"
    )


def test_every_command_appears_in_reference() -> None:
    reference = generate_reference()
    for path, _ in iter_commands(cli):
        assert f"### `{' '.join(path)}`" in reference


def test_every_listed_command_loads() -> None:
    # The COMMANDS table is the root's help; each entry must load to a real, documented command.
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None, name
        assert command.help, name


def test_readme_opens_with_the_two_commands() -> None:
    head = "\n".join((REPO_ROOT / "README.md").read_text().splitlines()[:15])
    assert "govkit demo" in head
    assert "pip install -e '.[test]'" in head and "pytest" in head


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "pip install -q -e '.[test]'" in ci
    assert "python -m pytest" in ci


def test_help_and_version_do_not_import_heavy_libraries() -> None:
    for args in (["--help"], ["--version"]):
        code = (
            "import sys\n"
            "from govkit.cli import COMMANDS, cli\n"
            "try:\n"
            f"    cli.main({args!r}, prog_name='govkit')\n"
            "except SystemExit:\n"
            "    pass\n"
            "heavy = sorted(m for m in ('git', 'jinja2', 'markdown_it') if m in sys.modules)\n"
            "print('HEAVY=' + ','.join(heavy))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
        ).stdout
        assert "HEAVY=\n" in out, out
