"""Property tests: any text is either imported, refused with file:line problems, or a clean error."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govkit.errors import GovkitError
from govkit.importers.blocks import plain
from govkit.importers.tracker import lead_id, read_tracker

CELL = st.sampled_from(
    [
        "M1",
        "**M2** Core",
        "[F3](#f3)",
        "`B4`",
        "R5",
        "M1-T02",
        "D-017",
        "P0",
        "Done",
        "open",
        "",
        "x|y",
    ]
)
ROW = st.lists(CELL, min_size=1, max_size=5)


def _table(rows: list[list[str]]) -> str:
    width = max(len(r) for r in rows)
    lines = ["| " + " | ".join(f"h{i}" for i in range(width)) + " |"]
    lines.append("|" + "---|" * width)
    lines += ["| " + " | ".join(r + [""] * (width - len(r))) + " |" for r in rows]
    return "\n".join(lines)


@given(st.lists(ROW, min_size=1, max_size=6), st.text(max_size=40))
@settings(max_examples=150, deadline=None)
def test_read_tracker_never_crashes(rows: list[list[str]], heading: str) -> None:
    text = f"# {heading}\n\n{_table(rows)}\n\n- P1 M3-T01 next\n"
    plan = read_tracker(text, source="t.md")
    # Every problem names the file and a line of it.
    for problem in plan.problems:
        where = problem.split(": ", 1)[0]
        assert where.startswith("t.md:") and int(where.split(":")[1]) >= 1


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_parses(text: str) -> None:
    read_tracker(text, source="t.md")


@given(st.text(max_size=300))
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_import_of_any_text_is_clean(text: str) -> None:
    import tempfile

    from govkit.importers.tracker import import_tracker
    from govkit.workspace import init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "ws", name="p")
        source = Path(tmp) / "t.md"
        source.write_text(text, encoding="utf-8")
        with contextlib.suppress(GovkitError):  # a clean, named refusal is fine
            import_tracker(ws, source)


def test_ids_through_markup() -> None:
    assert lead_id("**M0** Bootstrap") == ("milestone", "M0")
    assert lead_id("[F3](#f3)") == ("finding", "F3")
    assert lead_id("`B2`") == ("blocker", "B2")
    assert lead_id("__M1-T04__ wire it") == ("task", "M1-T04")
    assert lead_id("Milestone M1") is None
    assert plain("`llm_query_batched` and _emphasis_") == "llm_query_batched and emphasis"
