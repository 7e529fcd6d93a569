"""govkit cadence: the weekly packet, idempotent per ISO week."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.config import GateDef
from govkit.errors import ValidationError
from govkit.evidence.record import Counts, Outcome
from govkit.evidence.store import read_ledger
from govkit.gates import add_gate
from govkit.render.cadence import week_bounds
from govkit.timeutil import iso_week, utc_now
from govkit.tuples import add_repo, pin_tuple
from govkit.workspace import Workspace
from tests.helpers import make_repo
from tests.render.fixture import make_run
from tests.render.golden import assert_golden
from tests.render.mdcheck import assert_relative_links_resolve, table_after, tables


def gate_rows(text: str) -> dict[str, list[str]]:
    """Every row of the packet's gate tables (required and advisory), by gate id."""
    section = text.split("\n## Weekly Gates\n", 1)[1].split("\n## ", 1)[0]
    return {r[0]: r for t in tables(section) for r in t.rows}


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(ws.root), "cadence", *args])
    return result.exit_code, result.output


def test_week_bounds() -> None:
    assert week_bounds("2026-W47") == ("2026-11-16T00:00:00.000Z", "2026-11-23T00:00:00.000Z")
    assert week_bounds("2026-W01")[0] == "2025-12-29T00:00:00.000Z"
    for bad in ("2026-47", "2026-W54", "W47"):
        with pytest.raises(ValidationError):
            week_bounds(bad)


@pytest.mark.slow
def test_no_run_packet_from_the_weeks_runs(harbor: Workspace) -> None:
    code, out = run(harbor, "run", "--week", "2026-W47", "--no-run")
    assert code == 0
    # The claim-grade pass of 11-19 is used, not the newer worktree run of 11-20.
    assert "VG-MESH-001: pass (1 passed)" in out
    md = harbor.packets_dir / "2026-W47.md"
    text = md.read_text()
    gates = table_after(text, "Weekly Gates")
    assert gates.header == ["Gate", "Title", "Outcome", "Evidence", "Commit", "Started (UTC)"]
    # Required gates first (their own table), then the advisory ones.
    assert "### Required" in text and "### Advisory" in text
    assert list(gate_rows(text)) == ["VG-CORE-001", "VG-RELAY-002", "VG-MESH-001", "VG-PERF-001"]
    assert gates.rows[1][3].startswith("[VG-RELAY-002: 436 passed](../runs/2026-11-19/")
    assert table_after(text, "Next Actions").header == [
        "Priority",
        "Task ID",
        "Description",
        "Status",
    ]
    assert assert_relative_links_resolve(text, md.parent) == 5  # 4 runs and an artifact
    assert "- Opened B1 (2026-11-18 14:00Z, raj): mesh-io schema version is unpinned" in text
    assert "- Resolved B2 (2026-11-19 10:00Z): CI runner out of disk" in text
    assert (
        "- D-002 (2026-11-18, decided by harbor maintainers): "
        "Heavy suites go through safe-run admission" in text
    )
    assert "- M2-T01 (2026-11-17 10:00Z, ana): Define the relay seam contract" in text
    assert "This is the first packet" in text
    data = json.loads((harbor.packets_dir / "2026-W47.json").read_text())
    assert data["week"] == "2026-W47" and len(data["gates"]) == 4


@pytest.mark.slow
def test_changes_since_previous_packet(harbor: Workspace) -> None:
    run(harbor, "run", "--week", "2026-W46", "--no-run")
    run(harbor, "run", "--week", "2026-W47", "--no-run")
    text = (harbor.packets_dir / "2026-W47.md").read_text()
    assert "## Changes Since 2026-W46" in text
    assert "- newly passing: VG-RELAY-002 was fail, now pass" in text
    assert "- perf: VG-PERF-001 startup_ms: 182 → 171.5 (-5.8%, better)" in text
    assert "- perf: VG-PERF-001 batch_per_s: 940 → 1012 (+7.7%, better)" in text
    w46 = (harbor.packets_dir / "2026-W46.md").read_text()
    assert "| VG-RELAY-002 | relay-agent full suite against corelib | fail |" in w46


def test_rerunning_a_week_replaces_its_packet(harbor: Workspace) -> None:
    run(harbor, "run", "--week", "2026-W47", "--no-run")
    first = (harbor.packets_dir / "2026-W47.md").read_bytes()
    run(harbor, "run", "--week", "2026-W47", "--no-run")
    assert (harbor.packets_dir / "2026-W47.md").read_bytes() == first
    assert sorted(p.name for p in harbor.packets_dir.iterdir()) == ["2026-W47.json", "2026-W47.md"]
    # A new claim-grade run this week replaces the row; still one packet.
    make_run(
        harbor,
        "mesh-4",
        "VG-MESH-001",
        "2026-11-21T09:00:00.000Z",
        Outcome.PASS,
        counts=Counts(passed=1),
    )
    code, _ = run(harbor, "run", "--week", "2026-W47", "--no-run")
    assert code == 0
    text = (harbor.packets_dir / "2026-W47.md").read_text()
    assert text != first.decode() and text.count("| VG-MESH-001 |") == 1
    assert "| VG-MESH-001 | mesh-io interop compile check | pass |" in text


