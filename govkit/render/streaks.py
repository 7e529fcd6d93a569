"""Latest run per gate and promotion streaks, answered from ledger entries alone.

Same signatures as `govkit.evidence.query` on the gates branch (latest_by_gate,
streak -> Streak); render switches to that module once it is merged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from govkit.evidence.store import LedgerEntry

RESETS = frozenset({"fail", "timeout", "oom"})


@dataclass(frozen=True)
class Streak:
    """Consecutive claim-grade passes ending at the newest run of a series."""

    count: int
    run_ids: tuple[str, ...]
    last_reset: str | None  # run id of the newest fail/timeout/oom, if any
    ignored: tuple[str, ...]  # runs that neither count nor reset (error, refused, …)


def latest_by_gate(entries: Iterable[LedgerEntry]) -> dict[str, LedgerEntry]:
    """gate id -> its newest entry (latest start; ledger order breaks ties)."""
    latest: dict[str, LedgerEntry] = {}
    for e in entries:
        cur = latest.get(e.gate_id)
        if cur is None or e.started_at >= cur.started_at:
            latest[e.gate_id] = e
    return latest


def streak(
    entries: Iterable[LedgerEntry], *, gate_id: str, gate_hash: str | None, pins: Mapping[str, str]
) -> Streak:
    """The current streak of `gate_id` at exactly `gate_hash` and `pins` (DESIGN.md §5)."""
    run_ids: list[str] = []
    ignored: list[str] = []
    last_reset: str | None = None
    for e in entries:
        if e.gate_id != gate_id or e.gate_hash != gate_hash or e.pins != dict(pins):
            continue
        if e.outcome in RESETS:
            run_ids, last_reset = [], e.run_id
        elif e.outcome == "pass" and e.claim_grade:
            run_ids.append(e.run_id)
        else:
            ignored.append(e.run_id)
    return Streak(len(run_ids), tuple(run_ids), last_reset, tuple(ignored))
