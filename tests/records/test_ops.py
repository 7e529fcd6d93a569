"""Core record operations: add, update, lifecycles, remove, queue."""

from __future__ import annotations

import pytest

from govkit import yamlio
from govkit.errors import ConflictError, NotFound, TransitionError, ValidationError
from govkit.records import ops, store
from govkit.records.model import LIFECYCLES, Finding, Task
from govkit.workspace import Workspace


def test_add_and_load(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1", {"title": "Build integrity"})
    task = ops.add_record(ws, "task", "M1-T03", {"title": "Fix build", "evidence": ["a,b", "c"]})
    assert isinstance(task, Task)
    assert task.milestone == "M1"  # inferred from the id
    assert task.evidence == ("a", "b", "c")
    loaded = store.load_record(ws, "task", "M1-T03")
    assert loaded == task
    assert loaded.created and loaded.created == loaded.updated
    assert loaded.created.endswith("Z")
    assert [h.to_status for h in loaded.history] == ["todo"]


def test_ids_unique_across_kinds(ws: Workspace) -> None:
    ops.add_record(ws, "task", "Ops-Weekly", {"title": "cadence"})
    with pytest.raises(ConflictError, match="already exists"):
        ops.add_record(ws, "task", "Ops-Weekly")


@pytest.mark.parametrize("bad", ["../M1", "M1/x", "a" * 65, "", ".hidden", "M1\n"])
def test_bad_ids_rejected_everywhere(ws: Workspace, bad: str) -> None:
    with pytest.raises(ValidationError):
        ops.add_record(ws, "consumer", bad)
    with pytest.raises(ValidationError):
        ops.update_record(ws, "consumer", bad, {"risk": "x"})
    with pytest.raises(ValidationError):
        ops.remove_record(ws, "consumer", bad)
    with pytest.raises(ValidationError):
        ops.queue_add(ws, bad, priority="P0")
    assert not any(p.is_file() for p in ws.records_dir.rglob("*.yaml"))


def test_scheme_enforced(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="scheme"):
        ops.add_record(ws, "milestone", "Milestone-1")


def test_references_must_exist(ws: Workspace) -> None:
    with pytest.raises(ValidationError, match="milestone 'M2' does not exist"):
        ops.add_record(ws, "task", "M2-T01")
    ops.add_record(ws, "finding", "F1", {"title": "t", "milestone": "Program-wide"})
    with pytest.raises(ValidationError, match="task 'M1-T01' does not exist"):
        ops.resolve_finding(ws, "F1", ["M1-T01"])
    with pytest.raises(ValidationError, match="not a record or decision"):
        ops.add_record(ws, "resolution", "R1", {"resolves": ["F9"]})


def test_every_transition_follows_the_map(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1")
    for kind, record_id in [
        ("task", "M1-T01"),
        ("finding", "F1"),
        ("blocker", "B1"),
        ("consumer", "core"),
        ("milestone", "M2"),
    ]:
        statuses, moves, _ = LIFECYCLES[kind]
        if kind != "milestone" or record_id != "M1":
            ops.add_record(ws, kind, record_id)
        for target in statuses:
            current = store.load_record(ws, kind, record_id).status
            if target == current:
                continue
            if target in moves[current]:
                assert ops.update_record(ws, kind, record_id, status=target).status == target
            else:
                with pytest.raises(TransitionError) as info:
                    ops.update_record(ws, kind, record_id, status=target)
                assert f"from {current} to {target}" in info.value.message
                assert store.load_record(ws, kind, record_id).status == current


def test_invalid_move_names_allowed(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1")
    with pytest.raises(TransitionError) as info:
        ops.update_record(ws, "milestone", "M1", status="complete")
    assert info.value.message == "cannot move M1 from planned to complete; allowed: active"


def test_unknown_status(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1")
    with pytest.raises(ValidationError, match="one of: planned, active, complete"):
        ops.update_record(ws, "milestone", "M1", status="finished")


def test_history_and_updated(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1")
    ops.add_record(ws, "task", "M1-T01")
    first = store.load_record(ws, "task", "M1-T01")
    ops.update_record(ws, "task", "M1-T01", status="in-progress")
    ops.update_record(ws, "task", "M1-T01", status="done")
    after = store.load_record(ws, "task", "M1-T01")
    assert [(h.from_status, h.to_status) for h in after.history] == [
        (None, "todo"),
        ("todo", "in-progress"),
        ("in-progress", "done"),
    ]
    assert after.updated > first.updated
    assert after.created == first.created


def test_no_change_no_write(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1", {"title": "x"})
    path = store.record_path(ws, "milestone", "M1")
    before = path.stat().st_mtime_ns, path.read_text()
    ops.update_record(ws, "milestone", "M1", {"title": "x"})
    assert (path.stat().st_mtime_ns, path.read_text()) == before


def test_milestone_completion_needs_done_tasks(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1", status="active")
    ops.add_record(ws, "task", "M1-T01", status="done")
    ops.add_record(ws, "task", "M1-T02")
    with pytest.raises(TransitionError, match="M1-T02"):
        ops.update_record(ws, "milestone", "M1", status="complete")
    done = ops.update_record(ws, "milestone", "M1", status="complete", force=True)
    assert done.status == "complete"
    last = done.history[-1]
    assert last.forced and "M1-T02" in last.note
    text = store.record_path(ws, "milestone", "M1").read_text()
    assert "forced: true" in text


def test_milestone_completion_when_done(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1", status="active")
    ops.add_record(ws, "task", "M1-T01", status="done")
    done = ops.update_record(ws, "milestone", "M1", status="complete")
    assert not done.history[-1].forced


def test_resolve_shortcuts(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1")
    ops.add_record(ws, "task", "M1-T01")
    ops.add_record(ws, "finding", "F1", {"title": "build fails", "milestone": "M1"})
    finding = ops.resolve_finding(ws, "F1", ["M1-T01"])
    assert isinstance(finding, Finding)
    assert finding.status == "resolved" and finding.resolved_by == ("M1-T01",)
    ops.add_record(ws, "blocker", "B5", {"impact": "crash"})
    blocker = ops.resolve_blocker(ws, "B5", "serialized heavy runs")
    assert blocker.status == "resolved"
    assert store.load_record(ws, "blocker", "B5").resolution == "serialized heavy runs"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        ops.resolve_blocker(ws, "B5", "  ")


def test_remove_refused_while_referenced(ws: Workspace) -> None:
    ops.add_record(ws, "milestone", "M1")
    ops.add_record(ws, "task", "M1-T01")
    ops.add_record(ws, "resolution", "R1", {"resolves": ["M1-T01"]})
    ops.queue_add(ws, "M1-T01", priority="P0")
    with pytest.raises(ConflictError) as info:
        ops.remove_record(ws, "task", "M1-T01")
    assert "R1 (resolves)" in info.value.message and "queue item 1" in info.value.message
    with pytest.raises(ConflictError, match=r"M1-T01 \(milestone\)"):
        ops.remove_record(ws, "milestone", "M1")
    ops.remove_record(ws, "resolution", "R1")
    ops.queue_remove(ws, "M1-T01")
    ops.remove_record(ws, "task", "M1-T01")
    ops.remove_record(ws, "milestone", "M1")
    with pytest.raises(NotFound):
        ops.get_record(ws, "milestone", "M1")


def test_list_by_status(ws: Workspace) -> None:
    for n in (10, 2, 1):
        ops.add_record(ws, "finding", f"F{n}")
    ops.update_record(ws, "finding", "F2", status="resolved")
    assert [r.id for r in ops.list_records(ws, "finding")] == ["F1", "F2", "F10"]
    assert [r.id for r in ops.list_records(ws, "finding", status="open")] == ["F1", "F10"]
    with pytest.raises(ValidationError):
        ops.list_records(ws, "finding", status="closed")


def test_list_by_owner_and_lane(ws: Workspace) -> None:
    ops.add_record(ws, "finding", "F1", {"owner": " Ana ", "lane": "core"})
    ops.add_record(ws, "finding", "F2", {"owner": "bo", "lane": "core"})
    ops.add_record(ws, "milestone", "M1")
    assert [r.id for r in ops.list_records(ws, "finding", owner="ana")] == ["F1"]
    assert [r.id for r in ops.list_records(ws, "finding", lane="CORE")] == ["F1", "F2"]
    assert [r.id for r in ops.list_records(ws, "finding", owner="bo", lane="ui")] == []
    # No filter given: a kind without owners lists as usual; a filter it cannot have is refused.
    assert [r.id for r in ops.list_records(ws, "milestone", owner=None, lane=None)] == ["M1"]
    with pytest.raises(ValidationError, match="a milestone has no owner"):
        ops.list_records(ws, "milestone", owner="ana")


def test_consumer_readiness(ws: Workspace) -> None:
    c = ops.add_record(ws, "consumer", "loop-agent", {"readiness": "Medium", "coupling": "seam"})
    assert c.readiness == "medium"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="readiness"):
        ops.update_record(ws, "consumer", "loop-agent", {"readiness": "great"})


def test_hand_edited_file_keeps_comments_and_order(ws: Workspace) -> None:
    path = ws.records_dir / "tasks" / "M1-T01.yaml"
    ops.add_record(ws, "milestone", "M1")
    path.write_text(
        "# Task written by hand\n"
        "title: Fix the build   # short title\n"
        "id: M1-T01\n"
        "milestone: M1\n"
        "# the status is kept up to date by govkit\n"
        "status: todo\n"
        "evidence:\n"
        "  - run-1  # first run\n"
    )
    ops.update_record(ws, "task", "M1-T01", {"notes": "added later"}, status="in-progress")
    text = path.read_text()
    assert text.startswith(
        "# Task written by hand\ntitle: Fix the build   # short title\nid: M1-T01\n"
    )
    assert "# the status is kept up to date by govkit\nstatus: in-progress\n" in text
    assert "  - run-1  # first run\n" in text
    keys = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert keys[:5] == ["title", "id", "milestone", "status", "evidence"]
    assert "notes" in keys and "history" in keys


def test_malformed_record_reports_line_and_column(ws: Workspace) -> None:
    path = ws.records_dir / "tasks" / "M1-T01.yaml"
    path.write_text("id: M1-T01\ntitle: [unclosed\nstatus: todo\n")
    with pytest.raises(ValidationError) as info:
        store.load_kind(ws, "task")
    err = info.value
    assert err.path == path and err.line is not None and err.column is not None
    assert "malformed YAML" in err.message


def test_bad_field_reports_line(ws: Workspace) -> None:
    path = ws.records_dir / "milestones" / "M1.yaml"
    path.write_text("id: M1\ntitle: x\nstatus: finished\n")
    with pytest.raises(ValidationError) as info:
        store.load_record(ws, "milestone", "M1")
    assert info.value.line == 3
    assert "unknown milestone status 'finished'" in info.value.message


def test_queue_order(ws: Workspace) -> None:
    for t in ("A", "B", "C"):
        ops.add_record(ws, "task", f"Ops-{t}")
        ops.queue_add(ws, f"Ops-{t}", priority="P1", description=f"do {t}")
    ops.queue_move(ws, "Ops-C", 1)
    assert [i.id for i in ops.queue_list(ws)] == ["Ops-C", "Ops-A", "Ops-B"]
    with pytest.raises(ConflictError):
        ops.queue_add(ws, "Ops-A", priority="P0")
    with pytest.raises(ValidationError):
        ops.queue_move(ws, "Ops-A", 9)
    with pytest.raises(ValidationError):
        ops.queue_add(ws, "Ops-A", priority="urgent")
    with pytest.raises(NotFound):
        ops.queue_add(ws, "Nope", priority="P0")
    ops.queue_remove(ws, "Ops-A")
    assert [(i.id, i.description) for i in ops.queue_list(ws)] == [
        ("Ops-C", "do C"),
        ("Ops-B", "do B"),
    ]
    assert yamlio.load_plain(ws.records_dir / "queue.yaml")[0]["priority"] == "P1"


def test_leftover_temp_files_are_ignored_then_swept(ws: Workspace) -> None:
    tmp = ws.records_dir / "tasks" / ".M1-T01.yaml.abc123.tmp"
    tmp.write_text("id: M1-T01\nstat")  # a write cut short
    assert store.load_kind(ws, "task") == []
    ops.add_record(ws, "task", "Ops-A")
    assert not tmp.exists()


def test_dangling_references_are_refused_on_write_and_reported_by_check(ws: Workspace) -> None:
    """The same reference rules on both sides: ops refuses the write, check lists the file."""
    from govkit.check import check_workspace
    from govkit.records.model import Resolution

    ops.add_record(ws, "milestone", "M1", {"title": "one"})
    refused = {
        ("task", "M1-T01", "milestone", "M9"): (
            "milestone 'M9' does not exist",
            "create it first: govkit milestone add M9 --title ...",
        ),
        ("finding", "F1", "resolved_by", ("M1-T09",)): (
            "task 'M1-T09' does not exist",
            "create it first: govkit task add M1-T09 --title ...",
        ),
        ("resolution", "R1", "resolves", ("X1",)): (
            "'X1' is not a record or decision of this workspace",
            "resolutions resolve existing tasks, findings, blockers or decisions",
        ),
        ("finding", "F2", "milestone", "M1 and M7"): (
            "milestone 'M7' does not exist",
            "create it first, or write free text such as 'Program-wide'",
        ),
    }
    for (kind, record_id, field_name, value), (message, hint) in refused.items():
        with pytest.raises(ValidationError) as exc:
            ops.add_record(ws, kind, record_id, {field_name: value})
        assert (exc.value.message, exc.value.hint) == (message, hint)
    # Written past ops (a merge, a hand edit): check reports each one.
    with ws.lock():
        store.save_record(ws, Task(id="M1-T01", status="todo", milestone="M9"))
        store.save_record(ws, Finding(id="F1", status="open", resolved_by=("M1-T09",)))
        store.save_record(ws, Finding(id="F2", status="open", milestone="M1 and M7"))
        store.save_record(ws, Resolution(id="R1", status="recorded", resolves=("X1", "M1")))
    found = {(p.file, p.message) for p in check_workspace(ws).problems if p.code == "dangling-ref"}
    assert found == {
        ("records/tasks/M1-T01.yaml", "M1-T01 milestone M9: no such milestone"),
        ("records/findings/F1.yaml", "F1 resolved_by M1-T09: no such task"),
        ("records/findings/F2.yaml", "F2 milestone mentions M7: no such milestone"),
        ("records/resolutions/R1.yaml", "R1 resolves X1: no such record or decision"),
    }
