from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.errors import ConflictError, ValidationError, WorkspaceNotFound
from govkit.workspace import Workspace, find_workspace, init_workspace


def test_init_creates_layout(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "prog", name="My Program: core")
    assert ws.config.program == "My Program: core"
    for sub in ("records/tasks", "records/milestones", "decisions", "evidence/runs"):
        assert (ws.root / sub).is_dir()
    text = ws.config_path.read_text()
    assert "# govkit workspace configuration" in text  # commented defaults


def test_init_refuses_existing_workspace(ws: Workspace) -> None:
    before = ws.config_path.read_bytes()
    with pytest.raises(ConflictError):
        init_workspace(ws.root)
    assert ws.config_path.read_bytes() == before


def test_find_walks_up(ws: Workspace) -> None:
    deep = ws.root / "a" / "b"
    deep.mkdir(parents=True)
    assert find_workspace(deep).root == ws.root.resolve()


def test_find_outside_workspace_fails(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceNotFound):
        find_workspace(tmp_path)


def test_malformed_config_names_line_and_column(ws: Workspace) -> None:
    ws.config_path.write_text("program: x\nrepos:\n  a: [unclosed\n")
    with pytest.raises(ValidationError) as info:
        _ = Workspace(ws.root).config
    assert info.value.path == ws.config_path
    assert info.value.line is not None and info.value.column is not None


def test_bad_field_names_line(ws: Workspace) -> None:
    ws.config_path.write_text("program: x\nsafe_mode:\n  heavy_slots: many\n")
    with pytest.raises(ValidationError) as info:
        _ = Workspace(ws.root).config
    assert info.value.line == 3
    assert "safe_mode.heavy_slots" in info.value.message


def test_cli_init_and_refusal(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path / "w"), "--name", "p"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(cli, ["init", str(tmp_path / "w")])
    assert again.exit_code == 2
    assert "already" in again.output
    assert "Traceback" not in again.output


def test_cli_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "govkit" in result.output


def test_cli_config_edits_keep_every_comment_in_place(tmp_path: Path, runner: CliRunner) -> None:
    from tests.helpers import make_repo

    make_repo(tmp_path / "lib")
    ws = init_workspace(tmp_path / "w", name="p")
    before = [line for line in ws.config_path.read_text().splitlines() if "#" in line]
    for args in (
        ["repo", "add", "lib", str(tmp_path / "lib")],
        ["tuple", "pin", "canonical", "lib=main"],
        ["gate", "add", "VG-LIB-001", "--title", "t", "--repo", "lib", "--", "true"],
    ):
        result = runner.invoke(cli, ["-C", str(ws.root), *args])
        assert result.exit_code == 0, result.output
    text = ws.config_path.read_text()
    after = [line for line in text.splitlines() if "#" in line]
    assert after == before  # same comment lines, same order
    # and the header still comes before the data, the safe_mode notes stay with safe_mode
    assert text.index("# govkit workspace configuration") < text.index("program:")
    assert text.index("heavy_slots: 1") > text.index("safe_mode:") > text.index("VG-LIB-001")