def test_a_week_with_only_a_worktree_run_says_so(harbor: Workspace) -> None:
    make_run(
        harbor,
        "w48-wt",
        "VG-MESH-001",
        "2026-11-24T09:00:00.000Z",
        Outcome.PASS,
        counts=Counts(passed=1),
        claim_grade=False,
    )
    code, out = run(harbor, "run", "--week", "2026-W48", "--no-run")
    assert code == 1 and "VG-MESH-001: pass (not claim-grade) (1 passed)" in out
    rows = gate_rows((harbor.packets_dir / "2026-W48.md").read_text())
    assert rows["VG-MESH-001"][2] == "pass (not claim-grade)"
    assert rows["VG-CORE-001"][2] == "missing"


def test_missing_weekly_run_is_reported(harbor: Workspace) -> None:
    code, _ = run(harbor, "run", "--week", "2026-W44", "--no-run")
    assert code == 1
    rows = table_after((harbor.packets_dir / "2026-W44.md").read_text(), "Weekly Gates").rows
    assert all(r[2] == "missing" and r[3] == "no run this week" for r in rows)


@pytest.mark.slow
def test_run_mode_runs_weekly_gates_through_the_real_runner(ws: Workspace) -> None:
    core = ws.root.parent / "core"
    make_repo(
        core, {"test_core.py": "def test_a():\n    assert 1\n\n\ndef test_b():\n    assert 2\n"}
    )
    add_repo(ws, "core", str(core))
    pin_tuple(ws, "canonical", ["core=main"])
    py = sys.executable
    add_gate(
        ws,
        GateDef(
            id="VG-W-001",
            title="core suite",
            repo="core",
            weekly=True,
            parser="pytest",
            argv=(py, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
        ),
    )
    add_gate(
        ws,
        GateDef(
            id="VG-W-002",
            title="always red",
            repo="core",
            weekly=True,
            argv=(py, "-c", "raise SystemExit(3)"),
        ),
    )
    add_gate(ws, GateDef(id="VG-X-001", title="not weekly", repo="core", argv=(py, "-c", "pass")))
    week = iso_week(utc_now())
    code, out = run(ws, "run", "--json")
    assert code == 1, out  # VG-W-002 fails
    data = json.loads(out)
    assert data["week"] == week
    assert [(g["id"], g["outcome"], g["counts"]) for g in data["gates"]] == [
        ("VG-W-001", "pass", "2 passed"),
        ("VG-W-002", "fail", "—"),
    ]
    assert [e.gate_id for e in read_ledger(ws)] == ["VG-W-001", "VG-W-002"]
    md = ws.packets_dir / f"{week}.md"
    assert assert_relative_links_resolve(md.read_text(), md.parent) == 2
    # Running the week again makes new runs and replaces the packet, never duplicates it.
    assert run(ws, "run")[0] == 1
    assert len(read_ledger(ws)) == 4
    assert sorted(p.name for p in ws.packets_dir.iterdir()) == [f"{week}.json", f"{week}.md"]
    latest = {
        g["run_id"] for g in json.loads((ws.packets_dir / f"{week}.json").read_text())["gates"]
    }
    assert latest == {e.run_id for e in read_ledger(ws)[2:]}


def test_run_for_another_week_needs_no_run(harbor: Workspace) -> None:
    code, out = run(harbor, "run", "--week", "2020-W01")
    assert code == 2 and "--no-run" in out


@pytest.mark.slow
def test_show_prints_a_packet_or_says_there_is_none(harbor: Workspace) -> None:
    code, out = run(harbor, "show")
    assert code == 2 and "no cadence packet yet" in out
    run(harbor, "run", "--week", "2026-W46", "--no-run")
    run(harbor, "run", "--week", "2026-W47", "--no-run")
    code, out = run(harbor, "show")
    assert code == 0 and out.startswith("# Cadence Packet 2026-W47")
    code, out = run(harbor, "show", "2026-W46", "--json")
    assert code == 0 and json.loads(out)["week"] == "2026-W46"
    assert run(harbor, "show", "2026-W40")[0] == 2


def test_golden_packet(harbor: Workspace) -> None:
    run(harbor, "run", "--week", "2026-W46", "--no-run")
    run(harbor, "run", "--week", "2026-W47", "--no-run")
    text = (harbor.packets_dir / "2026-W47.md").read_text()
    assert len(tables(text)) == 3  # required gates, advisory gates, next actions
    assert_golden("packet.md", text)


def test_week_runs_follow_the_tuples_pins_not_its_name(harbor: Workspace) -> None:
    from govkit.render.cadence import week_runs
    from govkit.render.sources import load_sources

    # After a promotion, canonical pins what candidate ran: those runs describe canonical.
    promoted = make_run(
        harbor,
        "w48-cand",
        "VG-CORE-001",
        "2026-11-24T09:00:00.000Z",
        Outcome.PASS,
        counts=Counts(passed=212),
        tuple_name="candidate",
    )
    # A run named canonical but at a commit canonical no longer pins does not count.
    make_run(
        harbor,
        "w48-old",
        "VG-CORE-001",
        "2026-11-24T10:00:00.000Z",
        Outcome.FAIL,
        counts=Counts(failed=1),
        core="f" * 40,
    )
    runs = week_runs(load_sources(harbor), "2026-W48")
    assert runs["VG-CORE-001"].run_id == promoted.run_id


@pytest.mark.slow
def test_records_stay_editable_while_the_weekly_gates_run(ws: Workspace) -> None:
    core = ws.root.parent / "core"
    make_repo(core)
    add_repo(ws, "core", str(core))
    pin_tuple(ws, "canonical", ["core=main"])
    # The gate itself is another process trying the workspace lock, as `govkit task add`
    # in a second terminal would: it passes only if the lock is free while gates run.
    probe = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n    sys.exit('workspace lock held during the gate run')\n"
    )
    lock = ws.state_dir / "lock"
    argv = (sys.executable, "-c", probe, str(lock))
    add_gate(ws, GateDef(id="VG-W-001", title="lock probe", repo="core", weekly=True, argv=argv))
    code, out = run(ws, "run")
    # Before: the whole cadence run, gates included, held the workspace lock.
    assert code == 0, out
    assert [e.outcome for e in read_ledger(ws)] == ["pass"]


