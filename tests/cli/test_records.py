"""CLI wiring of the record groups (CliRunner), and text round-trips (hypothesis)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govkit.cli import cli
from govkit.cli.records import FLAGS
from govkit.records import store
from govkit.records.model import KIND_CLASSES, kind_fields
from govkit.workspace import Workspace
from tests.helpers import invoke

gk = invoke


def test_every_kind_has_a_group_with_all_commands(runner: CliRunner) -> None:
    for kind in KIND_CLASSES:
        result = runner.invoke(cli, [kind, "--help"])
        assert result.exit_code == 0, result.output
        for sub in ("add", "set", "show", "list", "remove"):
            assert sub in result.output
        # every editable field has a flag
        assert {f for _, f, _ in FLAGS[kind]} == set(kind_fields(kind))


def test_add_show_list_set(runner: CliRunner, ws: Workspace) -> None:
    assert gk(runner, ws, "milestone", "add", "M1", "--title", "Build")[0] == 0
    code, out = gk(
        runner,
        ws,
        "task",
        "add",
        "M1-T01",
        "--title",
        "Fix",
        "--evidence",
        "a,b",
        "--evidence",
        "c",
    )
    assert code == 0 and "added task M1-T01 [todo]" in out
    code, out = gk(runner, ws, "task", "show", "M1-T01", "--json")
    data = json.loads(out)
    assert data["evidence"] == ["a", "b", "c"] and data["milestone"] == "M1"
    assert data["path"] == "records/tasks/M1-T01.yaml" and data["kind"] == "task"
    code, out = gk(runner, ws, "task", "set", "M1-T01", "--status", "in-progress")
    assert code == 0
    code, out = gk(runner, ws, "task", "list", "--status", "in-progress", "--json")
    assert [r["id"] for r in json.loads(out)] == ["M1-T01"]
    code, out = gk(runner, ws, "task", "list")
    assert "M1-T01  in-progress  M1" in out
    code, out = gk(runner, ws, "task", "show", "M1-T01")
    assert "todo -> in-progress" in out


def test_invalid_move_exit_code_and_message(runner: CliRunner, ws: Workspace) -> None:
    gk(runner, ws, "milestone", "add", "M1")
    code, out = gk(runner, ws, "milestone", "set", "M1", "--status", "complete")
    assert code == 2
    assert "cannot move M1 from planned to complete; allowed: active" in out


def test_force_completion(runner: CliRunner, ws: Workspace) -> None:
    gk(runner, ws, "milestone", "add", "M1", "--status", "active")
    gk(runner, ws, "task", "add", "M1-T01")
    code, out = gk(runner, ws, "milestone", "set", "M1", "--status", "complete")
    assert code == 2 and "--force" in out
    code, out = gk(runner, ws, "milestone", "set", "M1", "--status", "complete", "--force")
    assert code == 0
    history = json.loads(gk(runner, ws, "milestone", "show", "M1", "--json")[1])["history"]
    assert history[-1]["forced"] is True


def test_resolve_commands(runner: CliRunner, ws: Workspace) -> None:
    gk(runner, ws, "milestone", "add", "M1")
    gk(runner, ws, "task", "add", "M1-T01")
    gk(runner, ws, "finding", "add", "F1", "--title", "t", "--summary", "s", "--milestone", "M1")
    code, out = gk(runner, ws, "finding", "resolve", "F1", "--by", "M1-T01")
    assert code == 0, out
    data = json.loads(gk(runner, ws, "finding", "show", "F1", "--json")[1])
    assert data["status"] == "resolved" and data["resolved_by"] == ["M1-T01"]
    assert data["evidence_summary"] == "s"
    gk(runner, ws, "blocker", "add", "B5", "--impact", "crash", "--exit-condition", "wrapper")
    code, out = gk(runner, ws, "blocker", "resolve", "B5", "--resolution", "done via D-007")
    assert code == 0
    data = json.loads(gk(runner, ws, "blocker", "show", "B5", "--json")[1])
    assert (data["status"], data["resolution"], data["exit_condition"]) == (
        "resolved",
        "done via D-007",
        "wrapper",
    )


def test_remove_and_errors(runner: CliRunner, ws: Workspace) -> None:
    gk(runner, ws, "milestone", "add", "M1")
    gk(runner, ws, "task", "add", "M1-T01")
    code, out = gk(runner, ws, "milestone", "remove", "M1")
    assert code == 2 and "still referenced by M1-T01" in out
    code, out = gk(runner, ws, "task", "show", "M1-T09")
    assert code == 2 and "no task 'M1-T09'" in out
    code, out = gk(runner, ws, "task", "add", "../../etc")
    assert code == 2 and "not a valid id" in out
    assert gk(runner, ws, "task", "remove", "M1-T01")[0] == 0
    assert gk(runner, ws, "milestone", "remove", "M1")[0] == 0
    assert gk(runner, ws, "milestone", "list", "--json")[1].strip() == "[]"


def test_consumer_and_resolution_flags(runner: CliRunner, ws: Workspace) -> None:
    gk(runner, ws, "milestone", "add", "M1")
    gk(runner, ws, "task", "add", "M1-T01")
    code, _ = gk(
        runner,
        ws,
        "consumer",
        "add",
        "loop-agent",
        "--coupling",
        "seam contract",
        "--readiness",
        "medium",
        "--risk",
        "drift",
    )
    assert code == 0
    code, out = gk(
        runner, ws, "resolution", "add", "R1", "--summary", "fixed", "--resolves", "M1-T01,M1"
    )
    assert code == 0, out
    data = json.loads(gk(runner, ws, "resolution", "show", "R1", "--json")[1])
    assert data["resolves"] == ["M1-T01", "M1"]
    code, out = gk(runner, ws, "consumer", "set", "loop-agent", "--readiness", "great")
    assert code == 2 and "readiness" in out


def test_malformed_yaml_no_traceback(runner: CliRunner, ws: Workspace) -> None:
    (ws.records_dir / "tasks" / "M1-T01.yaml").write_text("id: M1-T01\ntitle: 'open\n")
    code, out = gk(runner, ws, "task", "list")
    assert code == 2
    assert "records/tasks/M1-T01.yaml:" in out and "malformed YAML" in out


# Text that YAML likes to reinterpret: booleans, nulls, comments, colons, quotes, breaks.
TRICKY = st.sampled_from(
    ["yes", "no", "null", "~", "true", "0x1F", "1e3", "- a", "a: b", "# c", "'", '"', "|", ">"]
)
# Characters with a meaning in YAML syntax, and line breaks a loader may fold.
SYNTAX = st.text(alphabet=list(" ab:#'\"\n\r\t\x85\u2028\u2029\ufeff\x00-?&*!|>{}[],%@`"))
ANY_TEXT = st.one_of(
    st.text(), TRICKY, SYNTAX, st.builds(lambda a, b: f"{a}\n{b}", st.text(), TRICKY)
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.slow
@given(values=st.lists(ANY_TEXT, min_size=32, max_size=32))
def test_any_text_round_trips_through_add_and_show(
    runner: CliRunner, tmp_path: Path, values: list[str]
) -> None:
    """Every text field of every kind keeps arbitrary text exactly (CLI add -> show --json)."""
    from govkit.workspace import init_workspace

    ws = init_workspace(Path(tempfile.mkdtemp(dir=tmp_path)), name="prop")
    texts = iter(values)
    gk(runner, ws, "milestone", "add", "M1")
    for n, kind in enumerate(KIND_CLASSES):
        record_id = {"task": "M1-T01", "milestone": "M2"}.get(kind, f"{kind[0].upper()}{n}")
        if kind == "consumer":
            record_id = "core"
        args: list[str] = []
        expected: dict[str, str] = {}
        lists = kind_fields(kind)
        for flag, field_name, _ in FLAGS[kind]:
            if lists[field_name] or field_name in ("readiness", "milestone"):
                continue
            value = next(texts)
            args += [flag, value]
            expected[field_name] = value
        code, out = gk(runner, ws, kind, "add", record_id, *args)
        assert code == 0, out
        data = json.loads(gk(runner, ws, kind, "show", record_id, "--json")[1])
        for field_name, value in expected.items():
            assert data[field_name] == value, (kind, field_name)
        # and the file on disk reads back the same through the plain loader
        record = store.load_record(ws, kind, record_id)
        for field_name, value in expected.items():
            assert getattr(record, field_name) == value


def test_cli_set_keeps_comments_and_order(runner: CliRunner, ws: Workspace) -> None:
    gk(runner, ws, "milestone", "add", "M1")
    path = ws.records_dir / "milestones" / "M1.yaml"
    path.write_text(
        "# M1, written by hand\nstatus: planned  # where it stands\nid: M1\ntitle: Build\n"
    )
    code, out = gk(runner, ws, "milestone", "set", "M1", "--status", "active", "--notes", "go")
    assert code == 0, out
    text = path.read_text()
    lines = text.splitlines()
    assert lines[0] == "# M1, written by hand"
    # ruamel keeps the comment's column, so the padding after the new value may differ
    assert lines[1].startswith("status: active") and lines[1].endswith("  # where it stands")
    assert lines[2:4] == ["id: M1", "title: Build"]
    assert "title: Build\n" in text and "notes: go\n" in text


# Arbitrary text is nearly always rejected; path-like strings ('..', '/', '\\', dots)
# make the accepted branch, the one that matters, run often.
_ID_LIKE = st.text(max_size=80) | st.from_regex(r"[A-Za-z0-9._/\\-]{1,70}", fullmatch=True)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(value=_ID_LIKE)
def test_accepted_ids_never_leave_their_directory(value: str) -> None:
    """Whatever text passes id validation names a file directly inside the records dir."""
    from govkit.errors import ValidationError
    from govkit.ids import check_safe_id

    try:
        check_safe_id(value)
    except ValidationError:
        return
    base = Path("/ws/records/tasks")
    target = base / f"{value}.yaml"
    assert target.parent == base and os.path.normpath(target) == str(target)
    assert "\n" not in value and len(value) <= 64
