"""govkit check: every problem found, with file, line, code and hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit import decisions as dec
from govkit.check import check_workspace
from govkit.cli import cli
from govkit.records import ops
from govkit.workspace import Workspace
from tests.helpers import git


def codes(ws: Workspace) -> set[tuple[str, str, int | None]]:
    return {(p.code, p.file, p.line) for p in check_workspace(ws).problems}


def populated(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1", {"title": "Build"})
    ops.add_record(ws, "task", "M1-T01", {"title": "Fix"})
    ops.add_record(ws, "finding", "F1", {"title": "Broken", "milestone": "M1"})
    ops.resolve_finding(ws, "F1", ["M1-T01"])
    ops.add_record(ws, "blocker", "B5", {"impact": "OOM"})
    ops.add_record(ws, "consumer", "loop-agent", {"readiness": "medium"})
    d = dec.new_decision(ws, "Safe mode")
    dec.accept_decision(ws, d.id)
    ops.add_record(ws, "resolution", "R1", {"resolves": ["F1", "D-001"]})
    ops.queue_add(ws, "M1-T01", priority="P0", description="next")


def test_fresh_and_populated_workspaces_are_clean(ws: Workspace) -> None:
    assert check_workspace(ws).ok
    populated(ws)
    report = check_workspace(ws)
    assert report.problems == []
    assert report.counts["tasks"] == 1 and report.counts["decisions"] == 1


def test_all_problems_collected(ws: Workspace) -> None:
    populated(ws)
    r = ws.records_dir
    (r / "tasks" / "M1-T02.yaml").write_text(
        "id: M1-T02\nmilestone: M9\nstatus: nope\nbogus: 1\ntitle: [a, b]\n"
    )
    (r / "milestones" / "M3.yaml").write_text("id: M3\ntitle: 'unclosed\n")
    (r / "milestones" / "M4.yaml").write_text("id: M5\n")
    (r / "findings" / "F2.yaml").write_text("id: F2\nresolved_by: [M1-T09]\nmilestone: M4/M7\n")
    (r / "blockers" / "M1.yaml").write_text("id: M1\n")  # same id as a milestone
    (r / "resolutions" / "R2.yaml").write_text("id: R2\nresolves: [D-404]\n")
    (r / "consumers" / "bad..name.yaml").write_text("id: bad..name\n")
    (r / "queue.yaml").write_text("- id: Gone\n  priority: soon\n")
    (r / "tasks" / "M1-T05.yml").write_text("id: M1-T05\n")
    found = codes(ws)
    expected = {
        ("dangling-ref", "records/tasks/M1-T02.yaml", 2),
        ("unknown-status", "records/tasks/M1-T02.yaml", 3),
        ("schema", "records/tasks/M1-T02.yaml", 4),
        ("schema", "records/tasks/M1-T02.yaml", 5),
        ("filename-mismatch", "records/milestones/M4.yaml", 1),
        ("dangling-ref", "records/findings/F2.yaml", 2),
        ("dangling-ref", "records/findings/F2.yaml", 3),
        ("duplicate-id", "records/blockers/M1.yaml", 1),
        ("dangling-ref", "records/resolutions/R2.yaml", 2),
        ("bad-id", "records/consumers/bad..name.yaml", 1),
        ("dangling-ref", "records/queue.yaml", 1),
        ("schema", "records/queue.yaml", 1),
        ("stray-file", "records/tasks/M1-T05.yml", None),
    }
    assert expected <= found, expected - found
    yaml_errors = [p for p in check_workspace(ws).problems if p.code == "yaml"]
    assert len(yaml_errors) == 1 and yaml_errors[0].file == "records/milestones/M3.yaml"
    assert (
        yaml_errors[0].line and yaml_errors[0].column and "malformed YAML" in yaml_errors[0].message
    )
    assert all(p.hint for p in check_workspace(ws).problems if p.code == "unknown-status")


def test_decision_problems(ws: Workspace) -> None:
    populated(ws)
    d = ws.decisions_dir
    (d / "D-001-other.md").write_text("---\nid: D-001\ntitle: Other\nstatus: accepted\n---\n")
    (d / "D-002-x.md").write_text(
        "---\nid: D-002\ntitle: X\nstatus: superseded\nsupersedes: [D-001]\n---\n"
    )
    (d / "D-003-y.md").write_text("---\nid: D-004\ntitle: Y\nstatus: maybe\n---\n")
    (d / "proposed-z.md").write_text("---\nid: proposed-z\ntitle: Z\nstatus: accepted\n---\n")
    found = codes(ws)
    assert ("duplicate-id", "decisions/D-001-safe-mode.md", 2) in found
    assert ("one-sided", "decisions/D-002-x.md", 5) in found
    assert ("schema", "decisions/D-002-x.md", 4) in found  # superseded without superseded_by
    assert ("filename-mismatch", "decisions/D-003-y.md", 2) in found
    assert ("unknown-status", "decisions/D-003-y.md", 4) in found
    assert ("bad-id", "decisions/proposed-z.md", 4) in found
    # an accept cut short between writing D-NNN and removing the proposal
    (d / "proposed-safe-mode.md").write_text("---\nid: proposed-safe-mode\ntitle: S\n---\n")
    assert ("duplicate-slug", "decisions/proposed-safe-mode.md", 2) in codes(ws)


def test_config_problems(ws: Workspace) -> None:
    ws.config_path.write_text(
        "program: p\nrepos:\n  core: ../core\ntuples:\n  canonical: {core: abc, ghost: def}\n"
        "gates:\n  VG-A-001:\n    repo: nowhere\n    argv: [pytest]\n    tuple: candidate\n"
    )
    found = codes(ws)
    assert ("config", "govkit.yaml", 8) in found  # unknown repo
    assert ("config", "govkit.yaml", 10) in found  # unknown tuple
    assert ("config", "govkit.yaml", 5) in found  # tuple pins unknown repo
    ws.config_path.write_text(
        "program: p\nsafe_mode:\n  heavy_slots: many\ngates:\n"
        "  VG-A-001:\n    repo: core\n    parser: nose\n    argv: [x]\n"
        "  VG-A-002:\n    repo: core\n    timeout: forever\n    argv: [x]\n"
    )
    lines = sorted(p.line or 0 for p in check_workspace(ws).problems if p.code == "config")
    assert lines == [3, 7, 11]  # every section's error, not only the first
    ws.config_path.write_text("program: p\nrepos: [\n")
    problems = check_workspace(ws).problems
    assert [p.code for p in problems] == ["config"] and problems[0].line is not None


def test_temp_files_are_notes_not_problems(ws: Workspace) -> None:
    populated(ws)
    (ws.records_dir / "tasks" / ".M1-T01.yaml.x1.tmp").write_text("id: M1-T")
    report = check_workspace(ws)
    assert report.ok
    assert any(".M1-T01.yaml.x1.tmp" in n for n in report.notes)


@pytest.mark.slow
def test_duplicate_decision_numbers_after_a_real_merge(tmp_path: Path) -> None:
    from govkit.workspace import init_workspace

    ws = init_workspace(tmp_path / "prog", name="p")
    git(ws.root, "init", "-q", "-b", "main")
    git(ws.root, "add", "-A")
    git(ws.root, "commit", "-qm", "init")
    for branch, title in (("a", "Use flock"), ("b", "Use atomic rename")):
        git(ws.root, "checkout", "-q", "-b", branch, "main")
        dec.new_decision(ws, title)
        git(ws.root, "add", "-A")
        git(ws.root, "commit", "-qm", f"propose {title}")
    # Proposals on two branches merge cleanly: placeholder ids are slugs, not numbers.
    git(ws.root, "checkout", "-q", "main")
    git(ws.root, "merge", "-q", "--no-edit", "a")
    git(ws.root, "merge", "-q", "--no-edit", "b")
    assert check_workspace(ws).ok
    assert len(dec.load_decisions(ws)) == 2
    # Accepting on each branch takes D-001 twice; the merged tree has a duplicate.
    for branch, slug in (("a", "use-flock"), ("b", "use-atomic-rename")):
        git(ws.root, "checkout", "-q", branch)
        dec.accept_decision(ws, slug)
        git(ws.root, "add", "-A")
        git(ws.root, "commit", "-qm", f"accept {slug}")
    git(ws.root, "checkout", "-q", "-b", "merged", "a")
    git(ws.root, "merge", "-q", "--no-edit", "b")
    problems = check_workspace(ws).problems
    assert [(p.code, p.file) for p in problems] == [
        ("duplicate-id", "decisions/D-001-use-flock.md")
    ]


def test_cli_exit_codes(runner: CliRunner, ws: Workspace) -> None:
    result = runner.invoke(cli, ["-C", str(ws.root), "check"])
    assert result.exit_code == 0 and "no problems" in result.output
    (ws.records_dir / "tasks" / "M1-T01.yaml").write_text("id: M1-T01\nmilestone: M1\n")
    result = runner.invoke(cli, ["-C", str(ws.root), "check"])
    assert result.exit_code == 1
    assert "records/tasks/M1-T01.yaml:2: dangling-ref" in result.output
    result = runner.invoke(cli, ["-C", str(ws.root), "check", "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["ok"] is False
    assert set(data["problems"][0]) == {"code", "file", "line", "column", "message", "hint"}
