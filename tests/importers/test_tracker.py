"""govkit import tracker: a hand-written tracker becomes imported records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.audit import run_audit
from govkit.check import check_workspace
from govkit.cli import cli
from govkit.decisions import load_decisions
from govkit.importers.tracker import decision_ids, import_tracker, task_ids
from govkit.records.model import Blocker, Consumer, Finding, Milestone, Resolution, Task
from govkit.records.store import load_all, load_queue, save_record
from govkit.workspace import Workspace

FIXTURE = Path(__file__).parent / "fixtures" / "tracker.md"


def test_ranges_expand() -> None:
    assert task_ids("M1-T01 through M1-T03 and M2-T08..M2-T10, M4-T2") == [
        "M1-T01",
        "M1-T02",
        "M1-T03",
        "M2-T08",
        "M2-T09",
        "M2-T10",
        "M4-T2",
    ]
    assert decision_ids("D-001 through D-003; D-14/D-015") == [
        "D-001",
        "D-002",
        "D-003",
        "D-014",
        "D-015",
    ]


@pytest.mark.slow
def test_import_creates_records(ws: Workspace) -> None:
    report = import_tracker(ws, FIXTURE)
    assert report.problems == ()
    rs = load_all(ws)
    m0, m1, m2, m3 = rs.kind("milestone")
    assert isinstance(m1, Milestone)
    assert (m1.id, m1.title, m1.status, m1.imported) == ("M1", "Image pipeline", "complete", True)
    assert m1.notes.endswith("(imported status: Done)")
    assert [m.status for m in (m0, m2, m3)] == ["complete", "active", "planned"]
    tasks = {t.id: t for t in rs.kind("task")}
    assert set(tasks) == {"M1-T01", "M1-T02", "M1-T03", "M2-T01", "M2-T02", "Ops-Nightly"}
    assert tasks["Ops-Nightly"].title.startswith("Re-run the nightly matrix")
    t = tasks["M1-T02"]
    assert isinstance(t, Task) and t.status == "done" and t.milestone == "M1"
    assert "evidence/2026-10-01/M1/M1-T02-summary.md" in t.evidence
    assert tasks["M2-T01"].status == "todo"
    f1, f2 = rs.kind("finding")
    assert isinstance(f1, Finding) and f1.status == "resolved" and f1.resolved_by == ("M1-T02",)
    assert f2.status == "open"
    (b1,) = rs.kind("blocker")
    assert isinstance(b1, Blocker) and b1.exit_condition.startswith("Dedicated runner")
    r2 = rs.get("R2")
    assert isinstance(r2, Resolution)
    assert r2.evidence == ("evidence/2026-10-01/M0/schema-gate.md", "VG-IMG-SCHEMA-001")
    consumers = {c.id: c for c in rs.kind("consumer")}
    assert isinstance(consumers["thumbnailer"], Consumer)
    assert consumers["thumbnailer"].readiness == "high"
    assert [(q.priority, q.id) for q in load_queue(ws)] == [("P0", "M2-T01"), ("P1", "Ops-Nightly")]
    decisions = {d.id: d for d in load_decisions(ws)}
    assert set(decisions) == {"D-101", "D-102", "D-103", "D-104", "D-105"}
    assert decisions["D-101"].status == "accepted" and decisions["D-101"].imported
    assert decisions["D-104"].status == "proposed"
    assert "Tracked for M2" in decisions["D-104"].body
    ws.reload()
    assert ws.config.safe_mode.mode.startswith("Serialized heavy jobs")
    assert ws.config.safe_mode.control_docs == ("PLAYBOOK.md", "ROSTER.md")
    assert any("guarded_run.sh" in n for n in ws.config.safe_mode.notes)
    # What the import wrote is a valid workspace: ids, references, queue.
    report = check_workspace(ws)
    assert report.ok, report.problems


@pytest.mark.slow
def test_import_is_idempotent_and_keeps_edits(ws: Workspace) -> None:
    first = import_tracker(ws, FIXTURE)
    assert len(first.created) > 20 and not first.skipped
    with ws.lock():
        save_record(ws, Blocker(id="B1", status="resolved", title="edited by hand", imported=True))
    second = import_tracker(ws, FIXTURE)
    assert second.created == []
    reasons = {(i.kind, i.id): i.reason for i in second.skipped}
    assert reasons[("blocker", "B1")].startswith("changed since import")
    assert reasons[("milestone", "M1")] == "already imported"
    assert reasons[("config", "safe_mode")] == "govkit.yaml already customised"
    blocker = load_all(ws).get("B1")
    assert blocker is not None and blocker.status == "resolved"


def test_dry_run_writes_nothing(ws: Workspace) -> None:
    before = sorted(p.relative_to(ws.root) for p in ws.root.rglob("*") if ".govkit" not in p.parts)
    config = ws.config_path.read_text()
    report = import_tracker(ws, FIXTURE, dry_run=True)
    assert report.created
    after = sorted(p.relative_to(ws.root) for p in ws.root.rglob("*") if ".govkit" not in p.parts)
    assert after == before and ws.config_path.read_text() == config


@pytest.mark.slow
def test_audit_reports_imported_claims_as_unverified(ws: Workspace) -> None:
    import_tracker(ws, FIXTURE)
    found = {(f.code, f.path) for f in run_audit(ws).findings}
    assert ("GK601", "records/resolutions/R1.yaml") in found
    assert ("GK601", "records/milestones/M1.yaml") in found
    # M0 is complete but the tracker cites nothing for it.
    assert ("GK501", "records/milestones/M0.yaml") in found


@pytest.mark.slow
def test_cli_prints_created_and_skipped(runner: CliRunner, ws: Workspace) -> None:
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "tracker", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "created milestone M1 (records/milestones/M1.yaml)" in result.output
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "tracker", str(FIXTURE), "--json"])
    data = json.loads(result.output)
    assert data["created"] == [] and data["dry_run"] is False
    skipped = {(i["kind"], i["id"]): i["reason"] for i in data["skipped"]}
    assert skipped[("task", "M1-T01")] == "already imported"
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "tracker", "nope.md"])
    assert result.exit_code == 2 and "no such tracker file" in result.output


@pytest.mark.slow
def test_imported_tracker_renders(runner: CliRunner, ws: Workspace) -> None:
    import_tracker(ws, FIXTURE)
    result = runner.invoke(cli, ["-C", str(ws.root), "render", "status"])
    assert result.exit_code == 0, result.output
    status = (ws.root / "STATUS.md").read_text()
    for text in ("M1", "Image pipeline", "B1", "Dedicated runner", "R2", "thumbnailer", "D-101"):
        assert text in status, text
    assert "Wire colour profiles through the exporter" in status
    # The rendered tracker is audited like any claim file: imported claims stay unverified.
    codes = {f.code for f in run_audit(ws).findings}
    assert "GK601" in codes


# A process that dies mid-import, as under SIGKILL: os._exit skips every cleanup (no
# finally, no atexit), after the fifth record is written.
_DIES_MIDWAY = """
import os, runpy, sys
from pathlib import Path
from govkit.records import store
real, written = store.save_record, []
def dying(ws, record):
    if ws.root == ROOT:  # not the import's scratch copy: the workspace itself
        if len(written) == 5:
            os._exit(137)
        written.append(record.id)
    return real(ws, record)
