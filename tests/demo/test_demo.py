"""govkit demo end to end, as a real process: the main job on a realistic program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkit import yamlio
from govkit.config import parse_config
from govkit.evidence.store import read_ledger, verify_chain
from govkit.workspace import Workspace
from tests.helpers import run_govkit


@pytest.mark.slow
def test_demo_runs_the_whole_job(tmp_path: Path) -> None:
    result = run_govkit("demo", "demo-dir", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    ws = Workspace(tmp_path / "demo-dir" / "workspace")
    # Every gate ran in clean clones: 3 rounds of 3 gates plus the failing candidate.
    runs = read_ledger(ws)
    assert len(runs) == 10 and verify_chain(ws) == []
    assert all(e.claim_grade for e in runs)
    outcomes = [(e.gate_id, e.outcome, e.tuple_name) for e in runs]
    assert ("VG-CORE-001", "fail", "experimental") in outcomes
    assert sum(1 for g, o, t in outcomes if o == "pass" and t == "candidate") == 9
    # The candidate was promoted: canonical now pins the candidate's commits.
    config = parse_config(yamlio.load_round_trip(ws.config_path), ws.config_path)
    assert config.tuples["canonical"] == config.tuples["candidate"]
    assert list((ws.records_dir / "promotions").glob("*.yaml"))
    # Rendered outputs exist and cite evidence.
    status = (ws.root / "STATUS.md").read_text()
    assert "](evidence/runs/" in status and "## Validation Gates" in status
    packet = json.loads(next(ws.packets_dir.glob("*.json")).read_text())
    assert {g["id"] for g in packet["gates"]} >= {"VG-CORE-001", "VG-APP-001", "VG-PERF-001"}
    assert (ws.root / "HANDOFF.md").is_file() and (ws.root / "site" / "index.html").is_file()
    # STATUS.md is current and audit is clean on it; the hurried note is caught.
    assert run_govkit("render", "status", "--check", cwd=ws.root).returncode == 0
    assert run_govkit("audit", cwd=ws.root).returncode == 0
    notes = run_govkit("audit", "NOTES.md", cwd=ws.root)
    assert notes.returncode == 1 and "GK301" in notes.stdout
    assert "Where to look" in result.stdout


@pytest.mark.slow
def test_demo_refuses_an_existing_directory(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "precious.txt").write_text("keep me")
    refused = run_govkit("demo", str(target), cwd=tmp_path)
    assert refused.returncode == 2 and "already exists" in refused.stderr
    forced = run_govkit("demo", str(target), "--force", cwd=tmp_path)
    assert forced.returncode == 2 and "not made by govkit demo" in forced.stderr
    assert (target / "precious.txt").read_text() == "keep me"
