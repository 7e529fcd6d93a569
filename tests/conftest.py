from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.workspace import Workspace, init_workspace


@pytest.fixture(autouse=True)
def _outside_the_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test from a temp dir: govkit's own repo is a workspace, never a test's."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _private_machine_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep what govkit shares machine-wide inside the test's own directory.

    Heavy slots live in /tmp/govkit-slots-<uid> by default: a test's heavy gate would
    wait for the slot held by whatever else runs heavy here, including the govkit gate
    that is running this very suite. A failed bare safe-run keeps its temp log dir
    ($TMPDIR/govkit-safe-run-*) for the user to read; tests must not litter /tmp.
    """
    monkeypatch.setenv("GOVKIT_SLOT_DIR", str(tmp_path / ".govkit-slots"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # recomputed from TMPDIR, restored after


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh, empty workspace."""
    return init_workspace(tmp_path / "ws", name="test-program")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
