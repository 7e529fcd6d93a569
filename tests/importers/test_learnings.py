"""govkit import learnings: a learnings note (one `## ` section per learning) becomes records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.errors import ValidationError
from govkit.importers.learnings import import_learnings
from govkit.records import ops, store
from govkit.workspace import Workspace

FIXTURE = Path(__file__).parent / "fixtures" / "learnings.md"


@pytest.fixture
def note(ws: Workspace) -> Path:
    ops.add_record(ws, "milestone", "M1", {"title": "m"})
    ops.add_record(ws, "task", "M1-T02", {"title": "cache"})
    target = ws.root / "notes" / "learnings.md"
    target.parent.mkdir()
    shutil.copyfile(FIXTURE, target)
    return target


def test_each_section_becomes_a_learning_with_its_parts(ws: Workspace, note: Path) -> None:
    report = import_learnings(ws, note, owner="lee")
    assert [(i.id, i.line) for i in report.created] == [("L1", 5), ("L2", 27)]
    # The sentence before the first section is named, not silently dropped.
    assert report.warnings == (
        "notes/learnings.md:3: ignored, outside any `## ` section: "
        "A few notes kept while reworking the ledger cache.",
    )
    assert [(b.line, b.became) for b in report.blocks][:2] == [
        (3, "ignored: outside any `## ` section"),
        (5, "learning L1"),
    ]
    first, second = store.load_kind(ws, "learning")
    assert first.title == "Cache ledger offsets between renders (M1-T02)"  # type: ignore[attr-defined]
    assert first.change.startswith("Stored the byte offset of every ledger line")  # type: ignore[attr-defined]
    assert first.tasks == ("M1-T02",)  # type: ignore[attr-defined]  # M1-T09 does not exist
    assert first.next_steps == (  # type: ignore[attr-defined]
        "Measure the cold render on 100k runs",
        "Drop the cache when the ledger format changes, see M1-T09",
    )
    # A part with no field of its own is kept in notes, code block and all.
    assert "Cache Layout:\n```\n## not a section" in first.notes  # type: ignore[attr-defined]
    assert first.source == "notes/learnings.md#5"  # type: ignore[attr-defined]
    assert second.problem.startswith("- A restored ledger with the same size")  # type: ignore[attr-defined]
    assert second.files == (  # type: ignore[attr-defined]
        "govkit/render/ledger_index.py",
        "tests/render/test_ledger_index.py",
    )
    assert "- `govkit/render/ledger_index.py`: hash the first and last line" in second.change  # type: ignore[attr-defined]
    # Verification entries keep their commas: each bullet is one entry.
    assert second.verification == (  # type: ignore[attr-defined]
        "Command `python -m pytest -q tests/render/test_ledger_index.py` passes, 14 tests",
        "20261124T101500Z-VG-CORE-001-ab12",
    )
    assert {r.owner for r in (first, second)} == {"lee"}  # type: ignore[attr-defined]


def test_importing_again_creates_nothing(ws: Workspace, note: Path) -> None:
    import_learnings(ws, note)
    again = import_learnings(ws, note)
    assert again.created == [] and [i.id for i in again.skipped] == ["L1", "L2"]
    assert len(store.load_kind(ws, "learning")) == 2


def test_dry_run_writes_nothing_and_bad_input_is_named(ws: Workspace, note: Path) -> None:
    assert [i.id for i in import_learnings(ws, note, dry_run=True).created] == ["L1", "L2"]
    assert store.load_kind(ws, "learning") == []
    with pytest.raises(ValidationError, match="--task M9-T01: no such task"):
        import_learnings(ws, note, tasks=("M9-T01",))
    flat = ws.root / "flat.md"
    flat.write_text("# Learnings\n\nonly prose\n")
    with pytest.raises(ValidationError, match="has no `## ` sections") as exc:
        import_learnings(ws, flat)
    assert exc.value.path == flat
    binary = ws.root / "bin.md"
    binary.write_bytes(b"# x\n\xff\n")
    with pytest.raises(ValidationError, match="not valid UTF-8"):
        import_learnings(ws, binary)


@pytest.mark.slow
def test_cli_import_and_handoff_show_the_learning(ws: Workspace, note: Path) -> None:
    def gk(*args: str) -> tuple[int, str]:
        r = CliRunner().invoke(cli, ["-C", str(ws.root), *args])
        return r.exit_code, r.output

    code, out = gk(
        "import", "learnings", str(note), "--task", "M1-T02", "--lane", "cache", "--json"
    )
    assert code == 0, out
    data = json.loads(out)
    assert [c["id"] for c in data["created"]] == ["L1", "L2"] and len(data["warnings"]) == 1
    code, out = gk("learning", "list", "--lane", "cache", "--json")
    assert [r["tasks"] for r in json.loads(out)] == [["M1-T02"], ["M1-T02"]]
    code, out = gk("handoff", "--since", "2000-01-01")
    assert code == 0, out
    assert "7. Learnings: L1, L2" in out
    assert "     - Problem: - A restored ledger with the same size kept the old offsets" in out
