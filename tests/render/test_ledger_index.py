"""The lazy ledger index agrees with a full parse of the ledger."""

from __future__ import annotations

import json

from govkit.evidence.query import latest_by_gate, streak
from govkit.evidence.store import read_ledger
from govkit.render.ledger_index import LedgerIndex
from govkit.workspace import Workspace


def check_against_full_parse(ws: Workspace, index: LedgerIndex) -> None:
    full = read_ledger(ws)
    assert len(index) == len(full)
    assert [index.entry(i) for i in range(len(index))] == full
    assert index.gates() == {e.gate_id for e in full}
    assert index.newest_start() == max(e.started_at for e in full)
    for gate_id, latest in latest_by_gate(full).items():
        assert index.latest(gate_id) == latest
        s = index.current_streak(gate_id)
        assert latest.gate_hash is not None and s is not None
        assert s == streak(full, gate_id=gate_id, gate_hash=latest.gate_hash, pins=latest.pins)
        assert index.history(gate_id) == sorted(
            (e for e in full if e.gate_id == gate_id), key=lambda e: (e.started_at, e.seq)
        )
        assert index.history(gate_id, last=2) == index.history(gate_id)[-2:]
    for e in full:
        assert index.get(e.run_id) == e
        assert index.find(f"evidence/{e.record}") == e
    assert index.get("no-such-run") is None
    assert list(index.between("2026-11-17", "2026-11-18")) == [
        e for e in full if "2026-11-17" <= e.started_at < "2026-11-18"
    ]


def test_index_matches_read_ledger(harbor: Workspace) -> None:
    index = LedgerIndex.open(harbor.ledger_path)
    assert index._parsed == {}  # the fast scan parsed no line
    check_against_full_parse(harbor, index)


def test_other_json_layout_falls_back_to_parsing_every_line(harbor: Workspace) -> None:
    # Same entries with keys in another order, compact separators and a blank
    # line: the fast scan finds no run fields, so every line is parsed as JSON.
    lines = [json.loads(x) for x in harbor.ledger_path.read_text().splitlines() if x.strip()]
    other = [json.dumps(dict(reversed(x.items())), separators=(",", ":")) for x in lines]
    harbor.ledger_path.write_text("\n".join([*other[:3], "", *other[3:]]) + "\n")
    index = LedgerIndex.open(harbor.ledger_path)
    assert len(index._parsed) == len(lines)
    check_against_full_parse(harbor, index)


def test_missing_ledger_is_empty(ws: Workspace) -> None:
    index = LedgerIndex.open(ws.ledger_path)
    assert len(index) == 0 and index.gates() == set() and index.newest_start() == ""
    assert index.latest("VG-X-001") is None and index.current_streak("VG-X-001") is None
