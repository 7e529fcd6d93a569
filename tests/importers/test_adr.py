"""govkit import adr: Nygard / adr-tools, MADR 2 bullets, MADR 4 front matter, real-world mess."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.decisions import Decision, load_decisions
from govkit.importers.adr import import_adr, map_status, number_from_filename
from govkit.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"


def _by_id(ws: Workspace) -> dict[str, Decision]:
    return {d.id: d for d in load_decisions(ws)}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Accepted", "accepted"),
        ("✅ Accepted", "accepted"),
        ("Approved", "accepted"),
        ("Draft", "proposed"),
        ("RFC", "proposed"),
        ("Proposed", "proposed"),
        ("Deprecated", "deprecated"),
        ("Superseded by [3. X](0003-x.md)", "superseded"),
        ("Superceded by ADR-0004", "superseded"),
        ("Rejected", "rejected"),
        ("Declined", "rejected"),
        ("something odd", "proposed"),
    ],
)
def test_status_mapping(raw: str, status: str) -> None:
    assert map_status(raw) == status


def test_numbers_from_file_names() -> None:
    assert number_from_filename("0007-foo.md") == 7
    assert number_from_filename("ADR-007.md") == 7
    assert number_from_filename("adr_12-x.md") == 12
    assert number_from_filename("7-foo.md") == 7
    assert number_from_filename("2024-01-15-foo.md") is None
    assert number_from_filename("use-x.md") is None


def test_nygard_with_supercedes_spelling(ws: Workspace) -> None:
    report = import_adr(ws, FIXTURES / "nygard")
    assert [i.id for i in report.created] == ["D-001", "D-002", "D-003"]
    d = _by_id(ws)
    assert d["D-001"].title == "Record architecture decisions"
    assert (d["D-001"].status, d["D-001"].date, d["D-001"].imported) == (
        "accepted",
        "2024-03-04",
        True,
    )
    assert d["D-002"].status == "superseded"
    assert d["D-002"].superseded_by == ("D-003",)
    assert d["D-003"].status == "accepted" and d["D-003"].supersedes == ("D-002",)
    assert d["D-002"].extra["raw_status"].startswith("Superceded by")
    assert "Cold reads evict hot keys." in d["D-002"].body


def test_madr2_bullets(ws: Workspace) -> None:
    import_adr(ws, FIXTURES / "madr2")
    d = _by_id(ws)
    assert d["D-001"].title == "Pick a message queue"
    assert d["D-001"].status == "accepted" and d["D-001"].extra["raw_status"] == "✅ Approved"
    assert d["D-001"].deciders == ("Ana Ruiz", "Bo Chen") and d["D-001"].date == "2023-11-02"
    assert d["D-002"].status == "superseded" and d["D-002"].superseded_by == ("D-003",)
    assert d["D-002"].deciders == ("Bo Chen",)
    # Resolved on both sides, though 0003 itself does not mention 0002.
    assert d["D-003"].supersedes == ("D-002",) and d["D-003"].status == "proposed"


def test_madr4_front_matter(ws: Workspace) -> None:
    import_adr(ws, FIXTURES / "madr4")
    d = _by_id(ws)
    one = d["D-001"]
    assert (one.status, one.date, one.deciders) == (
        "accepted",
        "2025-02-10",
        ("Dee Park", "Eli Moss"),
    )
    assert one.extra["consulted"] == "SRE guild" and one.extra["informed"] == "all engineers"
    assert one.extra["review-by"] == "2026-02-10"
    assert d["D-002"].status == "deprecated" and d["D-002"].deciders == ("Eli Moss",)


def test_messy_folder(ws: Workspace) -> None:
    # A duplicate number refuses the import: nothing is written.
    refused = import_adr(ws, FIXTURES / "messy")
    assert refused.refused and refused.dry_run and load_decisions(ws) == []
    assert refused.problems == (
        "ADR-007-trunk.md:1: duplicate number 7: 7-duplicate-seven.md and ADR-007-trunk.md "
        "(expected one file per number)",
    )
    report = import_adr(ws, FIXTURES / "messy", allow_partial=True)
    assert not report.refused
    created = {i.id for i in report.created}
    # The date-named file has no number anywhere: it gets the next after the highest (8).
    assert created == {"D-007", "D-008", "D-009"}
    assert any("2024-01-15-date-named.md:1: no number" in w for w in report.warnings)
    skipped = {i.id: i.reason for i in report.skipped}
    assert "7-duplicate-seven.md" in skipped["D-007"] and "ADR-007-trunk.md" in skipped["D-007"]
    assert any("README.md: ignored" in b.became for b in report.blocks)
    d = _by_id(ws)
    assert d["D-007"].title == "Another seventh decision" and d["D-007"].status == "proposed"
    assert d["D-008"].extra["raw_status"] == "🚧 Draft" and d["D-008"].status == "proposed"
    assert d["D-008"].extra["custom-field"] == "kept as is"
    assert d["D-008"].title == "Feature flags live in one service"
    assert d["D-009"].extra["raw_status"] == "Draft" and d["D-009"].status == "proposed"


def test_crlf_bom_comment_file_alone(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "adr"
    folder.mkdir()
    shutil.copy(FIXTURES / "messy" / "ADR-007-trunk.md", folder)
    import_adr(ws, folder)
    d = _by_id(ws)["D-007"]
    assert d.title == "Adopt trunk-based development"
    assert (d.status, d.date, d.extra["raw_status"]) == ("rejected", "2022-01-05", "Declined")
    assert "\r" not in d.body


def test_idempotent_and_dry_run(ws: Workspace) -> None:
    dry = import_adr(ws, FIXTURES / "nygard", dry_run=True)
    assert len(dry.created) == 3 and load_decisions(ws) == []
    import_adr(ws, FIXTURES / "nygard")
    again = import_adr(ws, FIXTURES / "nygard")
    assert again.created == [] and {i.reason for i in again.skipped} == {"already imported"}


def test_cli(runner: CliRunner, ws: Workspace) -> None:
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "adr", str(FIXTURES / "madr4")])
    assert result.exit_code == 0, result.output
    assert "created decision D-001" in result.output and "2 created, 0 skipped" in result.output
    result = runner.invoke(cli, ["-C", str(ws.root), "import", "adr", str(FIXTURES / "none")])
    assert result.exit_code == 2


def test_real_adr_replaces_a_tracker_stub(ws: Workspace) -> None:
    from govkit.importers.tracker import import_tracker

    tracker = ws.root / "tracker.md"
    tracker.write_text(
        "## Active Blockers\n\n| ID | Blocker | Impact | Exit Condition |\n|---|---|---|---|\n"
        "| B1 | Flaky cache | Slow CI | Follow D-002 |\n"
    )
    import_tracker(ws, tracker)
    stub = _by_id(ws)["D-002"]
    assert stub.extra["stub"] is True and stub.status == "proposed"
    report = import_adr(ws, FIXTURES / "nygard")
    assert {i.id: i.reason for i in report.created}["D-002"] == "superseded; replaces stub"
    d = _by_id(ws)
    assert d["D-002"].title == "Use a single cache tier" and "stub" not in d["D-002"].extra
    assert sorted(p.name for p in ws.decisions_dir.glob("D-002*")) == [
        "D-002-use-a-single-cache-tier.md"
    ]
    # Importing again changes nothing.
    again = import_adr(ws, FIXTURES / "nygard")
    assert again.created == []
