"""The signer of a run appears in STATUS.md and on the site (real keys, real renders)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.config import GateDef
from govkit.gates import add_gate
from govkit.workspace import Workspace
from tests.audit.evidence import make_run
from tests.evidence.keys import signing_workspace
from tests.helpers import invoke

# Real ssh-keygen / git subprocesses per test.
pytestmark = pytest.mark.slow


def _gate(ws: Workspace, gate_id: str) -> None:
    add_gate(ws, GateDef(id=gate_id, title=gate_id, repo="core", argv=("true",)))


def test_status_and_site_name_the_signer(ws: Workspace, tmp_path: Path, runner: CliRunner) -> None:
    with ws.edit_config() as data:
        data["repos"] = {"core": "../core"}
    ws.reload()
    _gate(ws, "VG-CORE-001")
    _gate(ws, "VG-CORE-002")
    make_run(ws, gate_id="VG-CORE-002")  # unsigned: before signing was set up
    code, out = invoke(runner, ws, "render", "status")
    assert code == 0, out
    before = (ws.root / "STATUS.md").read_text()
    assert "Signed by" not in before  # no signatures anywhere: the table is as it always was

    signing_workspace(ws, tmp_path)
    rec = make_run(ws, gate_id="VG-CORE-001", started_at="2026-11-20T11:00:00.000Z")
    code, out = invoke(runner, ws, "render", "status")
    assert code == 0, out
    status = (ws.root / "STATUS.md").read_text()
    header = next(line for line in status.splitlines() if line.startswith("| Gate |"))
    assert header.endswith("| Streak | Signed by |")
    row1 = next(line for line in status.splitlines() if line.startswith("| VG-CORE-001 "))
    row2 = next(line for line in status.splitlines() if line.startswith("| VG-CORE-002 "))
    assert row1.endswith("| alice@example.org |") and row2.endswith("| unsigned |")

    out_dir = tmp_path / "site"
    code, out = invoke(runner, ws, "site", "-o", str(out_dir))
    assert code == 0, out
    page = next(out_dir.rglob(f"{rec.run_id}*.html")).read_text()
    assert "signed by" in page and "alice@example.org (SHA256:" in page
    assert "alice@example.org" in (out_dir / "index.html").read_text()
