"""Queries over ledger entries: latest per gate, history, promotion streaks (DESIGN.md §5)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from govkit.evidence.query import latest_by_gate, newest_runs, runs_for_gate, streak
from govkit.evidence.store import LedgerEntry

PINS = {"core": "a" * 40, "agent": "b" * 40}
OTHER_PINS = {"core": "a" * 40, "agent": "c" * 40}
HASH = "h1"

_seq = itertools.count(1)


def entry(
    outcome: str,
    minute: int,
    *,
    gate: str = "VG-LA-002",
    claim_grade: bool = True,
    pins: dict[str, str] | None = None,
    gate_hash: str = HASH,
    run_id: str | None = None,
) -> LedgerEntry:
    seq = next(_seq)
    return LedgerEntry(
        seq=seq,
        run_id=run_id or f"r{minute:02d}-{outcome}",
        record=f"runs/2026-11-21/r{seq}/record.json",
        record_sha256="0" * 64,
        gate_id=gate,
        outcome=outcome,
        started_at=f"2026-11-21T05:{minute:02d}:00.000Z",
        claim_grade=claim_grade,
        tuple_name="candidate",
        commit=(pins or PINS)["core"],
        pins=dict(pins or PINS),
        gate_hash=gate_hash,
        counts=None,
        prev="0" * 64,
        hash="1" * 64,
    )


def s(entries: list[LedgerEntry]) -> tuple[int, tuple[str, ...], str | None, tuple[str, ...]]:
    st = streak(entries, gate_id="VG-LA-002", gate_hash=HASH, pins=PINS)
    return st.count, st.run_ids, st.last_reset, st.ignored


def test_empty_ledger_has_no_streak() -> None:
    assert s([]) == (0, (), None, ())


def test_consecutive_passes_count_oldest_first() -> None:
    runs = [entry("pass", 1), entry("pass", 2), entry("pass", 3)]
    assert s(runs) == (3, ("r01-pass", "r02-pass", "r03-pass"), None, ())


def test_fail_timeout_oom_reset() -> None:
    for bad in ("fail", "timeout", "oom"):
        runs = [entry("pass", 1), entry(bad, 2), entry("pass", 3), entry("pass", 4)]
        assert s(runs) == (2, ("r03-pass", "r04-pass"), f"r02-{bad}", ())


def test_newest_failure_leaves_zero() -> None:
    runs = [entry("pass", 1), entry("pass", 2), entry("fail", 3)]
    assert s(runs) == (0, (), "r03-fail", ())


def test_only_the_newest_reset_is_reported() -> None:
    runs = [entry("fail", 1), entry("pass", 2), entry("timeout", 3), entry("pass", 4)]
    assert s(runs) == (1, ("r04-pass",), "r03-timeout", ())


def test_error_refused_interrupted_neither_count_nor_reset() -> None:
    runs = [
        entry("pass", 1),
        entry("error", 2),
        entry("pass", 3),
        entry("refused", 4),
        entry("interrupted", 5),
        entry("pass", 6),
    ]
    assert s(runs) == (
        3,
        ("r01-pass", "r03-pass", "r06-pass"),
        None,
        ("r02-error", "r04-refused", "r05-interrupted"),
    )


def test_ignored_only_within_the_streak_window() -> None:
    runs = [entry("error", 1), entry("fail", 2), entry("error", 3), entry("pass", 4)]
    assert s(runs) == (1, ("r04-pass",), "r02-fail", ("r03-error",))


def test_non_claim_grade_runs_neither_count_nor_reset() -> None:
    runs = [
        entry("pass", 1),
        entry("pass", 2, claim_grade=False),
        entry("fail", 3, claim_grade=False),
        entry("pass", 4),
    ]
    assert s(runs) == (2, ("r01-pass", "r04-pass"), None, ("r02-pass", "r03-fail"))


def test_other_tuples_and_gate_hashes_are_irrelevant() -> None:
    runs = [
        entry("pass", 1),
        entry("fail", 2, pins=OTHER_PINS),
        entry("fail", 3, gate_hash="h2"),
        entry("fail", 4, gate="VG-OTHER-1"),
        entry("error", 5, pins=OTHER_PINS),
        entry("pass", 6),
    ]
    assert s(runs) == (2, ("r01-pass", "r06-pass"), None, ())


def test_pins_must_match_exactly_not_a_subset() -> None:
    superset = {**PINS, "extra": "d" * 40}
    subset = {"core": PINS["core"]}
    runs = [entry("pass", 1, pins=superset), entry("pass", 2, pins=subset)]
    assert s(runs) == (0, (), None, ())


def test_order_is_by_start_time_not_ledger_position() -> None:
    # A long failing run started first but was written to the ledger last;
    # the later-started pass is newer and the fail only resets what came before it.
    late_written_fail = entry("fail", 1)
    runs = [entry("pass", 2), late_written_fail, entry("pass", 3)]
    runs = [runs[0], runs[2], runs[1]]
    assert s(runs) == (2, ("r02-pass", "r03-pass"), "r01-fail", ())


def test_runs_for_gate_oldest_first() -> None:
    a, b, c = entry("pass", 3), entry("fail", 1, gate="VG-X-1"), entry("fail", 2)
    assert [e.run_id for e in runs_for_gate([a, b, c], "VG-LA-002")] == ["r02-fail", "r03-pass"]
    assert runs_for_gate([a, b, c], "VG-NONE-1") == []


def test_latest_by_gate() -> None:
    runs = [
        entry("pass", 1, gate="VG-A-1"),
        entry("fail", 5, gate="VG-A-1", claim_grade=False),
        entry("pass", 3, gate="VG-B-1"),
        entry("fail", 2, gate="VG-B-1"),
    ]
    latest = latest_by_gate(runs)
    assert {g: e.run_id for g, e in latest.items()} == {"VG-A-1": "r05-fail", "VG-B-1": "r03-pass"}
    graded = latest_by_gate(runs, claim_grade_only=True)
    assert {g: e.run_id for g, e in graded.items()} == {"VG-A-1": "r01-pass", "VG-B-1": "r03-pass"}


def test_same_start_time_falls_back_to_ledger_order() -> None:
    first = entry("fail", 7, run_id="first")
    second = entry("pass", 7, run_id="second")
    assert latest_by_gate([second, first])["VG-LA-002"].run_id == "second"
    assert s([first, second]) == (1, ("second",), "first", ())


def test_newest_runs_filters_and_stops_at_the_limit() -> None:
    runs = [entry("pass", 9), entry("fail", 8, gate="VG-X-1"), entry("fail", 7), entry("pass", 6)]
    assert [e.run_id for e in newest_runs(runs, outcome="fail")] == ["r08-fail", "r07-fail"]
    assert [e.run_id for e in newest_runs(runs, gate_id="VG-LA-002", limit=2)] == [
        "r09-pass",
        "r07-fail",
    ]
    read: list[str] = []

    def stream() -> Iterator[LedgerEntry]:
        for e in runs:
            read.append(e.run_id)
            yield e

    assert len(newest_runs(stream(), limit=1)) == 1 and read == ["r09-pass"]
