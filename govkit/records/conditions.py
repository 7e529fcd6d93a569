"""Checkable exit conditions of blockers (D-022).

A blocker's `conditions:` is a list of short sentences govkit can check, beside
the free-text `exit_condition`:

    gate VG-LA-002 passes 3 on canonical   # 3 consecutive claim-grade passes on the tuple
    gate VG-LA-002 passes 3                # … on the gate's own tuple
    task M1-T03 done                       # a record reaching a status
    finding F7 resolved
    decision D-017 accepted
    milestone M2 complete
    blocker B3 resolved

A gate condition counts the promotion streak (`evidence.query.streak`) of the
gate's current definition on the tuple's current pins, so a changed gate or a
re-pinned tuple starts again, exactly as promotion does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from govkit.errors import ValidationError
from govkit.evidence.query import streak
from govkit.evidence.store import LedgerEntry
from govkit.ids import check_id
from govkit.records.model import LIFECYCLES

if TYPE_CHECKING:
    from govkit.config import Config
    from govkit.decisions import Decision
    from govkit.problems import ProblemList
    from govkit.records.model import Record
    from govkit.render.sources import Sources
    from govkit.workspace import Workspace

SYNTAX = (
    "write 'gate VG-X-001 passes 3 [on TUPLE]', 'task M1-T03 done', 'finding F7 resolved', "
    "'decision D-017 accepted', 'milestone M2 complete' or 'blocker B3 resolved'"
)
_GATE = re.compile(r"^gate\s+(\S+)\s+passes\s+(\d+)(?:\s+times?)?(?:\s+on\s+(\S+))?$", re.I)
_RECORD = re.compile(r"^(task|finding|decision|milestone|blocker)\s+(\S+)\s+(\S+)$", re.I)
RECORD_KINDS = ("task", "finding", "decision", "milestone", "blocker")


@dataclass(frozen=True)
class Condition:
    """One parsed exit condition."""

    text: str  # as written
    kind: str  # "gate", or the kind of record it waits on
    target: str  # gate id or record id
    status: str = ""  # the status a record must reach
    passes: int = 0  # consecutive claim-grade passes a gate needs
    tuple_name: str | None = None  # None: the gate's own tuple


def _statuses(kind: str) -> tuple[str, ...]:
    if kind == "decision":
        from govkit.decisions import STATUSES

        return STATUSES
    return LIFECYCLES[kind].statuses


def parse_condition(text: str) -> Condition:
    """Parse one condition; ValidationError says what is wrong and shows the forms."""
    clean = " ".join(str(text).split())
    m = _GATE.match(clean)
    if m:
        gate_id, passes, tuple_name = m.group(1), int(m.group(2)), m.group(3)
        check_id("gate", gate_id)
        if passes < 1:
            raise ValidationError(f"condition {clean!r}: a gate must pass at least once")
        return Condition(clean, "gate", gate_id, passes=passes, tuple_name=tuple_name)
    m = _RECORD.match(clean)
    if m:
        kind, target, status = m.group(1).lower(), m.group(2), m.group(3).lower()
        check_id(kind, target)
        allowed = _statuses(kind)
        if status not in allowed:
            raise ValidationError(
                f"condition {clean!r}: {status!r} is not a {kind} status",
                hint=f"one of: {', '.join(allowed)}",
            )
        return Condition(clean, kind, target, status=status)
    raise ValidationError(f"condition {clean!r} is not one govkit can check", hint=SYNTAX)


def condition_problems(texts: Sequence[str]) -> list[tuple[str, str | None]]:
    """(message, hint) for each condition that does not parse, numbered from 1."""
    out = []
    for n, text in enumerate(texts, 1):
        try:
            parse_condition(text)
        except ValidationError as exc:
            out.append((f"conditions entry {n}: {exc.message}", exc.hint))
    return out


def record_targets(texts: Sequence[str]) -> tuple[str, ...]:
    """Ids of the records and decisions the parseable conditions wait on (not gates)."""
    out = []
    for text in texts:
        try:
            c = parse_condition(text)
        except ValidationError:
            continue
        if c.kind != "gate":
            out.append(c.target)
    return tuple(out)


@dataclass(frozen=True)
class ConditionState:
    """A condition, whether it holds now, and what shows it."""

    condition: Condition
    met: bool
    evidence: str  # one line: "3 of 3 consecutive claim-grade passes on canonical"
    runs: tuple[str, ...] = ()  # the counted run ids of a gate condition, oldest first
    problem: bool = False  # it cannot hold as written (unknown gate or tuple)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `check --json`, the packet and `blocker show --json`."""
        return {
            "condition": self.condition.text,
            "met": self.met,
            "evidence": self.evidence,
            "runs": list(self.runs),
        }


