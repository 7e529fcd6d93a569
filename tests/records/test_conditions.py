"""Checkable exit conditions of blockers: parsing, evaluation on a real ledger, resolve, check."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from govkit.check import check_workspace
from govkit.cli import cli
from govkit.config import GateDef
from govkit.errors import NotFound, TransitionError, ValidationError
from govkit.gates import add_gate
from govkit.records import ops, store
from govkit.records.conditions import parse_condition
from govkit.tuples import add_repo, set_tuple
from govkit.workspace import Workspace
from tests.helpers import make_repo
from tests.test_promotion import record


@pytest.fixture
def prog(ws: Workspace) -> str:
    """Repo core pinned as canonical, gate VG-A-1, milestone M1 with task M1-T01."""
    core = ws.root.parent / "core"
    sha = make_repo(core, {"a.txt": "1\n"})
    add_repo(ws, "core", str(core))
    set_tuple(ws, "canonical", {"core": sha}, replace=True)
    add_gate(ws, GateDef(id="VG-A-1", title="a", repo="core", argv=("true",)))
    ops.add_record(ws, "milestone", "M1", {"title": "m"})
    ops.add_record(ws, "task", "M1-T01", {"title": "t"})
    return sha


def test_parse_condition_forms_and_errors() -> None:
    c = parse_condition("gate  VG-LA-002 passes 3 on canonical")
    assert (c.kind, c.target, c.passes, c.tuple_name) == ("gate", "VG-LA-002", 3, "canonical")
    assert parse_condition("gate VG-LA-002 passes 1").tuple_name is None
    assert parse_condition("decision D-017 accepted").status == "accepted"
    assert parse_condition("finding F7 resolved").kind == "finding"
    with pytest.raises(ValidationError, match="'finished' is not a task status"):
        parse_condition("task M1-T03 finished")
    with pytest.raises(ValidationError, match="not one govkit can check"):
        parse_condition("when the moon is full")
    with pytest.raises(ValidationError, match="is not a valid id"):
        parse_condition("task ../etc done")


def test_resolve_waits_on_conditions_and_force_is_recorded(ws: Workspace, prog: str) -> None:
    ops.add_record(
        ws,
        "blocker",
        "B1",
        {"title": "b", "conditions": ["task M1-T01 done", "gate VG-A-1 passes 2 on canonical"]},
    )
    with pytest.raises(TransitionError) as exc:
        ops.resolve_blocker(ws, "B1", "fixed")
    assert "2 of 2 condition(s) unmet" in exc.value.message
    assert "M1-T01 is todo" in exc.value.message
    assert "0 of 2 consecutive claim-grade passes on canonical" in exc.value.message
    assert store.load_record(ws, "blocker", "B1").status == "active"  # nothing written

    ops.update_record(ws, "task", "M1-T01", status="done")
    first = record(ws, "VG-A-1", "pass", prog)
    record(ws, "VG-A-1", "pass", prog, claim_grade=False)  # a worktree run does not count
    with pytest.raises(TransitionError, match="1 of 2 condition"):
        ops.resolve_blocker(ws, "B1", "fixed")
    second = record(ws, "VG-A-1", "pass", prog)
    done = ops.resolve_blocker(ws, "B1", "fixed")
    step = done.history[-1]
    assert done.status == "resolved" and not step.forced
    assert first in step.note and second in step.note  # the evidence is kept in the history

    ops.add_record(ws, "blocker", "B2", {"title": "b2", "conditions": ["blocker B1 active"]})
    forced = ops.resolve_blocker(ws, "B2", "moved on", force=True)
    assert forced.history[-1].forced
    assert (
        forced.history[-1].note
        == "resolved with unmet conditions: blocker B1 active (B1 is resolved)"
    )


def test_a_failing_run_resets_a_gate_condition(ws: Workspace, prog: str) -> None:
    ops.add_record(ws, "blocker", "B1", {"title": "b", "conditions": ["gate VG-A-1 passes 2"]})
    record(ws, "VG-A-1", "pass", prog)
    record(ws, "VG-A-1", "fail", prog)
    last = record(ws, "VG-A-1", "pass", prog)
    states = ops.condition_states(ws, [store.load_record(ws, "blocker", "B1")])["B1"]
    assert states[0]["met"] is False and states[0]["runs"] == [last]
    assert "reset by" in str(states[0]["evidence"])


def test_conditions_are_validated_on_write_and_on_load(ws: Workspace, prog: str) -> None:
    with pytest.raises(NotFound, match="unknown gate 'VG-NO-1'"):
        ops.add_record(ws, "blocker", "B1", {"conditions": ["gate VG-NO-1 passes 1"]})
    with pytest.raises(ValidationError, match="tuple 'nightly' is not defined"):
        ops.add_record(ws, "blocker", "B1", {"conditions": ["gate VG-A-1 passes 1 on nightly"]})
    with pytest.raises(ValidationError, match="'M1-T09' is not a record or decision"):
        ops.add_record(ws, "blocker", "B1", {"conditions": ["task M1-T09 done"]})
    path = ws.records_dir / "blockers" / "B7.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("id: B7\ntitle: x\nconditions:\n  - task M1-T01 finished\n")
    with pytest.raises(ValidationError) as exc:
        store.load_record(ws, "blocker", "B7")
    assert exc.value.path == path and exc.value.line == 3
    assert "conditions entry 1" in exc.value.message
    report = check_workspace(ws)
    assert [(p.code, p.line) for p in report.problems] == [("schema", 3)]


def test_check_lists_each_condition_and_the_task_cannot_be_removed(
    ws: Workspace, prog: str
) -> None:
    ops.add_record(
        ws,
        "blocker",
        "B1",
        {"title": "b", "conditions": ["task M1-T01 done", "gate VG-A-1 passes 1"]},
    )
    result = CliRunner().invoke(cli, ["-C", str(ws.root), "check"])
    assert result.exit_code == 0, result.output
    assert "B1: condition unmet: task M1-T01 done (M1-T01 is todo)" in result.output
    assert "B1: condition unmet: gate VG-A-1 passes 1 (0 of 1" in result.output
    ops.update_record(ws, "task", "M1-T01", status="done")
    run_id = record(ws, "VG-A-1", "pass", prog)
    data = json.loads(CliRunner().invoke(cli, ["-C", str(ws.root), "check", "--json"]).output)
    assert [c["met"] for c in data["conditions"]] == [True, True]
    assert data["conditions"][1]["runs"] == [run_id]
    assert any("every checkable exit condition is met" in n for n in data["notes"])
    with pytest.raises(Exception, match="still referenced by B1 \\(conditions\\)"):
        ops.remove_record(ws, "task", "M1-T01")
    # A gate removed from govkit.yaml after the fact is a problem check names.
    with ws.edit_config() as cfg:
        del cfg["gates"]["VG-A-1"]
    report = check_workspace(ws)
    assert [p.code for p in report.problems] == ["condition"]
    assert "gate VG-A-1 is not defined" in report.problems[0].message


def test_cli_blocker_condition_flags_and_show_json(ws: Workspace, prog: str) -> None:
    def gk(*args: str) -> tuple[int, str]:
        r = CliRunner().invoke(cli, ["-C", str(ws.root), *args])
        return r.exit_code, r.output

    code, out = gk(
        "blocker", "add", "B1", "--title", "b",
        "--condition", "task M1-T01 done", "--condition", "gate VG-A-1 passes 1 on canonical",
    )  # fmt: skip
    assert code == 0, out
    code, out = gk("blocker", "show", "B1", "--json")
    data = json.loads(out)
    assert data["conditions"] == ["task M1-T01 done", "gate VG-A-1 passes 1 on canonical"]
    assert [s["met"] for s in data["condition_states"]] == [False, False]
    code, out = gk("blocker", "resolve", "B1", "--resolution", "r")
    assert code == 2 and "cannot resolve B1" in out and "--force" in out
    code, out = gk("blocker", "resolve", "B1", "--resolution", "r", "--force")
    assert code == 0 and "resolved with unmet conditions" in out
