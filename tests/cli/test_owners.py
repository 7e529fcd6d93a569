"""Owners and lanes on tasks, findings, blockers and learnings; deciders for decisions."""

from __future__ import annotations

import json

from click.testing import CliRunner

from govkit.cli import cli
from govkit.records import store
from govkit.workspace import Workspace


def gk(ws: Workspace, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["-C", str(ws.root), *args])
    return r.exit_code, r.output


def test_set_list_and_filter_by_owner_and_lane(ws: Workspace) -> None:
    gk(ws, "milestone", "add", "M1")
    assert gk(ws, "task", "add", "M1-T01", "--owner", "Ana", "--lane", "relay")[0] == 0
    gk(ws, "task", "add", "M1-T02", "--owner", "raj", "--lane", "mesh")
    gk(ws, "task", "add", "M1-T03")
    gk(ws, "finding", "add", "F1", "--owner", "ana")
    gk(ws, "blocker", "add", "B1", "--lane", "relay")
    code, out = gk(ws, "task", "list", "--owner", "ana", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == ["M1-T01"]  # case-insensitive
    assert [r["id"] for r in json.loads(gk(ws, "task", "list", "--lane", "mesh", "--json")[1])] == [
        "M1-T02"
    ]
    assert json.loads(gk(ws, "finding", "list", "--owner", "ana", "--json")[1])[0]["id"] == "F1"
    assert json.loads(gk(ws, "blocker", "list", "--lane", "relay", "--json")[1])[0]["id"] == "B1"
    code, out = gk(ws, "task", "list")
    assert out.splitlines()[0].split() == ["id", "status", "milestone", "title", "owner", "lane"]
    gk(ws, "task", "set", "M1-T01", "--owner", "lee")
    assert store.load_record(ws, "task", "M1-T01").owner == "lee"  # type: ignore[attr-defined]
    # Consumers have no owner: the flag does not exist rather than matching nothing.
    code, out = gk(ws, "consumer", "list", "--owner", "ana")
    assert code == 2 and "No such option '--owner'" in out


def test_old_records_without_owner_keep_loading_and_stay_unchanged(ws: Workspace) -> None:
    path = ws.records_dir / "tasks" / "M1-T01.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    (ws.records_dir / "milestones").mkdir(exist_ok=True)
    (ws.records_dir / "milestones" / "M1.yaml").write_text("id: M1\nstatus: active\n")
    text = "# a hand-written task\nid: M1-T01\nmilestone: M1\ntitle: old\nstatus: todo\n"
    path.write_text(text)
    assert store.load_record(ws, "task", "M1-T01").owner == ""  # type: ignore[attr-defined]
    assert gk(ws, "check")[0] == 0
    gk(ws, "task", "set", "M1-T01", "--notes", "n")
    written = path.read_text()
    assert "owner" not in written and "lane" not in written and "# a hand-written task" in written


def test_decision_list_by_decider(ws: Workspace) -> None:
    gk(ws, "decision", "new", "Use flock", "--deciders", "ana,raj")
    gk(ws, "decision", "new", "Use JSON", "--deciders", "lee")
    code, out = gk(ws, "decision", "list", "--owner", "RAJ", "--json")
    assert code == 0 and [d["title"] for d in json.loads(out)] == ["Use flock"]
