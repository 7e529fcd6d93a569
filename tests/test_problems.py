"""One problem type: check, the record store, the ledger and audit all report a Problem."""

from __future__ import annotations

import pytest

from govkit.audit import run_audit
from govkit.check import check_workspace
from govkit.errors import ValidationError
from govkit.evidence.integrity import verify_evidence
from govkit.problems import Problem
from govkit.records import ops, store
from govkit.workspace import Workspace


def test_every_layer_reports_the_same_problem_type(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1")
    ops.add_record(ws, "task", "M1-T01", status="done")
    ws.ledger_path.parent.mkdir(parents=True, exist_ok=True)
    ws.ledger_path.write_text("not json\n")
    audited = run_audit(ws).findings  # before the broken record: audit refuses to load it
    record = ws.records_dir / "milestones" / "M2.yaml"
    record.write_text("id: M2\ntitle: x\nstatus: finished\n")

    _, field_problems = store.validate_mapping("milestone", {"id": "M2", "status": "x"}, record)
    checked = check_workspace(ws).problems
    chain = verify_evidence(ws)
    for found in (field_problems, checked, chain, audited):
        assert found and all(isinstance(p, Problem) for p in found)

    status = next(p for p in checked if p.code == "unknown-status")
    assert (status.path, status.line, status.where) == (
        "records/milestones/M2.yaml",
        3,
        "records/milestones/M2.yaml:3",
    )
    assert field_problems[0].line == 3  # the line of `status:` in the file given
    assert [(p.code, p.path, p.line) for p in chain] == [("ledger", "evidence/ledger.jsonl", 1)]
    assert {(f.code, f.path) for f in audited} >= {
        ("GK101", "evidence/ledger.jsonl"),
        ("GK501", "records/tasks/M1-T01.yaml"),
    }
    # Loading stops at the first problem, with the same message and line check gives.
    with pytest.raises(ValidationError) as info:
        store.load_record(ws, "milestone", "M2")
    assert (info.value.message, info.value.line) == (status.message, status.line)


def test_the_queue_rules_are_the_loaders_and_checks(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1")
    queue = ws.records_dir / store.QUEUE_FILE
    queue.write_text("- id: M1\n  priority: high\n- id: M1\n")
    # Doubtful items still load (render and `queue list` keep working) …
    assert [i.id for i in store.load_queue(ws)] == ["M1", "M1"]
    found = {(p.code, p.line, p.message) for p in check_workspace(ws).problems}
    # … and check names each.
    assert found == {
        ("schema", 1, "queue item 1: priority 'high' is not P0, P1, …"),
        ("duplicate-id", 3, "M1 is queued twice"),
    }
    queue.write_text("- id: M1\n- priority: P1\n")
    with pytest.raises(ValidationError, match="queue item 2 needs an id"):
        store.load_queue(ws)
    assert [(p.code, p.line) for p in check_workspace(ws).problems] == [("schema", 2)]
