"""govkit render status: content, links, determinism, --check, golden file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.evidence.record import Counts, EvidenceRecord, Outcome
from govkit.records.model import Task
from govkit.records.store import load_record, save_record
from govkit.render.sources import load_sources
from govkit.render.status import milestone_note, render_status
from govkit.workspace import Workspace
from tests.render.fixture import OLD_CORE, make_run
from tests.render.golden import assert_golden
from tests.render.mdcheck import assert_relative_links_resolve, links, table_after, tables

EXPECTED_COLUMNS = {
    "Milestone Board": ["Milestone", "Status", "Notes"],
    "Baseline Findings": ["ID", "Finding", "Status", "Evidence Summary", "Milestone"],
    "Active Blockers": ["ID", "Blocker", "Impact", "Exit Condition"],
    "Resolved Since 2026-11-06": ["ID", "Blocker", "Resolution", "Resolved (UTC)", "Conditions"],
    "Resolved": ["ID", "Resolution", "Evidence"],
    "Top Priority Queue (Next 3 Tasks)": ["Priority", "Task ID", "Description", "Status"],
    "Owners and Lanes": ["Lane", "Owner", "Tasks", "Findings", "Blockers"],
    "Consumer Readiness Snapshot": ["Consumer", "Coupling Type", "Readiness", "Principal Risk"],
    "Validation Gates": [
        "Gate",
        "Title",
        "Outcome",
        "Latest Run",
        "Commit",
        "Started (UTC)",
        "Streak",
    ],
    "Decision Index": ["ID", "Title", "Status", "Date", "Relations"],
}


def render(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(ws.root), "render", "status", *args])
    return result.exit_code, result.output


def test_every_section_and_table_has_the_expected_columns(harbor: Workspace) -> None:
    code, _ = render(harbor)
    assert code == 0
    text = (harbor.root / "STATUS.md").read_text()
    for heading, columns in EXPECTED_COLUMNS.items():
        assert table_after(text, heading).header == columns, heading
    # Validation Gates holds two tables: required gates, then advisory ones.
    assert len(tables(text)) == len(EXPECTED_COLUMNS) + 1
    assert "## Execution Mode" in text and "## Session Handoff Template" in text
    assert "- Mode: Safe mode: one heavy suite at a time behind memory admission" in text
    assert "Last updated: 2026-11-20" in text


def test_every_relative_link_resolves_and_claims_cite_record_json(
    harbor: Workspace, harbor_runs: dict[str, EvidenceRecord]
) -> None:
    render(harbor)
    text = (harbor.root / "STATUS.md").read_text()
    assert assert_relative_links_resolve(text, harbor.root) >= 10
    claims = [link for link in links(text) if link.href.endswith("record.json")]
    # A claim's link text carries the counts of the run it points at.
    for link in claims:
        rec = EvidenceRecord.load(harbor.root / link.href)
        summary = rec.counts.summary() if rec.counts else rec.outcome.value
        assert link.text == f"{rec.gate_id}: {summary}"
    core_1 = harbor_runs["core-1"]
    assert any(c.href.endswith(f"{core_1.run_id}/record.json") for c in claims)


def gate_tables(text: str) -> list[dict[str, list[str]]]:
    """The tables of the Validation Gates section, each as gate id -> row."""
    section = text.split("\n## Validation Gates\n", 1)[1].split("\n## ", 1)[0]
    return [{r[0]: r for r in t.rows} for t in tables(section)]


def test_gate_table_shows_latest_run_commit_time_and_streak(harbor: Workspace) -> None:
    render(harbor)
    rows = {
        k: v for t in gate_tables((harbor.root / "STATUS.md").read_text()) for k, v in t.items()
    }
    core = rows["VG-CORE-001"]
    assert core[2] == "pass"
    assert core[3].startswith("[VG-CORE-001: 216 passed, 3 skipped](evidence/runs/2026-11-18/")
    assert core[4] == "corelib@3c1f9a7"
    assert core[5] == "2026-11-18 09:00Z"
    assert core[6] == "3 on canonical"  # the fail on 11-09 reset it
    # A refused run neither counts nor resets; a timeout before the passes resets.
    assert rows["VG-RELAY-002"][6] == "2 on canonical"
    # Claims rest on claim-grade runs: the newer worktree run is named, not cited.
    assert rows["VG-MESH-001"][2] == "pass; newer run not claim-grade: pass"
    assert rows["VG-MESH-001"][3].startswith("[VG-MESH-001: 1 passed](evidence/runs/2026-11-19/")
    assert rows["VG-MESH-001"][6] == "1 on canonical"
    assert rows["VG-DOCS-001"][2:] == ["no runs yet", "—", "—", "—", "—"]


def test_resolved_rows_link_evidence_with_verdict_sha_and_time(harbor: Workspace) -> None:
    render(harbor)
    rows = {r[0]: r for r in table_after((harbor.root / "STATUS.md").read_text(), "Resolved").rows}
    assert re.fullmatch(
        r"\[VG-CORE-001: 212 passed, 3 skipped\]\(evidence/runs/2026-11-03/\S+/record\.json\) "
        r"\(pass, corelib@3c1f9a7, 2026-11-03 11:30Z\)",
        rows["R1"][2],
    )
    # A gate id cites that gate's latest run when the resolution was recorded.
    assert "VG-RELAY-002: 436 passed](evidence/runs/2026-11-17/" in rows["R2"][2]
    assert "[docs/relay-seam.md](docs/relay-seam.md)" in rows["R2"][2]


def test_milestone_notes_are_derived_from_tasks(harbor: Workspace) -> None:
    render(harbor)
    rows = {
        r[0]: r
        for r in table_after((harbor.root / "STATUS.md").read_text(), "Milestone Board").rows
    }
    assert rows["M1 Core build health"][2] == "M1-T01 through M1-T03 complete"
    assert rows["M2 Consumer contracts"][2] == (
        "1 of 4 tasks done; M2-T03 blocked; M2-T02 in progress; relay seam first"
    )
    assert rows["M3 Performance budget"][2] == "no tasks yet"


def test_milestone_note_single_task() -> None:
    from govkit.records.model import Milestone

    m = Milestone(id="M9", status="active")
    assert (
        milestone_note(m, [Task(id="M9-T01", status="done", milestone="M9")]) == "M9-T01 complete"
    )


def test_table_cells_escape_pipes(harbor: Workspace) -> None:
    render(harbor)
    rows = {
        r[0]: r
        for r in table_after((harbor.root / "STATUS.md").read_text(), "Baseline Findings").rows
    }
    # The escaped pipe stays inside its cell: the row still has five cells.
    assert rows["F2"][3] == "vendored copy lags the canonical tuple | by two releases"
    assert len(rows["F2"]) == 5


def test_render_is_byte_identical_twice_and_check_passes(harbor: Workspace) -> None:
    assert render(harbor)[0] == 0
    first = (harbor.root / "STATUS.md").read_bytes()
    code, out = render(harbor)
    assert code == 0 and "unchanged" in out
    assert (harbor.root / "STATUS.md").read_bytes() == first
    assert render(harbor, "--check") == (0, "")


def test_check_fails_after_one_record_changes(harbor: Workspace) -> None:
    render(harbor)
    task = load_record(harbor, "task", "M2-T04")
    assert isinstance(task, Task)
    with harbor.lock():
        save_record(
            harbor,
            Task(**{**task.__dict__, "status": "done", "updated": "2026-11-21T10:00:00.000Z"}),
        )
    code, out = render(harbor, "--check")
    assert code == 1
    assert "+| P2 | M2-T04 | Script the cross-repo compatibility run | Done |" in out
    assert "-Last updated: 2026-11-20" in out and "+Last updated: 2026-11-21" in out


def test_check_fails_when_a_new_run_lands(harbor: Workspace) -> None:
    render(harbor)
    make_run(
        harbor,
        "core-6",
        "VG-CORE-001",
        "2026-11-20T09:00:00.000Z",
        Outcome.FAIL,
        counts=Counts(passed=215, failed=1, skipped=3),
    )
    code, _ = render(harbor, "--check")
    assert code == 1


def test_as_of_sets_the_date_and_rejects_garbage(harbor: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out" / "S.md"
    out.parent.mkdir()
    assert render(harbor, "-o", str(out), "--as-of", "2026-12-01")[0] == 0
    text = out.read_text()
    assert "Last updated: 2026-12-01" in text
    # Links are relative to the output file's directory, wherever that is.
    assert assert_relative_links_resolve(text, out.parent) >= 10
    code, output = render(harbor, "--as-of", "yesterday")
    assert code == 2 and "is not a date" in output


def test_empty_workspace_renders(ws: Workspace) -> None:
    text = render_status(load_sources(ws), ws.root / "STATUS.md")
    assert "Last updated: never" in text
    assert "No active blockers." in text
    for t in tables(text):
        assert t.rows == [] or t.header[0] == "Gate"


def test_golden_status(harbor: Workspace) -> None:
    text = render_status(load_sources(harbor), harbor.root / "STATUS.md")
    assert_golden("status.md", text)


def test_streak_is_labelled_with_the_tuples_that_pin_those_commits(harbor: Workspace) -> None:
    # A run made under the name "candidate" at exactly canonical's commits (as after a
    # promotion) continues canonical's streak and is labelled by what pins it now.
    make_run(
        harbor,
        "core-cand",
        "VG-CORE-001",
        "2026-11-20T12:00:00.000Z",
        Outcome.PASS,
        counts=Counts(passed=216, skipped=3),
        tuple_name="candidate",
    )
    render(harbor)
    rows = {
        r[0]: r
        for r in table_after((harbor.root / "STATUS.md").read_text(), "Validation Gates").rows
    }
    assert rows["VG-CORE-001"][6] == "4 on canonical"
    make_run(
        harbor,
        "core-old",
        "VG-CORE-001",
        "2026-11-20T13:00:00.000Z",
        Outcome.PASS,
        counts=Counts(passed=200),
        tuple_name="candidate",
        core=OLD_CORE,
    )
    render(harbor)
    rows = {
        r[0]: r
        for r in table_after((harbor.root / "STATUS.md").read_text(), "Validation Gates").rows
    }
    assert rows["VG-CORE-001"][6] == "1 on candidate"


@pytest.mark.slow
def test_blocker_conditions_resolved_window_and_gate_commands(harbor: Workspace) -> None:
    render(harbor)
    text = (harbor.root / "STATUS.md").read_text()
    assert "- B1 met: `task M2-T01 done` (M2-T01 is done)" in text
    assert "- B1 unmet: `gate VG-MESH-001 passes 2 on canonical` (0 of 2" in text
    resolved = table_after(text, "Resolved Since 2026-11-06")
    assert [r[0] for r in resolved.rows] == ["B2"]
    assert resolved.rows[0][4] == "conditions met: finding F1 resolved (F1 is resolved)"
    required, advisory = gate_tables(text)
    assert list(required) == ["VG-CORE-001", "VG-RELAY-002"]
    assert list(advisory) == ["VG-DOCS-001", "VG-MESH-001", "VG-PERF-001"]
    assert (
        "- VG-CORE-001: `python -m pytest -q` in `.`; artifacts: [artifacts/reports/junit.xml]("
        "evidence/runs/2026-11-18/" in text
    )
    # A shorter window lets the resolution fall off the page, and the heading says from when.
    with harbor.edit_config() as cfg:
        cfg["status"] = {"resolved_window": "12h"}
    render(harbor)
    text = (harbor.root / "STATUS.md").read_text()
    assert "## Resolved Since" not in text  # nothing resolved in the window: no section


def test_a_bad_resolved_window_names_the_key(harbor: Workspace) -> None:
    with open(harbor.config_path, "a") as fh:
        fh.write("status:\n  resolved_window: soon\n")
    code, out = render(harbor)
    assert code != 0 and "govkit.yaml" in out and "status.resolved_window" in out


def test_owners_and_lanes_table_groups_open_work(harbor: Workspace) -> None:
    render(harbor)
    lanes = table_after((harbor.root / "STATUS.md").read_text(), "Owners and Lanes")
    assert lanes.rows == [
        ["compat", "—", "M2-T04", "—", "—"],
        ["mesh", "raj", "M2-T03", "—", "B1"],
        ["relay", "ana", "M2-T02", "F2", "—"],  # M2-T01 is done: not open work
    ]
