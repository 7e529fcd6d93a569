"""Reading decisions: the C loader and the parse cache give what the round-trip parser gave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govkit import decisions as dec
from govkit import yamlio
from govkit.errors import ValidationError
from govkit.records import cache
from govkit.workspace import Workspace

FRONT_MATTERS = [
    "id: D-001\ntitle: Plain\nstatus: accepted\ndate: '2026-11-21'\n",
    # Unquoted date, flow and block lists, comma text, unknown keys (nested), a comment.
    "id: D-002\ntitle: 'Quoted: title'\nstatus: Accepted\ndate: 2026-11-21\n"
    "deciders: [ana, bo]\ntags: ci, perf\nsupersedes:\n  - D-001\n"
    "custom: {owner: lane-a, weights: [1, 2.5]}  # kept as is\nimported: true\n",
    "title: No id\nstatus: proposed\nextra_list:\n  - a: 1\n  - b\n",
    "",
]


@pytest.mark.parametrize("front", FRONT_MATTERS)
def test_plain_front_matter_equals_the_round_trip_one(front: str, tmp_path: Path) -> None:
    text = f"---\n{front}---\n# Body\n\n## Context\n\nWhy.\n"
    path = tmp_path / "D-009-x.md"
    plain, body = dec.read_front_matter(text, path)
    round_trip, rt_body = dec.split_front_matter(text, path)
    assert plain == yamlio.to_plain(round_trip) and body == rt_body
    assert body.endswith("# Body\n\n## Context\n\nWhy.\n")


@pytest.mark.parametrize(
    ("front", "line"),
    [("id: D-001\ntitle: [unclosed\n", 3), ("id: D-001\nid: D-002\n", 3), ("- a\n", 2)],
)
def test_bad_front_matter_names_the_file_line(front: str, line: int, tmp_path: Path) -> None:
    path = tmp_path / "D-001-x.md"
    path.write_text(f"---\n{front}---\nbody\n")
    with pytest.raises(ValidationError) as info:
        dec.load_decision(path)
    assert info.value.path == path and info.value.line == line, str(info.value)


def _cached(ws: Workspace) -> dict[str, object]:
    path = ws.state_dir / "cache" / f"decisions-v{cache.CACHE_VERSION}.json"
    return json.loads(path.read_text())["entries"] if path.exists() else {}


def test_list_is_served_from_the_parse_cache_and_sees_edits(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)  # files written just now may be cached
    a = dec.accept_decision(ws, dec.new_decision(ws, "Lock writes", decision="Yes.").id)
    b = dec.new_decision(ws, "Cache reads")
    first = dec.load_decisions(ws)
    assert [d.id for d in first] == [a.id, b.id]
    assert set(_cached(ws)) == {str(a.path), str(b.path)}
    assert dec.load_decisions(ws) == first  # from the cache: the same decisions

    assert a.path is not None and b.path is not None
    a.path.write_text(a.path.read_text().replace("title: Lock writes", "title: Lock all writes"))
    b.path.unlink()
    again = dec.load_decisions(ws)
    assert [(d.id, d.title) for d in again] == [(a.id, "Lock all writes")]
    assert set(_cached(ws)) == {str(a.path)}  # the removed file's entry is pruned


def test_a_cached_file_that_breaks_is_reported(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    d = dec.new_decision(ws, "Lock writes")
    dec.load_decisions(ws)
    assert d.path is not None and str(d.path) in _cached(ws)
    d.path.write_text("---\ntitle: [broken\n---\n")
    with pytest.raises(ValidationError) as info:
        dec.load_decisions(ws)
    assert info.value.path == d.path and info.value.line == 2
