"""Promotion check/apply over a real ledger (records written through the evidence store)."""

from __future__ import annotations

import itertools

import pytest
from click.testing import CliRunner

from govkit import yamlio
from govkit.cli import cli
from govkit.config import GateDef
from govkit.errors import ConflictError, ValidationError
from govkit.evidence.record import EvidenceRecord, Outcome, RepoPin
from govkit.evidence.store import write_record
from govkit.gates import add_gate
from govkit.promotion import apply_promotion, check_promotion
from govkit.tuples import add_repo, set_tuple
from govkit.workspace import Workspace
from tests.helpers import commit, make_repo

_minute = itertools.count(0)


@pytest.fixture
def prog(ws: Workspace) -> dict[str, str]:
    """Repo core with two commits: canonical at the first, candidate at the second; two gates."""
    core = ws.root.parent / "core"
    old = make_repo(core, {"a.txt": "1\n"})
    new = commit(core, {"a.txt": "2\n"})
    add_repo(ws, "core", str(core))
    set_tuple(ws, "canonical", {"core": old}, replace=True)
    set_tuple(ws, "candidate", {"core": new}, replace=True)
    for gid in ("VG-A-1", "VG-B-1"):
        add_gate(ws, GateDef(id=gid, title=gid, repo="core", argv=("true",)))
    return {"old": old, "new": new}


def record(ws: Workspace, gate_id: str, outcome: str, sha: str, *, claim_grade: bool = True) -> str:
    """Write one evidence record of `gate_id` on core@sha; return its run id."""
    n = next(_minute)
    started = f"2026-11-21T{4 + n // 60:02d}:{n % 60:02d}:00.000Z"
    rec = EvidenceRecord(
        run_id=f"run{n:03d}-{gate_id}-{outcome}",
        gate_id=gate_id,
        gate_hash=ws.config.gates[gate_id].definition_hash(),
        outcome=Outcome(outcome),
        started_at=started,
        ended_at=started,
        duration_s=0.1,
        argv=["true"],
        cwd="core",
        exit_code=0 if outcome == "pass" else 1,
        tuple_name="candidate",
        repos=[RepoPin("core", "../core", "candidate", sha)],
        claim_grade=claim_grade,
    )
    write_record(ws, rec)
    return rec.run_id


def test_check_reports_streak_missing_and_ignored(ws: Workspace, prog: dict[str, str]) -> None:
    new = prog["new"]
    record(ws, "VG-A-1", "pass", new)
    reset = record(ws, "VG-A-1", "fail", new)
    a1 = record(ws, "VG-A-1", "pass", new)
    err = record(ws, "VG-A-1", "error", new)
    a2 = record(ws, "VG-A-1", "pass", new)
    record(ws, "VG-A-1", "fail", prog["old"])  # another tuple: irrelevant
    b1 = record(ws, "VG-B-1", "pass", new)
    result = check_promotion(ws, "candidate", into="canonical", streak_needed=2)
    assert not result.promotable
    a, b = result.gates
    assert (a.gate_id, a.streak.count, a.missing, a.streak.last_reset) == ("VG-A-1", 2, 0, reset)
    assert a.streak.run_ids == (a1, a2) and a.streak.ignored == (err,)
    assert (b.streak.count, b.missing, b.streak.run_ids) == (1, 1, (b1,))
    # Requiring only the gate that has its streak makes it promotable.
    only_a = check_promotion(
        ws, "candidate", into="canonical", streak_needed=2, gate_ids=["VG-A-1"]
    )
    assert only_a.promotable


def test_a_changed_gate_definition_starts_over(ws: Workspace, prog: dict[str, str]) -> None:
    for _ in range(3):
        record(ws, "VG-A-1", "pass", prog["new"])
    assert check_promotion(
        ws, "candidate", into="canonical", streak_needed=3, gate_ids=["VG-A-1"]
    ).promotable
    with ws.edit_config() as data:
        data["gates"]["VG-A-1"]["argv"] = yamlio.new_seq(["true", "--changed"])
    after = check_promotion(ws, "candidate", into="canonical", streak_needed=3, gate_ids=["VG-A-1"])
    assert after.gates[0].streak.count == 0


