"""The claim "full pass on required gates", checked against the ledger (D-022).

Kept apart from govkit.audit.claims, which reads claims anchored to one run: this
claim is about a set of gates, so it is checked against the policy in govkit.yaml
rather than a link. It holds when at least one gate is `required: true` and each
required gate's newest claim-grade run of its current definition, at the claim
tuple's pins (`cadence.tuple`, canonical by default), is a pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from govkit.audit.findings import AuditFinding
from govkit.config import Config
from govkit.documents import Unit
from govkit.evidence.query import is_on_tuple, latest_by_gate
from govkit.evidence.store import LedgerEntry
from govkit.ids import id_sort_key

REQUIRED_CLAIM = re.compile(
    r"\b(?:full|all)[\s-]+(?:green|pass(?:es|ed)?)\s+(?:on|of)\s+(?:the\s+|all\s+)?required\s+gates\b"
    r"|\b(?:all|every)\s+required\s+gates?\s+(?:is\s+|are\s+)?(?:green|pass(?:es|ed|ing)?)\b",
    re.IGNORECASE,
)


# A phrase in quotes is mentioned, not claimed ('the claim "full pass on required gates"').
_QUOTED = re.compile(r"“[^”]*”|‘[^’]*’|\"[^\"]*\"|(?<!\w)'[^']*'(?!\w)")


def required_gate_gaps(config: Config, entries: Iterable[LedgerEntry]) -> list[str]:
    """Why "full pass on required gates" does not hold now (empty: it holds)."""
    required = sorted(
        (g for g in config.gates.values() if g.required), key=lambda g: id_sort_key(g.id)
    )
    if not required:
        return ["no gate is marked `required: true` in govkit.yaml"]
    tname = config.cadence.tuple_name
    pins = config.tuples.get(tname, {})
    # A gate with a repo the tuple does not pin has no run on it: it is reported as such below.
    wanted = {
        g.id: (g.definition_hash(), {r: pins[r] for r in g.repos})
        for g in required
        if all(r in pins for r in g.repos)
    }
    on_tuple = (
        e
        for e in entries
        if e.gate_id in wanted
        and is_on_tuple(
            e, gate_id=e.gate_id, gate_hash=wanted[e.gate_id][0], pins=wanted[e.gate_id][1]
        )
    )
    newest = latest_by_gate(on_tuple, claim_grade_only=True)
    gaps = []
    for g in required:
        last = newest.get(g.id)
        if last is None:
            gaps.append(f"{g.id} has no claim-grade run of its current definition on {tname}")
        elif last.outcome != "pass":
            gaps.append(f"{g.id} last ran {last.outcome} on {tname} ({last.run_id})")
    return gaps


def check_required_claims(
    rel: str, units: Iterable[Unit], config: Config, entries: Iterable[LedgerEntry]
) -> list[AuditFinding]:
    """A GK205 finding for each "full pass on required gates" in a document that does not hold."""
    hits = []
    for unit in units:
        unquoted = _QUOTED.sub(lambda q: " " * len(q.group(0)), unit.text)
        for m in REQUIRED_CLAIM.finditer(unquoted):
            hits.append((unit.line_at(m.start()), " ".join(m.group(0).split())))
    if not hits:
        return []
    gaps = required_gate_gaps(config, entries)
    if not gaps:
        return []
    return [
        AuditFinding("GK205", rel, line, f"claim {said!r} does not hold: {'; '.join(gaps)}")
        for line, said in hits
    ]