@dataclass(frozen=True)
class Facts:
    """What conditions are checked against: config, every record's status, gate histories."""

    config: Config
    status_of: Callable[[str], tuple[str, str] | None]  # id -> (kind, status)
    history: Callable[[str], list[LedgerEntry]]  # gate id -> its runs, oldest first


def check_condition(condition: Condition, facts: Facts) -> ConditionState:
    """Evaluate one condition now."""
    if condition.kind != "gate":
        found = facts.status_of(condition.target)
        if found is None:
            return ConditionState(condition, False, f"no {condition.kind} {condition.target}")
        kind, status = found
        if kind != condition.kind:
            return ConditionState(
                condition,
                False,
                f"{condition.target} is a {kind}, not a {condition.kind}",
                (),
                True,
            )
        return ConditionState(
            condition, status == condition.status, f"{condition.target} is {status}"
        )
    gate = facts.config.gates.get(condition.target)
    if gate is None:
        return ConditionState(
            condition, False, f"gate {condition.target} is not defined in govkit.yaml", (), True
        )
    tname = condition.tuple_name or gate.tuple_name
    pins = facts.config.tuples.get(tname)
    if pins is None:
        return ConditionState(condition, False, f"tuple {tname} is not defined", (), True)
    unpinned = [r for r in gate.repos if r not in pins]
    if unpinned:
        return ConditionState(condition, False, f"{tname} does not pin {', '.join(unpinned)}")
    gate_pins = {r: pins[r] for r in gate.repos}
    st = streak(
        facts.history(gate.id),
        gate_id=gate.id,
        gate_hash=gate.definition_hash(),
        pins=gate_pins,
    )
    text = f"{st.count} of {condition.passes} consecutive claim-grade passes on {tname}"
    if st.run_ids:
        text += f": {', '.join(st.run_ids)}"
    if st.last_reset:
        text += f"; reset by {st.last_reset}"
    return ConditionState(condition, st.count >= condition.passes, text, st.run_ids)


def check_conditions(texts: Sequence[str], facts: Facts) -> tuple[ConditionState, ...]:
    """Evaluate each parseable condition (unparseable ones are `check`'s to report)."""
    out = []
    for text in texts:
        try:
            out.append(check_condition(parse_condition(text), facts))
        except ValidationError:
            continue
    return tuple(out)


def facts_from_sources(src: Sources) -> Facts:
    """Facts from one consistent read of the workspace (render, packet)."""
    by_id: dict[str, tuple[str, str]] = {}
    for kind, records in src.records.by_kind.items():
        for r in records:
            by_id[r.id] = (kind, r.status)
    for d in src.decisions:
        by_id.setdefault(d.id, ("decision", d.status))
    return Facts(src.config, by_id.get, src.runs.history)


def facts_from_workspace(ws: Workspace) -> Facts:
    """Facts read fresh from the workspace (blocker resolve, check)."""
    from govkit.render.sources import load_sources

    return facts_from_sources(load_sources(ws))


def check_blocker_conditions(
    ws: Workspace,
    by_kind: dict[str, list[Record]],
    decisions: Sequence[Decision],
    problems: ProblemList,
) -> tuple[list[dict[str, Any]], list[str]]:
    """`check`: each condition of an active blocker, met or not, with its evidence, and notes.

    A condition that cannot hold as written (a gate or tuple govkit.yaml does not
    define) is a problem; a blocker whose conditions all hold gets a note.
    """
    from govkit.errors import GovkitError
    from govkit.records import store
    from govkit.records.model import Blocker
    from govkit.render.ledger_index import LedgerIndex

    blockers = [
        b
        for b in by_kind.get("blocker", [])
        if isinstance(b, Blocker) and b.conditions and b.status == "active"
    ]
    if not blockers:
        return [], []
    try:
        config = ws.config
        runs = LedgerIndex.open(ws.ledger_path, cache_dir=ws.state_dir / "cache")
    except GovkitError as exc:  # govkit.yaml itself is reported by the config check
        return [], [f"blocker conditions not checked: {exc.message}"]
    status: dict[str, tuple[str, str]] = {
        r.id: (kind, r.status) for kind, records in by_kind.items() for r in records
    }
    for d in decisions:
        status.setdefault(d.id, ("decision", d.status))
    facts = Facts(config, status.get, runs.history)
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for b in blockers:
        assert b.path is not None
        states = check_conditions(b.conditions, facts)
        for state in states:
            rows.append({"blocker": b.id, **state.to_dict()})
            if state.problem:
                problems.add(
                    "condition",
                    b.path,
                    store.field_line(b.path, "conditions"),
                    f"{b.id} condition {state.condition.text!r} cannot hold: {state.evidence}",
                    hint="fix the condition, or define what it names",
                )
        if states and all(s.met for s in states):
            notes.append(
                f"{b.id}: every checkable exit condition is met; "
                f"`govkit blocker resolve {b.id} --resolution TEXT` lifts it"
            )
    return rows, notes
