from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _temp_logs_in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed safe-runs keep their temp log dir: keep those inside the test's own directory."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