@pytest.mark.slow
def test_apply_writes_record_citing_runs_and_moves_tuple(
    ws: Workspace, prog: dict[str, str]
) -> None:
    runs = {g: [record(ws, g, "pass", prog["new"]) for _ in range(2)] for g in ("VG-A-1", "VG-B-1")}
    result, path = apply_promotion(ws, "candidate", into="canonical", streak_needed=2)
    assert result.promotable
    assert ws.config.tuples["canonical"] == {"core": prog["new"]}
    assert path.parent == ws.root / "records" / "promotions"
    data = yamlio.load_plain(path)
    assert data["candidate"] == "candidate" and data["into"] == "canonical"
    assert data["pins_before"] == {"core": prog["old"]}
    assert data["pins_after"] == {"core": prog["new"]}
    assert data["gates"]["VG-A-1"]["runs"] == runs["VG-A-1"]
    assert data["gates"]["VG-B-1"]["runs"] == runs["VG-B-1"]
    assert "# govkit workspace configuration" in ws.config_path.read_text()  # comments kept


def test_apply_refuses_when_not_promotable(ws: Workspace, prog: dict[str, str]) -> None:
    record(ws, "VG-A-1", "pass", prog["new"])
    with pytest.raises(ConflictError, match="not promotable"):
        apply_promotion(ws, "candidate", into="canonical", streak_needed=3)
    assert ws.config.tuples["canonical"] == {"core": prog["old"]}
    assert not (ws.records_dir / "promotions").exists()


def test_bad_arguments(ws: Workspace, prog: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        check_promotion(ws, "candidate", into="candidate", streak_needed=3)
    with pytest.raises(ValidationError):
        check_promotion(ws, "candidate", into="canonical", streak_needed=0)


def test_cli_check_and_apply(ws: Workspace, prog: dict[str, str], runner: CliRunner) -> None:
    base = ["-C", str(ws.root), "promote", "candidate", "--into", "canonical", "--streak", "1"]
    res = runner.invoke(cli, [*base, "--check"])
    assert res.exit_code == 1 and "not promotable" in res.output
    assert "0/1" in res.output
    for g in ("VG-A-1", "VG-B-1"):
        record(ws, g, "pass", prog["new"])
    res = runner.invoke(cli, [*base, "--check", "--json"])
    assert res.exit_code == 0 and '"promotable": true' in res.output
    assert ws.config.tuples["canonical"] == {"core": prog["old"]}  # --check changes nothing
    res = runner.invoke(cli, [*base, "--apply"])
    assert res.exit_code == 0, res.output
    assert "promoted" in res.output
    ws.reload()
    assert ws.config.tuples["canonical"] == {"core": prog["new"]}
    res = runner.invoke(cli, ["-C", str(ws.root), "promote", "candidate"])
    assert res.exit_code == 2  # neither --check nor --apply


def test_required_gates_are_what_promotion_waits_on(ws: Workspace, prog: dict[str, str]) -> None:
    from govkit.gates import set_gate

    before = ws.config.gates["VG-A-1"].definition_hash()
    set_gate(ws, "VG-A-1", required=True)
    # Required is policy, not definition: the hash (and so every streak) is kept.
    assert ws.config.gates["VG-A-1"].definition_hash() == before
    for _ in range(2):
        record(ws, "VG-A-1", "pass", prog["new"])
    result = check_promotion(ws, "candidate", into="canonical", streak_needed=2)
    # VG-B-1 is advisory and has no run: it does not hold the promotion back.
    assert [(g.gate_id, g.required, g.ok) for g in result.gates] == [("VG-A-1", True, True)]
    assert result.promotable
    # A gate named with --gate is waited on beside the required ones.
    named = check_promotion(ws, "candidate", into="canonical", streak_needed=2, gate_ids=["VG-B-1"])
    assert [g.gate_id for g in named.gates] == ["VG-A-1", "VG-B-1"] and not named.promotable
    code = CliRunner().invoke(
        cli, ["-C", str(ws.root), "promote", "candidate", "--streak", "2", "--check", "--json"]
    )
    assert code.exit_code == 0 and '"required": true' in code.output