store.save_record = dying
ROOT = Path(sys.argv[1]).resolve()
sys.argv = ["govkit", "-C", sys.argv[1], "import", "tracker", sys.argv[2]]
runpy.run_module("govkit", run_name="__main__")
"""


@pytest.mark.slow
def test_an_import_killed_midway_completes_when_run_again(ws: Workspace, tmp_path: Path) -> None:
    import subprocess
    import sys

    from govkit.workspace import init_workspace

    died = subprocess.run(
        [sys.executable, "-c", _DIES_MIDWAY, str(ws.root), str(FIXTURE)], capture_output=True
    )
    assert died.returncode == 137, died.stderr
    assert (
        sum(map(len, load_all(ws).by_kind.values())) == 5
    )  # each record written whole, the rest not at all
    again = subprocess.run(
        [sys.executable, "-m", "govkit", "-C", str(ws.root), "import", "tracker", str(FIXTURE)],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    fresh = init_workspace(tmp_path / "fresh", name="test-program")
    import_tracker(fresh, FIXTURE)

    def marks(w: Workspace) -> set[tuple[str, str, str]]:
        return {(r.kind, r.id, r.status) for rs in load_all(w).by_kind.values() for r in rs}

    assert marks(ws) == marks(fresh), marks(ws) ^ marks(fresh)
    assert len(marks(ws)) > 15
    assert [d.id for d in load_decisions(ws)] == [d.id for d in load_decisions(fresh)]
    assert load_all(ws).queue == load_all(fresh).queue
    assert check_workspace(ws).problems == []
