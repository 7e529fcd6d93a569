"""The import corpus: trackers and ADR folders in many shapes, each with its expected marks.

tests/importers/corpus/expected.yaml says, per document, which records a careful reader
finds and in which state; every import must yield exactly those, pass `govkit check`,
keep the document's date, and change nothing when run again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from govkit import yamlio
from govkit.check import check_workspace
from govkit.cli import cli
from govkit.decisions import load_decisions
from govkit.importers.adr import import_adr
from govkit.importers.tracker import import_tracker
from govkit.records.model import PLURALS
from govkit.records.store import load_all
from govkit.workspace import Workspace

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, Any] = yamlio.load_plain(CORPUS / "expected.yaml")
TRACKERS = sorted(EXPECTED["trackers"])
ADR_FOLDERS = sorted(EXPECTED["adr"])


def _files(ws: Workspace) -> dict[str, bytes]:
    """Every file an import may write, with its bytes."""
    out = {"govkit.yaml": ws.config_path.read_bytes()}
    for d in (ws.records_dir, ws.decisions_dir):
        for p in sorted(d.rglob("*")) if d.is_dir() else ():
            if p.is_file():
                out[ws.rel(p)] = p.read_bytes()
    return out


def _found(ws: Workspace) -> dict[str, Any]:
    rs = load_all(ws)
    out: dict[str, Any] = {
        kind: {r.id: r.status for r in rs.kind(kind)} for kind in PLURALS if rs.kind(kind)
    }
    if rs.queue:
        out["queue"] = [q.id for q in rs.queue]
    decisions = {d.id: d.status for d in load_decisions(ws)}
    if decisions:
        out["decision"] = decisions
    return out


@pytest.mark.parametrize("name", TRACKERS)
def test_tracker_corpus(name: str, ws: Workspace, runner: CliRunner) -> None:
    expected = dict(EXPECTED["trackers"][name])
    refused = expected.pop("refused", False)
    date = expected.pop("date")
    path = CORPUS / "trackers" / name
    before = _files(ws)
    first = import_tracker(ws, path)
    assert first.refused == refused, first.problems
    if refused:
        # A section that looks like records but yields none: named, and nothing written.
        assert first.problems and all(p.startswith(f"{path.name}:") for p in first.problems)
        assert _files(ws) == before
        first = import_tracker(ws, path, allow_partial=True)
        assert not first.refused
    assert _found(ws) == expected
    # Every table, list and heading of the document is accounted for, with its line.
    assert first.blocks and all(b.line > 0 for b in first.blocks)
    report = check_workspace(ws)
    assert report.ok, report.problems
    written = _files(ws)
    again = import_tracker(ws, path, allow_partial=True)
    assert again.created == [] and _files(ws) == written
    # The tracker's own date survives: render status shows it, not the day of the import.
    result = runner.invoke(cli, ["-C", str(ws.root), "render", "status"])
    assert result.exit_code == 0, result.output
    assert f"Last updated: {date}" in (ws.root / "STATUS.md").read_text()


@pytest.mark.parametrize("name", ADR_FOLDERS)
def test_adr_corpus(name: str, ws: Workspace) -> None:
    expected = dict(EXPECTED["adr"][name])
    refused = expected.pop("refused", False)
    folder = (CORPUS / "adr" / name).resolve()
    first = import_adr(ws, folder)
    assert first.refused == refused, first.problems
    if refused:
        assert load_decisions(ws) == []
        first = import_adr(ws, folder, allow_partial=True)
    assert {d.id: d.status for d in load_decisions(ws)} == expected
    report = check_workspace(ws)
    assert report.ok, report.problems
    written = _files(ws)
    again = import_adr(ws, folder, allow_partial=True)
    assert again.created == [] and _files(ws) == written


def test_reordered_tracker_details(ws: Workspace) -> None:
    import_tracker(ws, CORPUS / "trackers" / "01-reordered-bold.md")
    rs = load_all(ws)
    m0 = rs.get("M0")
    assert m0 is not None and getattr(m0, "title", "") == "Bootstrap"
    assert m0.created == "2026-04-14T00:00:00.000Z" and m0.imported and m0.imported_at
    f1, f2 = rs.get("F1"), rs.get("F2")
    assert getattr(f1, "resolved_by", ()) == ("M1-T02",)
    assert f2 is not None and f2.status == "resolved"
    assert getattr(f2, "evidence_summary", "") == "mitigated by D-004"
    # A resolution's date is the date of its evidence path.
    r2 = rs.get("R2")
    assert r2 is not None and r2.created.startswith("2026-04-12")
    assert [(q.priority, q.id) for q in rs.queue] == [("P0", "M2-T02"), ("P1", "M2-T03")]


def test_dry_run_says_what_each_block_becomes(ws: Workspace, runner: CliRunner) -> None:
    path = CORPUS / "trackers" / "06-emoji-consumers.md"
    before = _files(ws)
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "tracker", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{path}:7: table: 2 milestone record(s)" in result.output
    assert f"{path}:14: table: 3 consumer record(s)" in result.output
    assert f"{path}:22: table: 2 queue item(s)" in result.output
    assert f"{path}:29: table: ignored: its rows hold no record ids" in result.output
    assert "would create milestone M1" in result.output and "dry run: nothing written" in (
        result.output
    )
    assert _files(ws) == before


def test_refused_import_exits_1_and_names_the_line(ws: Workspace, runner: CliRunner) -> None:
    path = CORPUS / "trackers" / "08-section-without-records.md"
    before = _files(ws)
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "tracker", str(path)])
    assert result.exit_code == 1
    assert "08-section-without-records.md:11: section 'Active Blockers' looks like records" in (
        result.output
    )
    assert "refused: nothing written" in result.output and "Traceback" not in result.output
    assert _files(ws) == before
    result = runner.invoke(
        cli, ["-C", str(ws.root), "import", "tracker", str(path), "--allow-partial", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["refused"] is False and len(data["problems"]) == 1
    table = next(b for b in data["blocks"] if b["line"] == 13)
    assert table["what"] == "table" and table["became"].startswith("ignored: its rows hold no")


def test_rendered_status_is_a_fixed_point(ws: Workspace, runner: CliRunner, tmp_path: Path) -> None:
    import_tracker(ws, CORPUS.parent / "fixtures" / "tracker.md")
    assert runner.invoke(cli, ["-C", str(ws.root), "render", "status"]).exit_code == 0
    status = ws.root / "STATUS.md"
    written = _files(ws)
    again = import_tracker(ws, status)
    assert again.created == [] and again.problems == () and _files(ws) == written
    # Into a fresh workspace, then rendered again: the same document (no doubled notes).
    fresh = Workspace(tmp_path / "fresh")
    shutil.copytree(ws.root, fresh.root, ignore=shutil.ignore_patterns("records", "decisions"))
    fresh.config_path.write_text("program: test-program\n")
    import_tracker(fresh, status)
    assert runner.invoke(cli, ["-C", str(fresh.root), "render", "status"]).exit_code == 0
    assert (fresh.root / "STATUS.md").read_text() == status.read_text()


def test_import_is_not_activity(ws: Workspace, runner: CliRunner) -> None:
    import_tracker(ws, CORPUS / "trackers" / "01-reordered-bold.md")
    from govkit.timeutil import iso_week, utc_now

    for week in ("2026-W16", iso_week(utc_now())):  # the document's week, the import's week
        result = runner.invoke(
            cli, ["-C", str(ws.root), "cadence", "run", "--week", week, "--no-run", "--json"]
        )
        packet = json.loads(result.output)
        assert packet["tasks_done"] == [] and packet["blockers_opened"] == [], week
    result = runner.invoke(cli, ["-C", str(ws.root), "handoff", "--since", "2000-01-01", "--json"])
    note = json.loads(result.output)
    assert note["completed"] == [] and note["new_risks"] == []
    # A move made after the import is activity.
    assert (
        runner.invoke(
            cli, ["-C", str(ws.root), "task", "set", "M2-T01", "--status", "done"]
        ).exit_code
        == 0
    )
    result = runner.invoke(cli, ["-C", str(ws.root), "handoff", "--since", "2000-01-01", "--json"])
    assert [t["id"] for t in json.loads(result.output)["completed"]] == ["M2-T01"]


def test_imported_decision_keeps_its_number(ws: Workspace, runner: CliRunner) -> None:
    import_tracker(ws, CORPUS / "trackers" / "07-decisions-index.md")
    result = runner.invoke(cli, ["-C", str(ws.root), "decision", "accept", "D-019"])
    assert result.exit_code == 0, result.output
    decisions = {d.id: d for d in load_decisions(ws)}
    assert decisions["D-019"].status == "accepted" and "D-020" not in decisions
    assert decisions["D-017"].extra["raw_status"] == "Active"
    assert check_workspace(ws).ok
    # B8's exit condition names D-017: remove the decision and check reports the reference.
    path = decisions["D-017"].path
    assert path is not None
    path.unlink()
    problems = [p for p in check_workspace(ws).problems if p.code == "dangling-ref"]
    assert any(
        p.file == "records/blockers/B8.yaml" and "D-017" in p.message and p.line for p in problems
    )


def test_accept_with_its_own_number(ws: Workspace) -> None:
    from govkit.decisions import accept_decision

    import_tracker(ws, CORPUS / "trackers" / "07-decisions-index.md")
    assert accept_decision(ws, "D-019", decision_id="D-019").id == "D-019"


def test_no_invented_gate_ids(ws: Workspace, tmp_path: Path) -> None:
    tracker = tmp_path / "t.md"
    tracker.write_text(
        "Last updated: 2026-02-19\n\n## Milestone Board\n\n| Milestone | Status | Notes |\n"
        "|---|---|---|\n| M0 Base | Complete | M0-T01 through M0-T03 complete with "
        "`VG-CORE-001` passing |\n\n## Resolved\n\n| ID | Resolution | Evidence |\n|---|---|---|\n"
        "| R3 | Accepted D-001 (M0-T02/M0-T03) | "
        "`evidence/2026-02-19/m0/VG-CONTRACT-001-M0-T02-M0-T03.md` |\n"
    )
    import_tracker(ws, tracker)
    rs = load_all(ws)
    r3 = rs.get("R3")
    assert getattr(r3, "evidence", ()) == (
        "evidence/2026-02-19/m0/VG-CONTRACT-001-M0-T02-M0-T03.md",
    )
    # The milestone's gate is not copied onto its task stubs.
    assert getattr(rs.get("M0-T01"), "evidence", None) == ()
    assert getattr(rs.get("M0-T02"), "evidence", ()) == getattr(r3, "evidence", ())


def test_failure_part_way_leaves_nothing(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    # A disk that fails in the middle of an import cannot be produced on demand here:
    # the 30th record write (the scratch run makes 23) raises instead.
    from govkit.records import ops

    real = ops.add_record
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 30:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(ops, "add_record", failing)
    before = _files(ws)
    with pytest.raises(OSError):
        import_tracker(ws, CORPUS / "trackers" / "01-reordered-bold.md")
    assert _files(ws) == before


def test_bad_input_names_the_file(ws: Workspace, runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "latin1.md"
    bad.write_bytes("| Milestone | Status |\n|---|---|\n| M1 Caf\xe9 | Done |\n".encode("latin-1"))
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "tracker", str(bad)])
    assert result.exit_code == 2 and "latin1.md" in result.output and "UTF-8" in result.output
    assert "Traceback" not in result.output
    prose = tmp_path / "notes.md"
    prose.write_text("# Notes\n\nJust words.\n")
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "tracker", str(prose)])
    assert result.exit_code == 2 and "found nothing to import" in result.output


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> None:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    base.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t")
    base.update(GIT_COMMITTER_EMAIL="t@example.invalid", **(env or {}))
    subprocess.run(["git", *args], cwd=cwd, env=base, check=True, capture_output=True)


def test_missing_date_from_first_commit(ws: Workspace, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    folder = repo / "docs" / "decisions"
    shutil.copytree(CORPUS / "adr" / "madr4-no-status", folder)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    stamp = "2024-07-08T10:00:00+00:00"
    _git(repo, "commit", "-qm", "adrs", env={"GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp})
    report = import_adr(ws, folder)
    decisions = {d.id: d for d in load_decisions(ws)}
    assert decisions["D-002"].date == "2024-07-08"
    assert decisions["D-002"].extra["date_from"] == "first git commit"
    assert decisions["D-002"].extra["status_missing"] is True
    assert decisions["D-003"].extra["status_from"].startswith("chosen outcome")
    # The file's own date wins over the commit's.
    assert decisions["D-001"].date == "2025-03-14"
    assert "0002-cache-thumbnails.md:1: no status; imported as proposed" in report.warnings


def test_real_adr_tools_folder(ws: Workspace, tmp_path: Path) -> None:
    adr = shutil.which("adr")
    if adr is None:
        pytest.skip("adr-tools is not installed (Debian package adr-tools; .ci/run installs it)")
    repo = tmp_path / "project"
    repo.mkdir()
    env = {"PATH": str(Path(adr).parent) + ":/usr/bin:/bin", "HOME": str(tmp_path)}

    def run(*args: str) -> None:
        subprocess.run([adr, *args], cwd=repo, env=env, check=True, capture_output=True)

    run("init", "doc/adr")
    run("new", "Use Postgres for orders")
    run("new", "-s", "2", "Use SQLite for orders")
    run("new", "Publish events")
    report = import_adr(ws, repo / "doc" / "adr")
    assert not report.refused and not report.problems
    d = {x.id: x for x in load_decisions(ws)}
    assert d["D-001"].title == "Record architecture decisions"
    assert [d[i].status for i in ("D-001", "D-002", "D-003", "D-004")] == [
        "accepted",
        "superseded",
        "accepted",
        "accepted",
    ]
    assert d["D-002"].superseded_by == ("D-003",) and d["D-003"].supersedes == ("D-002",)
    assert all(len(x.date) == 10 for x in d.values())
    assert check_workspace(ws).ok
    assert import_adr(ws, repo / "doc" / "adr").created == []


def test_broken_adr_front_matter_names_the_line(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "adr"
    shutil.copytree(CORPUS / "adr" / "madr3", folder)
    (folder / "0004-broken.md").write_text("---\nstatus: [accepted\n---\n# Broken\n")
    report = import_adr(ws, folder)
    assert report.refused and load_decisions(ws) == []
    (problem,) = report.problems
    assert problem.startswith("0004-broken.md:") and "expected a Markdown ADR" in problem
    partial = import_adr(ws, folder, allow_partial=True)
    assert {i.id for i in partial.created} == {"D-001", "D-002", "D-003"}
