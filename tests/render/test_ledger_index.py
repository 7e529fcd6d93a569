"""The lazy ledger index agrees with a full parse of the ledger."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from govkit import forkjob
from govkit.errors import ValidationError
from govkit.evidence.query import latest_by_gate, streak
from govkit.evidence.record import Counts, Outcome
from govkit.evidence.store import read_ledger
from govkit.render.ledger_index import LedgerIndex
from govkit.workspace import Workspace
from tests.render.fixture import make_run


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
    harbor.ledger_path.write_text("\n".join([*other[:3], "", "  ", *other[3:]]) + "\n")
    index = LedgerIndex.open(harbor.ledger_path)
    assert len(index._parsed) == len(lines)
    check_against_full_parse(harbor, index)


def test_missing_ledger_is_empty(ws: Workspace) -> None:
    index = LedgerIndex.open(ws.ledger_path)
    assert len(index) == 0 and index.gates() == set() and index.newest_start() == ""
    assert index.latest("VG-X-001") is None and index.current_streak("VG-X-001") is None


def _age(path: Path) -> None:
    """Make a file look last modified an hour ago (outside the racy window)."""
    old = time.time() - 3600
    os.utime(path, (old, old))


def test_cache_is_used_extended_on_append_and_dropped_on_rewrite(harbor: Workspace) -> None:
    cache = harbor.state_dir / "cache"
    _age(harbor.ledger_path)
    first = LedgerIndex.open(harbor.ledger_path, cache_dir=cache)
    assert first.data is not None and (cache / "ledger-index-v1.marshal").is_file()
    again = LedgerIndex.open(harbor.ledger_path, cache_dir=cache)
    assert again.data is None  # answered from the cache, lines read on demand
    check_against_full_parse(harbor, again)

    make_run(
        harbor,
        "core-9",
        "VG-CORE-001",
        "2026-11-21T09:00:00.000Z",
        Outcome.FAIL,
        counts=Counts(passed=1, failed=1),
    )
    grown = LedgerIndex.open(harbor.ledger_path, cache_dir=cache)
    assert grown.data is None  # only the appended line was scanned
    check_against_full_parse(harbor, grown)
    latest = grown.latest("VG-CORE-001")
    assert latest is not None and latest.outcome == "fail"

    # A same-size rewrite (one character of an older line) is noticed by size + mtime.
    text = harbor.ledger_path.read_bytes()
    harbor.ledger_path.write_bytes(text.replace(b'"outcome": "pass"', b'"outcome": "oops"', 1))
    rewritten = LedgerIndex.open(harbor.ledger_path, cache_dir=cache)
    assert rewritten.data is not None
    assert rewritten.entry(0).outcome == "oops"


def test_cache_can_be_disabled(harbor: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVKIT_NO_CACHE", "1")
    LedgerIndex.open(harbor.ledger_path, cache_dir=harbor.state_dir / "cache")
    assert not (harbor.state_dir / "cache" / "ledger-index-v1.marshal").exists()


def test_damaged_cache_is_ignored(harbor: Workspace) -> None:
    cache = harbor.state_dir / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "ledger-index-v1.marshal").write_bytes(b"not marshal data")
    check_against_full_parse(harbor, LedgerIndex.open(harbor.ledger_path, cache_dir=cache))


def test_runs_appended_out_of_start_order_are_read_oldest_first(harbor: Workspace) -> None:
    # An ingested CI run (docs/ci.md) can start before runs already in the ledger.
    make_run(harbor, "core-early", "VG-CORE-001", "2026-11-01T00:00:00.000Z", Outcome.PASS)
    index = LedgerIndex.open(harbor.ledger_path)
    assert not index._in_order()
    assert index.history("VG-CORE-001")[0].started_at == "2026-11-01T00:00:00.000Z"
    check_against_full_parse(harbor, index)
    ordered = LedgerIndex.open(harbor.ledger_path)
    ordered.started.sort()  # what a ledger written in order looks like to _in_order
    ordered.seqs.sort()
    assert ordered._in_order()


needs_fork = pytest.mark.skipif(
    not forkjob.can_fork(), reason="forked scans run on Linux with two cores or more"
)


@needs_fork
def test_a_scan_in_a_forked_child_equals_one_here(harbor: Workspace) -> None:
    cache = harbor.state_dir / "cache"
    pending = LedgerIndex.open_soon(harbor.ledger_path, cache_dir=cache, parallel_from=0)
    assert pending.job is not None  # no cache yet: the scan runs in a child
    index = pending.get()
    here = LedgerIndex.open(harbor.ledger_path)
    for column in ("size", "starts", "run_ids", "gate_ids", "seqs", "started"):
        assert getattr(index, column) == getattr(here, column)
    assert index.by_gate() == here.by_gate()
    check_against_full_parse(harbor, index)
    _age(harbor.ledger_path)
    LedgerIndex.open_soon(harbor.ledger_path, cache_dir=cache, parallel_from=0).get()
    # The child's columns were cached here: the next open is answered from the cache.
    again = LedgerIndex.open_soon(harbor.ledger_path, cache_dir=cache, parallel_from=0)
    assert again.job is None
    warm = again.get()
    assert warm.data is None and warm.run_ids == here.run_ids


@needs_fork
def test_a_broken_ledger_scanned_in_a_child_is_reported_as_here(harbor: Workspace) -> None:
    lines = harbor.ledger_path.read_bytes().splitlines(keepends=True)
    lines[2] = b'{"run_id": "half a line\n'
    harbor.ledger_path.write_bytes(b"".join(lines))
    with pytest.raises(ValidationError) as here:
        LedgerIndex.open(harbor.ledger_path)
    assert here.value.line == 3
    pending = LedgerIndex.open_soon(harbor.ledger_path, parallel_from=0)
    assert pending.job is not None
    with pytest.raises(ValidationError) as there:
        pending.get()  # the child failed on it; the scan here reports it
    assert (str(there.value), there.value.line) == (str(here.value), 3)


@needs_fork
def test_a_pending_scan_can_be_dropped(harbor: Workspace) -> None:
    pending = LedgerIndex.open_soon(harbor.ledger_path, parallel_from=0)
    assert pending.job is not None
    pid = pending.job._pid
    pending.cancel()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # stopped and reaped


def test_small_ledgers_and_one_core_scan_here(
    harbor: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert LedgerIndex.open_soon(harbor.ledger_path).job is None  # far below PARALLEL_BYTES
    monkeypatch.setenv(forkjob.JOBS_ENV, "1")
    pending = LedgerIndex.open_soon(harbor.ledger_path, parallel_from=0)
    assert pending.job is None
    check_against_full_parse(harbor, pending.get())


def test_lines_read_on_demand_match_the_file(harbor: Workspace) -> None:
    _age(harbor.ledger_path)
    cache = harbor.state_dir / "cache"
    LedgerIndex.open(harbor.ledger_path, cache_dir=cache)
    index = LedgerIndex.open(harbor.ledger_path, cache_dir=cache)
    assert index.data is None
    raw = harbor.ledger_path.read_bytes().splitlines(keepends=True)
    assert [index._line(i) for i in range(len(index))] == raw
    assert index._fd is not None  # one descriptor for every line, not an open each
