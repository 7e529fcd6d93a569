"""govkit handoff: the note filled from records since a point in time."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from govkit.cli import cli
from govkit.evidence.record import EvidenceRecord
from govkit.render.handoff import render_handoff
from govkit.render.sources import load_sources
from govkit.workspace import Workspace
from tests.helpers import git
from tests.render.golden import assert_golden
from tests.render.mdcheck import PARSER, assert_relative_links_resolve


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(ws.root), "handoff", *args])
    return result.exit_code, result.output


def test_since_date_lists_tasks_gates_evidence_risks_decisions_next(harbor: Workspace) -> None:
    out = harbor.root / "notes" / "HANDOFF.md"
    code, _ = run(harbor, "--since", "2026-11-17", "-o", str(out))
    assert code == 0
    text = out.read_text()
    PARSER.parse(text)
    assert "1. Completed task IDs: M2-T01\n" in text
    assert "2. Validation gates run: VG-CORE-001, VG-MESH-001, VG-PERF-001, VG-RELAY-002\n" in text
    assert "VG-RELAY-002: 3 runs (2 pass, 1 refused)" in text
    assert "3. Evidence created: 8 runs\n" in text
    assert "   - B1 (blocker, 2026-11-18 14:00Z, raj): mesh-io schema version is unpinned" in text
    assert "[D-002](../decisions/D-002-safe-run-admission.md) accepted 2026-11-18" in text
    assert (
        "6. Next task to start: M2-T02 (P0): Relay full suite green three times on canonical\n"
        "7. Learnings: L1\n" in text
    )
    assert "   - L1: Relay seam contract suite (2026-11-19 12:00Z, ana; tasks M2-T01)" in text
    assert "     - Files: `relay/seam.py`, `tests/test_seam.py`" in text
    # A run id in the verification links the run; a command stays a command.
    assert "     - Verified by: [VG-RELAY-002: 436 passed](../evidence/runs/2026-11-19/" in text
    assert "; `make contract-check`" in text
    assert "     - Next: pin the mesh-io schema (M2-T03)" in text
    assert "   - M2-T01: Define the relay seam contract (done 2026-11-17 10:00Z, ana)" in text
    assert assert_relative_links_resolve(text, out.parent) >= 12


def test_json_has_the_same_facts(harbor: Workspace) -> None:
    code, out = run(harbor, "--since", "2026-11-19", "--json")
    assert code == 0
    data = json.loads(out)
    assert [g["id"] for g in data["gates"]] == ["VG-MESH-001", "VG-RELAY-002"]
    assert len(data["evidence"]) == 3 and data["evidence_more"] == 0
    assert data["next_task"]["id"] == "M2-T02"
    assert data["completed"] == [] and data["path"] is None


def test_since_run_id_excludes_that_run(
    harbor: Workspace, harbor_runs: dict[str, EvidenceRecord]
) -> None:
    code, out = run(harbor, "--since", harbor_runs["relay-5"].run_id, "--json")
    assert code == 0
    data = json.loads(out)
    assert [e["text"] for e in data["evidence"]] == [harbor_runs["mesh-3"].run_id]


def test_since_git_ref_uses_the_commit_time(harbor: Workspace) -> None:
    git(harbor.root, "init", "-q", "-b", "main")
    git(harbor.root, "add", "-A")
    env_date = "2026-11-19T10:45:00+00:00"
    import os
    import subprocess

    subprocess.run(
        ["git", "-C", str(harbor.root), "commit", "-q", "-m", "snapshot"],
        check=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@x.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@x.invalid",
            "GIT_COMMITTER_DATE": env_date,
            "GIT_AUTHOR_DATE": env_date,
            "HOME": str(harbor.root),
        },
    )
    code, out = run(harbor, "--since", "HEAD", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["since"] == "2026-11-19T10:45:00.000Z"
    assert [g["id"] for g in data["gates"]] == ["VG-MESH-001", "VG-RELAY-002"]


def test_bad_since_is_a_clean_error(harbor: Workspace) -> None:
    code, out = run(harbor, "--since", "no-such-thing")
    assert code == 2 and "is not a date, a run id or a git ref" in out


def test_default_since_is_the_last_saved_note(harbor: Workspace) -> None:
    code, out = run(harbor, "--json")
    assert json.loads(out)["since"] == "2026-11-13T08:00:00.000Z"  # 7 days before the latest change
    code, out = run(harbor, "--save")
    assert code == 0
    saved = harbor.evidence_dir / "handoffs" / "20261120T080000Z.md"
    assert saved.is_file() and str(saved) in out
    data = json.loads(run(harbor, "--json")[1])
    assert data["since_label"] == "the last handoff note (2026-11-20 08:00Z)"
    assert data["gates"] == [] and data["evidence"] == []


def test_golden_handoff(harbor: Workspace) -> None:
    text, _ = render_handoff(load_sources(harbor), harbor.root / "HANDOFF.md", since="2026-11-16")
    assert_golden("handoff.md", text)


def test_stdout_when_no_output(harbor: Workspace, tmp_path: Path) -> None:
    code, out = run(harbor, "--since", "2026-11-20")
    assert code == 0 and out.startswith("# Session Handoff: harbor")
    assert not (harbor.root / "HANDOFF.md").exists()
