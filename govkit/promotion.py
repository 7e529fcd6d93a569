"""Promotion: a candidate tuple becomes canonical after a streak of green runs (DESIGN.md §5).

The streak of each required gate is computed from the ledger alone
(`evidence.query.streak`). `--apply` writes a promotion record citing the
counted run ids to `records/promotions/<UTC-stamp>-<candidate>-into-<target>.yaml`
and moves the target tuple, both under the workspace lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.errors import ConflictError, ValidationError
from govkit.evidence.query import Streak, streak
from govkit.evidence.store import read_ledger
from govkit.gates import get_gate, required_gates
from govkit.ids import check_safe_id, id_sort_key
from govkit.timeutil import compact_stamp, rfc3339
from govkit.tuples import get_tuple, set_tuple
from govkit.workspace import Workspace


@dataclass(frozen=True)
class GateStreak:
    """One required gate's standing on the candidate tuple."""

    gate_id: str
    gate_hash: str
    pins: dict[str, str]  # the candidate's pins of the repos this gate uses
    streak: Streak
    needed: int
    unpinned: tuple[str, ...] = ()  # repos the gate needs that the candidate does not pin
    required: bool = False  # marked `required: true` (else named with --gate, or no gate is)

    @property
    def missing(self) -> int:
        """How many more consecutive claim-grade passes are needed."""
        return max(0, self.needed - self.streak.count)

    @property
    def ok(self) -> bool:
        return not self.unpinned and self.missing == 0

    def missing_text(self) -> str:
        """What stands in the way, for a table cell ('-' when nothing)."""
        if self.unpinned:
            return f"candidate does not pin {', '.join(self.unpinned)}"
        return str(self.missing or "-")

    def to_dict(self) -> dict[str, Any]:
        """The JSON row of `promote --json`."""
        return {
            "gate": self.gate_id,
            "required": self.required,
            "streak": self.streak.count,
            "needed": self.needed,
            "missing": self.missing,
            "unpinned": list(self.unpinned),
            "runs": list(self.streak.run_ids),
            "last_reset": self.streak.last_reset,
            "ignored": list(self.streak.ignored),
        }


@dataclass(frozen=True)
class PromotionCheck:
    """The answer of `promote --check`."""

    candidate: str
    target: str
    needed: int
    gates: list[GateStreak] = field(default_factory=list)

    @property
    def promotable(self) -> bool:
        return bool(self.gates) and all(g.ok for g in self.gates)

    def to_dict(self, *, record: str | None) -> dict[str, Any]:
        """The JSON of `promote --json`; `record` is the promotion record written, if any."""
        return {
            "candidate": self.candidate,
            "into": self.target,
            "promotable": self.promotable,
            "applied": record is not None,
            "record": record,
            "gates": [g.to_dict() for g in self.gates],
        }


def check_promotion(
    ws: Workspace,
    candidate: str,
    *,
    into: str,
    streak_needed: int,
    gate_ids: Sequence[str] = (),
) -> PromotionCheck:
    """Each required gate's streak on the candidate tuple.

    The gates are those marked `required: true` plus any named in `gate_ids`; when no
    gate is marked required and none is named, every gate is (as before D-022).
    """
    if streak_needed < 1:
        raise ValidationError("--streak must be at least 1")
    check_safe_id(into, what="tuple name")
    if candidate == into:
        raise ValidationError(f"cannot promote {candidate!r} into itself")
    pins = get_tuple(ws, candidate)
    required = required_gates(ws)
    ids = list(dict.fromkeys([*required, *gate_ids])) or sorted(ws.config.gates, key=id_sort_key)
    if not ids:
        raise ValidationError(
            "there are no gates to require", hint="define gates first (govkit gate add)"
        )
    entries = read_ledger(ws)
    rows = []
    for gid in ids:
        gate = get_gate(ws, gid)
        gate_pins = {r: pins[r] for r in gate.repos if r in pins}
        unpinned = tuple(r for r in gate.repos if r not in pins)
        h = gate.definition_hash()
        st = streak(entries, gate_id=gid, gate_hash=h, pins=gate_pins)
        rows.append(GateStreak(gid, h, gate_pins, st, streak_needed, unpinned, gate.required))
    return PromotionCheck(candidate, into, streak_needed, rows)


def promote(
    ws: Workspace,
    candidate: str,
    *,
    into: str,
    streak_needed: int,
    gate_ids: Sequence[str] = (),
    apply: bool = False,
) -> tuple[PromotionCheck, Path | None]:
    """Check the candidate; with `apply`, promote it when promotable (the record's path)."""
    result = check_promotion(
        ws, candidate, into=into, streak_needed=streak_needed, gate_ids=gate_ids
    )
    if not (apply and result.promotable):
        return result, None
    return apply_promotion(ws, candidate, into=into, streak_needed=streak_needed, gate_ids=gate_ids)


def apply_promotion(
    ws: Workspace,
    candidate: str,
    *,
    into: str,
    streak_needed: int,
    gate_ids: Sequence[str] = (),
) -> tuple[PromotionCheck, Path]:
    """Re-check under the lock, write the promotion record, move `into` to the candidate's pins."""
    with ws.lock():
        ws.reload()
        result = check_promotion(
            ws, candidate, into=into, streak_needed=streak_needed, gate_ids=gate_ids
        )
        if not result.promotable:
            raise ConflictError(
                f"{candidate} is not promotable into {into}",
                hint=f"`govkit promote {candidate} --into {into} --check` shows what is missing",
            )
        before = ws.config.tuples.get(into, {})
        after = {**before, **get_tuple(ws, candidate)}
        stamp = rfc3339()
        path = (
            ws.records_dir / "promotions" / f"{compact_stamp(stamp)}-{candidate}-into-{into}.yaml"
        )
        record = yamlio.new_map(
            {
                "kind": "promotion",
                "candidate": candidate,
                "into": into,
                "date": stamp,
                "streak": streak_needed,
                "pins_before": yamlio.new_map(dict(sorted(before.items()))),
                "pins_after": yamlio.new_map(dict(sorted(after.items()))),
                "gates": yamlio.new_map(
                    {
                        g.gate_id: yamlio.new_map(
                            {
                                "gate_hash": g.gate_hash,
                                "runs": yamlio.new_seq(list(g.streak.run_ids)),
                                "ignored": yamlio.new_seq(list(g.streak.ignored)),
                            }
                        )
                        for g in result.gates
                    }
                ),
            }
        )
        if path.exists():
            raise ConflictError("a promotion record with this name exists", path=path)
        yamlio.write(path, record)
        set_tuple(ws, into, after, replace=True, locked=True)
    return result, path
