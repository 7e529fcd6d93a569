"""Pure queries over ledger entries: latest run per gate, a gate's history, promotion streaks.

Everything here works on `LedgerEntry` lists (from `read_ledger`), so render,
promotion and `evidence list` answer from the ledger alone, fast at 100k runs.
"Newest" means the latest `started_at`, ties broken by ledger order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice

from govkit.evidence.store import LedgerEntry

# DESIGN.md §5: these outcomes say the tuple is bad, so they end a streak.
RESETTING = frozenset({"fail", "timeout", "oom"})
# Infrastructure trouble or a stopped run says nothing about the tuple.
NEUTRAL = frozenset({"error", "refused", "interrupted"})


def _order(entry: LedgerEntry) -> tuple[str, int]:
    return (entry.started_at, entry.seq)


def runs_for_gate(entries: Iterable[LedgerEntry], gate_id: str) -> list[LedgerEntry]:
    """Every run of `gate_id`, oldest first."""
    return sorted((e for e in entries if e.gate_id == gate_id), key=_order)


def newest_runs(
    newest_first: Iterable[LedgerEntry],
    *,
    gate_id: str | None = None,
    outcome: str | None = None,
    limit: int = 0,
) -> list[LedgerEntry]:
    """The first `limit` entries (0: all) of a newest-first stream matching gate and outcome.

    Stops reading at `limit`, so a lazy stream (`iter_ledger_newest_first`) is not read whole.
    """
    matching = (
        e
        for e in newest_first
        if (gate_id is None or e.gate_id == gate_id) and (outcome is None or e.outcome == outcome)
    )
    return list(islice(matching, limit) if limit > 0 else matching)


def latest_by_gate(
    entries: Iterable[LedgerEntry], *, claim_grade_only: bool = False
) -> dict[str, LedgerEntry]:
    """The newest run of each gate (optionally only claim-grade runs)."""
    latest: dict[str, LedgerEntry] = {}
    for entry in entries:
        if claim_grade_only and not entry.claim_grade:
            continue
        current = latest.get(entry.gate_id)
        if current is None or _order(entry) > _order(current):
            latest[entry.gate_id] = entry
    return latest


@dataclass(frozen=True)
class Streak:
    """Consecutive claim-grade passes of one gate on one exact tuple, newest backwards.

    `run_ids` are the counted runs, oldest first. `last_reset` is the run
    (fail/timeout/oom) that ended the previous streak, if any. `ignored` are
    runs inside the streak window that neither count nor reset: error,
    refused and interrupted outcomes, and runs that are not claim-grade.
    """

    count: int
    run_ids: tuple[str, ...]
    last_reset: str | None
    ignored: tuple[str, ...]


def is_on_tuple(
    entry: LedgerEntry, *, gate_id: str, gate_hash: str, pins: Mapping[str, str]
) -> bool:
    """True when the run is of this gate definition on exactly these pins."""
    return entry.gate_id == gate_id and entry.gate_hash == gate_hash and entry.pins == dict(pins)


def streak(
    entries: Iterable[LedgerEntry], *, gate_id: str, gate_hash: str, pins: Mapping[str, str]
) -> Streak:
    """The current promotion streak of `gate_id` on the tuple `pins` (DESIGN.md §5).

    Runs on other tuples or other gate hashes are irrelevant. Counting goes
    back from the newest relevant run: a claim-grade pass counts; a claim-grade
    fail/timeout/oom resets (stops the count); anything else is reported in
    `ignored`. A run that is not claim-grade (a worktree run, a clone the test
    dirtied) is not evidence about the tuple, so it neither counts nor resets.
    """
    relevant = [
        e for e in entries if is_on_tuple(e, gate_id=gate_id, gate_hash=gate_hash, pins=pins)
    ]
    relevant.sort(key=_order, reverse=True)
    counted: list[str] = []
    ignored: list[str] = []
    reset: str | None = None
    for entry in relevant:
        if not entry.claim_grade:
            ignored.append(entry.run_id)
        elif entry.outcome == "pass":
            counted.append(entry.run_id)
        elif entry.outcome in RESETTING:
            reset = entry.run_id
            break
        else:
            # NEUTRAL outcomes, and any outcome a newer govkit might add.
            ignored.append(entry.run_id)
    return Streak(
        count=len(counted),
        run_ids=tuple(reversed(counted)),
        last_reset=reset,
        ignored=tuple(reversed(ignored)),
    )
