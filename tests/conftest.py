from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.workspace import Workspace, init_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh, empty workspace."""
    return init_workspace(tmp_path / "ws", name="test-program")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
