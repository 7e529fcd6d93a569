"""govkit audit: exit codes, formats, --strict, record evidence checks."""

from __future__ import annotations

import json

from click.testing import CliRunner

from govkit.audit import RULES, run_audit
from govkit.evidence.record import Counts
from govkit.records.model import Milestone, Resolution, Task
from govkit.records.store import save_record
from govkit.workspace import Workspace
from tests.audit.evidence import make_run, record_link
from tests.helpers import invoke, run_govkit


def _audit(runner: CliRunner, ws: Workspace, *args: str) -> tuple[int, str]:
    return invoke(runner, ws, "audit", *args)


def test_clean_workspace_exits_0(runner: CliRunner, ws: Workspace) -> None:
    run = make_run(ws, counts=Counts(passed=5), started_at="2099-01-01T00:00:00.000Z")
    (ws.root / "STATUS.md").write_text(f"Suite: {record_link(run, 'VG-CORE-001: 5 passed')}.\n")
    code, out = _audit(runner, ws)
    assert code == 0, out
    assert "0 error(s), 0 warning(s); 1 run(s), 1 document(s)" in out


def test_findings_exit_1_with_file_line_and_fix(runner: CliRunner, ws: Workspace) -> None:
    (ws.root / "notes.md").write_text("# Notes\n\nEverything is fine.\nAll tests pass.\n")
    code, out = _audit(runner, ws, str(ws.root / "notes.md"))
    assert code == 1
    assert "notes.md:4:1: error GK301 unanchored-claim" in out
    assert "    fix: link the run" in out


def test_bad_usage_exits_2(runner: CliRunner, ws: Workspace) -> None:
    code, out = _audit(runner, ws, str(ws.root / "missing.md"))
    assert code == 2 and "no such file" in out
    code, _ = _audit(runner, ws, "--format", "xml")
    assert code == 2


def test_warnings_pass_unless_strict(runner: CliRunner, ws: Workspace) -> None:
    run = make_run(ws, started_at="2020-01-01T00:00:00.000Z")
    (ws.root / "STATUS.md").write_text(f"- {record_link(run, 'VG-CORE-001: 12 passed')}\n")
    code, out = _audit(runner, ws)
    assert code == 0 and "warning GK401 stale-evidence-ttl" in out
    code, out = _audit(runner, ws, "--strict")
    assert code == 1 and "error GK401" in out


def test_json_and_sarif(runner: CliRunner, ws: Workspace) -> None:
    (ws.root / "STATUS.md").write_text("| a | b |\n|---|---|\n| x | all green |\n")
    code, out = _audit(runner, ws, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert data["findings"][0] | {"message": ""} == {
        "code": "GK301",
        "name": "unanchored-claim",
        "level": "error",
        "path": "STATUS.md",
        "line": 3,
        "column": 7,
        "message": "",
        "hint": RULES["GK301"].hint,
    }
    assert json.loads(_audit(runner, ws, "--json")[1]) == data
    code, out = _audit(runner, ws, "--format", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0" and sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    assert all(r["name"] and r["shortDescription"]["text"] for r in rules)
    (result,) = run["results"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "GK301"
    assert result["level"] == "error" and result["message"]["text"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc == {
        "artifactLocation": {"uri": "STATUS.md", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3, "startColumn": 7},
    }


def test_directories_are_searched_for_markdown(ws: Workspace) -> None:
    docs = ws.root / "docs" / "sub"
    docs.mkdir(parents=True)
    (docs / "a.md").write_text("No regression here.\n")
    (docs / "b.txt").write_text("No regression here.\n")
    report = run_audit(ws, [ws.root / "docs"])
    assert [(f.path, f.line, f.code) for f in report.findings] == [("docs/sub/a.md", 1, "GK301")]


def test_done_records_need_evidence(ws: Workspace) -> None:
    run = make_run(ws)
    with ws.lock():
        save_record(ws, Milestone(id="M1", status="complete", title="Build"))
        save_record(ws, Task(id="M1-T01", status="done", milestone="M1", evidence=(run.run_id,)))
        save_record(ws, Milestone(id="M2", status="complete", title="Empty"))
        save_record(ws, Task(id="M2-T01", status="done", milestone="M2"))
        save_record(ws, Task(id="M2-T02", status="done", milestone="M2", evidence=("notes.md",)))
        save_record(ws, Task(id="M2-T03", status="todo", milestone="M2"))
        save_record(
            ws,
            Resolution(id="R1", status="recorded", evidence=("evidence/x.md",), imported=True),
        )
        save_record(ws, Resolution(id="R2", status="recorded", evidence=("VG-CORE-001",)))
    found = {(f.path, f.code) for f in run_audit(ws).findings}
    assert found == {
        ("records/tasks/M2-T01.yaml", "GK501"),
        ("records/tasks/M2-T02.yaml", "GK502"),
        ("records/milestones/M2.yaml", "GK502"),
        ("records/resolutions/R1.yaml", "GK601"),
    }


def test_audit_as_a_process(ws: Workspace) -> None:
    (ws.root / "STATUS.md").write_text("CI is green.\n")
    proc = run_govkit("audit", cwd=ws.root)
    assert proc.returncode == 1
    assert "STATUS.md:1:1: error GK301" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_configured_claim_directories_are_searched(runner: CliRunner, ws: Workspace) -> None:
    # audit.claim_files may name a directory, as the command line may: its *.md are read.
    docs = ws.root / "docs" / "notes"
    docs.mkdir(parents=True)
    (docs / "week.md").write_text("# Week\n\nAll tests pass.\n")
    (docs / "data.txt").write_text("All tests pass.\n")  # not Markdown: not read
    text = ws.config_path.read_text().replace("claim_files: [STATUS.md]", "claim_files: [docs]")
    ws.config_path.write_text(text)
    code, out = _audit(runner, ws)
    assert code == 1, out
    assert "docs/notes/week.md:3:1: error GK301" in out
    assert "data.txt" not in out
