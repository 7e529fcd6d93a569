from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.workspace import Workspace, init_workspace

E2E = Path(__file__).parent / "e2e"
FAST_LIMIT = 1.0  # seconds; a test slower than this belongs out of the fast loop


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e/ is slow: `pytest -m 'not slow'` leaves it out."""
    for item in items:
        if item.path.is_relative_to(E2E):
            item.add_marker(pytest.mark.slow)


_too_slow: list[tuple[str, float]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.duration > FAST_LIMIT and "slow" not in report.keywords:
        _too_slow.append((report.nodeid, report.duration))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Told, not failed: a timed assertion would fail on a loaded machine.
    if _too_slow:
        terminalreporter.section(f"tests over {FAST_LIMIT:.0f} s not marked slow")
        for nodeid, seconds in sorted(_too_slow, key=lambda x: -x[1]):
            terminalreporter.line(f"{seconds:6.2f}s {nodeid}  (mark it @pytest.mark.slow)")


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
