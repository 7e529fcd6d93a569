from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.workspace import Workspace, init_workspace


@pytest.fixture(autouse=True)
def _outside_the_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test from a temp dir: govkit's own repo is a workspace, never a test's."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh, empty workspace."""
    return init_workspace(tmp_path / "ws", name="test-program")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
