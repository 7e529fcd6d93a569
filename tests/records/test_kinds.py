"""Kinds as data: a kind registered as one class + one KINDS row gets every command for free."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
from click.testing import CliRunner

from govkit.audit.integrity import RunIndex
from govkit.audit.record_checks import check_records
from govkit.cli import COMMANDS, cli
from govkit.cli.records import FLAGS, forget_group
from govkit.decisions import LIFECYCLE as DECISIONS
from govkit.errors import TransitionError, ValidationError
from govkit.lifecycle import Lifecycle
from govkit.records import store
from govkit.records.kinds import KINDS, Kind, register_kind, unregister_kind
from govkit.records.model import Record, id_list, text
from govkit.workspace import Workspace
from tests.helpers import REPO_ROOT, invoke
from tests.render.mdcheck import table_after


@dataclass(frozen=True)
class Widget(Record):
    """The throwaway kind: nothing but this class and the row below."""

    kind: ClassVar[str] = "widget"
    title: str = text("What the widget is.")
    part_of: str = text("The milestone it belongs to.", refers_to="milestone")
    grade: str = text("How good: rough or fine.", choices=("rough", "fine"), default="rough")
    parts: tuple[str, ...] = id_list("Task ids it needs (repeat, or a,b).", refers_to="task")
    evidence: tuple[str, ...] = id_list("Run ids or record paths.", evidence=True)


WIDGET = Kind(
    "widget",
    Widget,
    Lifecycle(
        ("draft", "built", "scrapped"),
        {"draft": ("built", "scrapped"), "built": ("scrapped",), "scrapped": ()},
        "draft",
    ),
    id_pattern=re.compile(r"^W\d+$"),
    id_example="W1",
    summary="Widgets: W1 … draft → built → scrapped.",
    columns=("title", "grade"),
    done="built",
    section="Widgets",
)


@pytest.fixture
def widget() -> Iterator[Kind]:
    register_kind(WIDGET)
    yield WIDGET
    unregister_kind("widget")
    forget_group("widget")


def test_a_registered_kind_gets_add_set_list_show_check_render(
    widget: Kind, runner: CliRunner, ws: Workspace
) -> None:
    gk = invoke
    assert "widget" in COMMANDS
    assert "Widgets: W1 … draft → built → scrapped." in runner.invoke(cli, ["--help"]).output
    help_text = runner.invoke(cli, ["widget", "add", "--help"]).output
    assert "--part-of" in help_text and "How good: rough or fine." in help_text
    assert [f for _, f, _ in FLAGS["widget"]] == ["title", "part_of", "grade", "parts", "evidence"]

    assert gk(runner, ws, "milestone", "add", "M1")[0] == 0
    code, out = gk(runner, ws, "widget", "add", "W1", "--title", "Gear", "--part-of", "M1")
    assert code == 0 and "added widget W1 [draft] (records/widgets/W1.yaml)" in out, out
    # The id scheme, references and allowed values come from the row and the fields.
    code, out = gk(runner, ws, "widget", "add", "X1")
    assert code == 2 and "widget ids look like W1" in out
    code, out = gk(runner, ws, "widget", "add", "W2", "--part-of", "M9")
    assert code == 2 and "milestone 'M9' does not exist" in out
    code, out = gk(runner, ws, "widget", "set", "W1", "--grade", "shiny")
    assert code == 2 and "grade 'shiny' is not one of rough, fine" in out
    assert not (ws.records_dir / "widgets" / "W2.yaml").exists()

    assert gk(runner, ws, "widget", "set", "W1", "--status", "built", "--grade", "FINE")[0] == 0
    code, out = gk(runner, ws, "widget", "set", "W1", "--status", "draft")
    assert code == 2 and "cannot move W1 from built to draft; allowed: scrapped" in out
    code, out = gk(runner, ws, "widget", "list")
    assert code == 0 and re.search(r"W1\s+built\s+Gear\s+fine", out), out
    code, out = gk(runner, ws, "widget", "show", "W1", "--json")
    data = json.loads(out)
    assert (data["kind"], data["status"], data["part_of"], data["grade"]) == (
        "widget",
        "built",
        "M1",
        "fine",
    )
    # Removing what a widget references is refused, as for the built-in kinds.
    code, out = gk(runner, ws, "milestone", "remove", "M1")
    assert code == 2 and "W1 (part_of)" in out

    code, out = gk(runner, ws, "check", "--json")
    assert code == 0, out
    assert json.loads(out)["counts"]["widgets"] == 1
    (ws.records_dir / "widgets" / "W3.yaml").write_text(
        "id: W3\nstatus: melted\npart_of: M7\ncolour: red\n"
    )
    code, out = gk(runner, ws, "check", "--json")
    found = {(p["code"], p["file"], p["line"]) for p in json.loads(out)["problems"]}
    assert code == 1
    assert {
        ("unknown-status", "records/widgets/W3.yaml", 2),
        ("schema", "records/widgets/W3.yaml", 4),
        ("dangling-ref", "records/widgets/W3.yaml", 3),
    } <= found, found

    (ws.records_dir / "widgets" / "W3.yaml").unlink()
    code, out = gk(runner, ws, "render", "status")
    assert code == 0, out
    table = table_after((ws.root / "STATUS.md").read_text(), "Widgets")
    assert table.header == ["ID", "Status", "Title", "Grade"]
    assert table.rows == [["W1", "Built", "Gear", "fine"]]


def test_the_audit_wants_evidence_for_a_registered_kinds_done_state(
    widget: Kind, ws: Workspace
) -> None:
    from govkit.records import ops

    ops.add_record(ws, "milestone", "M1")
    ops.add_record(ws, "widget", "W1", {"part_of": "M1"}, status="built")
    ops.add_record(ws, "widget", "W2", {"part_of": "M1"})
    ops.add_record(ws, "widget", "W3", {"evidence": "evidence/runs/x/record.json"}, status="built")
    findings = check_records(ws, store.load_all(ws), RunIndex())
    assert [(f.code, f.path) for f in findings if "widget" in f.message] == [
        ("GK501", "records/widgets/W1.yaml"),
        ("GK502", "records/widgets/W3.yaml"),
    ]


def test_a_row_that_contradicts_itself_is_refused() -> None:
    broken = Kind(
        "widget",
        Widget,
        Lifecycle(("draft",), {"draft": ("gone",)}, "new"),
        id_pattern=None,
        id_example="W1",
        summary="Broken.",
        columns=("colour",),
        done="finished",
    )
    with pytest.raises(ValidationError) as info:
        register_kind(broken)
    message = info.value.message
    for part in ("initial status 'new'", "'gone'", "'colour'", "done-state 'finished'"):
        assert part in message
    assert "widget" not in KINDS
    with pytest.raises(ValidationError, match="registered already"):
        register_kind(KINDS["task"])


def test_the_built_in_rows_are_consistent() -> None:
    assert {name: kind.problems(KINDS) for name, kind in KINDS.items()} == {
        name: [] for name in KINDS
    }


def test_help_loads_no_record_class() -> None:
    # The table is read by `govkit --help`; the record classes (and dataclasses) load on use.
    code = (
        "import sys\n"
        "from govkit.cli import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='govkit')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED=' + ','.join(m for m in ('govkit.records.model', 'dataclasses') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    ).stdout
    assert "LOADED=\n" in out, out


def test_records_and_decisions_share_one_transition_check() -> None:
    with pytest.raises(TransitionError) as info:
        DECISIONS.check_move("D-003", "superseded", "accepted")
    assert (
        info.value.message == "cannot move D-003 from superseded to accepted; superseded is final"
    )
    with pytest.raises(TransitionError) as info:
        KINDS["milestone"].lifecycle.check_move("M1", "planned", "complete")
    assert info.value.message == "cannot move M1 from planned to complete; allowed: active"