@pytest.mark.slow
def test_the_packet_tells_the_week_and_opens_blockers_for_newly_failing_required_gates(
    harbor: Workspace,
) -> None:
    from govkit import yamlio
    from govkit.records.store import load_kind
    from govkit.tuples import set_tuple
    from tests.render.fixture import OLD_CORE, SHA

    assert run(harbor, "run", "--week", "2026-W47", "--no-run")[0] == 0
    # W48: canonical is promoted to a new corelib, and the required core suite fails there.
    set_tuple(harbor, "canonical", {**SHA, "corelib": OLD_CORE}, replace=True)
    promotions = harbor.records_dir / "promotions"
    promotions.mkdir()
    yamlio.write(
        promotions / "20261124T080000Z-candidate-into-canonical.yaml",
        {
            "kind": "promotion",
            "candidate": "candidate",
            "into": "canonical",
            "date": "2026-11-24T08:00:00.000Z",
            "streak": 3,
            "pins_before": {"corelib": SHA["corelib"]},
            "pins_after": {"corelib": OLD_CORE},
        },
    )
    failing = make_run(
        harbor,
        "w48-core",
        "VG-CORE-001",
        "2026-11-24T09:00:00.000Z",
        Outcome.FAIL,
        counts=Counts(passed=200, failed=16),
        core=OLD_CORE,
    )
    code, out = run(harbor, "run", "--week", "2026-W48", "--no-run")
    assert code == 1 and "VG-CORE-001 newly failing (required): suggested blocker" in out
    text = (harbor.packets_dir / "2026-W48.md").read_text()
    assert (
        "- Promoted `candidate` into `canonical` (2026-11-24 08:00Z, "
        "`records/promotions/20261124T080000Z-candidate-into-canonical.yaml`): "
        "corelib 3c1f9a7 → 7a90c3e" in text
    )
    assert "- Pin since 2026-W47: corelib 3c1f9a7 → 7a90c3e" in text
    assert "- newly failing: VG-CORE-001 was pass, now fail" in text
    assert "## Suggested Blockers" in text
    assert f"- VG-CORE-001 (fail, run `{failing.run_id}`): " in text
    assert "lifts when `gate VG-CORE-001 passes 3 on canonical`" in text
    # The advisory gates that went missing raise no suggestion.
    assert text.count("lifts when") == 1
    assert not any(b.id == "B3" for b in load_kind(harbor, "blocker"))

    code, out = run(harbor, "run", "--week", "2026-W48", "--no-run", "--open-blockers", "--json")
    data = json.loads(out)
    assert data["suggested_blockers"][0]["tracked_by"] == "B3"
    opened = {b.id: b for b in load_kind(harbor, "blocker")}["B3"]
    assert opened.conditions == ("gate VG-CORE-001 passes 3 on canonical",)  # type: ignore[attr-defined]
    assert opened.evidence == (failing.run_id,)  # type: ignore[attr-defined]
    text = (harbor.packets_dir / "2026-W48.md").read_text()
    assert "- VG-CORE-001 (fail, run " in text and "tracked by B3" in text
    assert (
        "- Active B3: required gate VG-CORE-001 fail on canonical; exit conditions: unmet" in text
    )
    # Running again opens nothing new.
    run(harbor, "run", "--week", "2026-W48", "--no-run", "--open-blockers")
    assert len(load_kind(harbor, "blocker")) == 3
