"""Property tests: the Markdown reader, claim finder and importers never crash on junk."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit.audit.claims import CLAIM_RE, claimed_counts, segments
from govkit.documents import parse_units, tables
from govkit.errors import GovkitError
from govkit.importers.adr import map_status, parse_adr
from govkit.importers.tracker import decision_ids, read_tracker, task_ids

MARKDOWN_BITS = st.sampled_from(
    [
        "# H\n",
        "| a | b |\n",
        "|---|---|\n",
        "| x | tests pass |\n",
        "- item\n",
        "`code`",
        "```\n",
        "[t](evidence/runs/d/r/record.json)",
        "936 passed",
        "\n",
        " ",
        "<!-- c -->",
        "> q\n",
        "M1-T01",
        "D-001 through D-009",
        "..",
        "*",
        "\r\n",
        "\ufeff",
        "é",
    ]
)
DOCS = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=20)), max_size=40).map("".join)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(DOCS)
def test_units_map_every_offset_to_a_source_line(text: str) -> None:
    n_lines = text.count("\n") + text.count("\r") + 1
    for unit in parse_units(text):
        assert 1 <= unit.line <= n_lines
        for start, end in segments(unit):
            assert 0 <= start <= end <= len(unit.text)
            assert unit.line <= unit.line_at(start) <= n_lines
        for link in unit.links:
            assert unit.text[link.start : link.end] == link.text
    tables(parse_units(text))


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(DOCS)
def test_claim_scanning_and_ids_never_crash(text: str) -> None:
    list(CLAIM_RE.finditer(text))
    for n, field, _ in claimed_counts(text):
        assert n >= 0 and field in {"passed", "failed", "skipped", "xfailed", "xpassed", "errors"}
    assert len(task_ids(text)) <= 10 * (text.count("T") + 1) * 201
    assert all(d.startswith("D-") for d in decision_ids(text))
    read_tracker(text, source="x.md")


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400), st.text(max_size=30))
def test_adr_parser_takes_any_bytes(tmp_path_factory: object, data: bytes, status: str) -> None:
    assert map_status(status) in {"proposed", "accepted", "rejected", "deprecated", "superseded"}
    folder = Path(str(tmp_path_factory.mktemp("adr")))  # type: ignore[attr-defined]
    path = folder / "0001-x.md"
    path.write_bytes(data)
    # Malformed front matter is a GovkitError (reported as a skipped file), never a traceback.
    with contextlib.suppress(GovkitError):
        parse_adr(path)


@pytest.mark.slow
@settings(max_examples=120, deadline=None)
@given(DOCS)
def test_claim_findings_always_point_inside_the_document(
    tmp_path_factory: object, text: str
) -> None:
    from datetime import UTC, datetime

    from govkit.audit.claims import ClaimContext, check_document
    from govkit.audit.integrity import RunIndex
    from govkit.workspace import init_workspace

    root = Path(str(tmp_path_factory.mktemp("ws")))  # type: ignore[attr-defined]
    ws = init_workspace(root / "ws", name="p")
    ctx = ClaimContext(ws, RunIndex(), datetime(2026, 1, 1, tzinfo=UTC), 86400.0, {})
    # Lines as editors and markdown-it count them: \x1c or \u2028 do not end a line.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for f in check_document(ctx, ws.root / "doc.md", parse_units(text)):
        assert f.line is not None and 1 <= f.line <= len(lines)
        assert f.column is not None and 1 <= f.column <= len(lines[f.line - 1]) + 1
