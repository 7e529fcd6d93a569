"""Reproduce a recorded run: the same gate at exactly the recorded commits, compared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govkit.evidence.record import EvidenceRecord
from govkit.evidence.store import load_run
from govkit.gates import get_gate
from govkit.runner import Event, GateRun, run_gate_at
from govkit.workspace import Workspace


@dataclass(frozen=True)
class Reproduction:
    """The original run, the re-run, and whether they agree."""

    original: EvidenceRecord
    rerun: GateRun
    gate_changed: bool  # the gate's definition hash differs from the recorded one
    warnings: tuple[str, ...]

    @property
    def outcome_same(self) -> bool:
        return self.original.outcome is self.rerun.record.outcome

    @property
    def counts_same(self) -> bool:
        return self.original.counts == self.rerun.record.counts

    @property
    def reproduced(self) -> bool:
        return self.outcome_same and self.counts_same

    def to_dict(self, *, record: str) -> dict[str, Any]:
        """The JSON of `verify --json`; `record` is where the re-run's record.json is."""
        orig, new = self.original, self.rerun.record
        return {
            "run": orig.run_id,
            "rerun": new.run_id,
            "record": record,
            "reproduced": self.reproduced,
            "outcome": [orig.outcome.value, new.outcome.value],
            "counts": [
                orig.counts.summary() if orig.counts else None,
                new.counts.summary() if new.counts else None,
            ],
            "gate_changed": self.gate_changed,
            "warnings": list(self.warnings),
        }


def reproduce_run(ws: Workspace, run_ref: str, *, on_event: Event | None = None) -> Reproduction:
    """Re-run the gate of `run_ref` in clean clones of the recorded pins and compare."""
    original = load_run(ws, run_ref)
    gate = get_gate(ws, original.gate_id)
    warnings = []
    changed = gate.definition_hash() != original.gate_hash
    if changed:
        warnings.append(
            f"gate {gate.id} changed since the run (hash {str(original.gate_hash)[:12]} → "
            f"{gate.definition_hash()[:12]}); re-running the current definition"
        )
    if original.source != "clean-clone":
        warnings.append(
            f"the original ran from a {original.source}; the re-run uses a clean clone of its HEAD"
        )
    pins = {p.name: p.commit for p in original.repos}
    rerun = run_gate_at(ws, gate.id, tuple_name=original.tuple_name, pins=pins, on_event=on_event)
    return Reproduction(original, rerun, changed, tuple(warnings))
