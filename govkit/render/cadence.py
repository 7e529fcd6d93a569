"""The weekly cadence packet: one ISO week's gates, changes, records and next actions.

`evidence/packets/<YYYY-Www>.md` and `.json` are rewritten whole for a week, so
running a week again replaces its packet and never duplicates it. The JSON is
what the next week's packet compares against.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.errors import NotFound, ValidationError
from govkit.evidence.record import EvidenceRecord
from govkit.evidence.store import LedgerEntry
from govkit.ids import id_sort_key
from govkit.records.conditions import parse_condition
from govkit.records.model import Blocker, Record, Task, import_step
from govkit.render.ledger_index import LedgerIndex
from govkit.render.sources import (
    ItemNote,
    Link,
    Linker,
    Sources,
    claim_text,
    short_commit,
    utc_minute,
)
from govkit.render.status import (
    ConditionRow,
    QueueRow,
    condition_rows,
    display_status,
    run_command_and_artifacts,
    write_if_changed,
)
from govkit.render.templating import Templates
from govkit.timeutil import midnight

PACKET_TEMPLATE = "packet.md.j2"
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

Runner = Callable[[str], EvidenceRecord]  # gate id -> the record of a fresh run


def week_bounds(week: str) -> tuple[str, str]:
    """'2026-W47' -> (Monday 00:00Z, next Monday 00:00Z) as RFC 3339."""
    m = _WEEK.match(week)
    if not m:
        raise ValidationError(f"week {week!r} is not an ISO week", hint="write it like 2026-W47")
    try:
        monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        year = int(m.group(1))
        hint = "write it like 2026-W47"
        if year >= 1:
            last = dt.date(year, 12, 28).isocalendar()[1]  # Dec 28 is always in the last week
            hint = f"ISO weeks of {year} run from {year}-W01 to {year}-W{last:02d}"
        raise ValidationError(f"week {week!r} does not exist", hint=hint) from None
    nxt = monday + dt.timedelta(days=7)
    return midnight(monday), midnight(nxt)


@dataclass(frozen=True)
class PacketGate:
    id: str
    title: str
    outcome: str  # a run outcome, or "missing" when the week has no run
    claim_grade: bool
    counts: str
    evidence: Link | None
    run_id: str | None
    commit: str
    started: str
    metrics: dict[str, float]
    required: bool = False
    command: str = ""  # "`argv` in `repo/cwd`" of the chosen run
    artifacts: tuple[Link, ...] = ()  # the run's collected artifacts


@dataclass(frozen=True)
class PromotionNote:
    """A promotion applied in the week, from records/promotions/."""

    candidate: str
    into: str
    at: str
    record: str  # workspace-relative path of the promotion record
    changes: tuple[str, ...]  # "corelib 7a90c3e → 3c1f9a7"


@dataclass(frozen=True)
class BlockerNote:
    """An active blocker and its checkable exit conditions, as they stand."""

    id: str
    title: str
    conditions: tuple[ConditionRow, ...]


@dataclass(frozen=True)
class SuggestedBlocker:
    """What `cadence run --open-blockers` opens for a newly failing required gate."""

    gate_id: str
    run_id: str | None
    outcome: str
    title: str
    impact: str
    condition: str  # checkable: "gate VG-X passes 3 on canonical"
    tracked_by: str = ""  # an active blocker already waiting on this gate


@dataclass(frozen=True)
class Change:
    gate_id: str
    kind: str  # "newly failing", "fixed", "perf"
    text: str


@dataclass(frozen=True)
class Packet:
    """Everything packet.md.j2 shows and <week>.json holds."""

    program: str
    week: str
    start: str  # YYYY-MM-DD (Monday)
    end: str  # YYYY-MM-DD (Sunday)
    tuple_name: str
    pins: tuple[str, ...]  # "repo commit", full SHAs
    gates: tuple[PacketGate, ...]
    previous: str | None  # the week compared against
    changes: tuple[Change, ...]
    promotions: tuple[PromotionNote, ...]
    pin_changes: tuple[str, ...]  # against the previous packet's pins
    suggested_blockers: tuple[SuggestedBlocker, ...]
    blockers_active: tuple[BlockerNote, ...]
    blockers_opened: tuple[ItemNote, ...]
    blockers_resolved: tuple[ItemNote, ...]
    decisions: tuple[ItemNote, ...]
    tasks_done: tuple[ItemNote, ...]
    next_actions: tuple[QueueRow, ...]

    @property
    def all_passed(self) -> bool:
        """Every weekly gate has a claim-grade pass this week."""
        return all(g.outcome == "pass" and g.claim_grade for g in self.gates)

    @property
    def required_gates(self) -> tuple[PacketGate, ...]:
        return tuple(g for g in self.gates if g.required)

    @property
    def advisory_gates(self) -> tuple[PacketGate, ...]:
        return tuple(g for g in self.gates if not g.required)

    def to_json(self) -> str:
        """Stable JSON of the packet."""
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"


def packet_paths(src: Sources, week: str) -> tuple[Path, Path]:
    """evidence/packets/<week>.md and .json."""
    return src.ws.packets_dir / f"{week}.md", src.ws.packets_dir / f"{week}.json"


def week_runs(src: Sources, week: str) -> dict[str, LedgerEntry]:
    """The latest run of each weekly gate on the cadence tuple started in `week`.

    A run counts when its commits are the tuple's current pins, whatever tuple name
    it was run under: after a promotion, the candidate's runs describe canonical.
    A claim-grade run wins over a newer one that is not (which is then not chosen).
    """
    start, end = week_bounds(week)
    pins = src.config.tuples.get(src.config.cadence.tuple_name, {})
    out: dict[str, LedgerEntry] = {}
    for e in src.runs.between(start, end):
        gate = src.config.gates.get(e.gate_id)
        if gate is None or not gate.weekly or not e.pins:
            continue
        if any(pins.get(repo) != sha for repo, sha in e.pins.items()):
            continue
        cur = out.get(e.gate_id)
        if cur is None or (e.claim_grade, e.started_at, e.seq) > (
            cur.claim_grade,
            cur.started_at,
            cur.seq,
        ):
            out[e.gate_id] = e
    return out


def run_weekly_gates(src: Sources, runner: Runner) -> dict[str, LedgerEntry]:
    """Run every weekly gate through `runner`; the ledger entries of the new runs."""
    ids = sorted((g.id for g in src.config.gates.values() if g.weekly), key=id_sort_key)
    if not ids:
        raise NotFound("no gate is marked `weekly: true` in govkit.yaml")
    run_ids = {gid: runner(gid).run_id for gid in ids}
    src.runs = LedgerIndex.open(src.ws.ledger_path, cache_dir=src.ws.state_dir / "cache")
    found = {gid: src.runs.get(rid) for gid, rid in run_ids.items()}
    return {gid: e for gid, e in found.items() if e is not None}


def previous_packet(src: Sources, week: str) -> dict[str, Any] | None:
    """The newest packet JSON of a week before `week`."""
    directory = src.ws.packets_dir
    weeks = (
        sorted(p.stem for p in directory.glob("*.json") if _WEEK.match(p.stem) and p.stem < week)
        if directory.is_dir()
        else []
    )
    if not weeks:
        return None
    path = directory / f"{weeks[-1]}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: bad JSON or not UTF-8
        raise ValidationError(
            f"cannot read the previous packet: {exc}",
            path=path,
            hint="restore it from version control, or rebuild that week with "
            "`govkit cadence run --no-run --week WEEK`",
        ) from None
    if not isinstance(data, dict):
        raise ValidationError("a packet must be a JSON object", path=path)
    return data


def _numeric(metrics: dict[str, Any] | None) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in sorted((metrics or {}).items())
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def changes_since(src: Sources, gates: Iterable[PacketGate], prev: dict[str, Any]) -> list[Change]:
    """Newly failing, fixed, and metric deltas against the previous packet."""
    before = {g["id"]: g for g in prev.get("gates", []) if isinstance(g, dict) and "id" in g}
    out: list[Change] = []
    for g in gates:
        old = before.get(g.id)
        if old is None or g.outcome == "missing" or old.get("outcome") == "missing":
            continue
        if old.get("outcome") == "pass" and g.outcome != "pass":
            out.append(Change(g.id, "newly failing", f"{g.id} was pass, now {g.outcome}"))
        elif old.get("outcome") != "pass" and g.outcome == "pass":
            out.append(Change(g.id, "newly passing", f"{g.id} was {old.get('outcome')}, now pass"))
        gate = src.config.gates.get(g.id)
        wanted = gate.perf.metrics if gate and gate.perf else {}
        for name, value in g.metrics.items():
            was = (old.get("metrics") or {}).get(name)
            if not isinstance(was, int | float) or was == 0:
                continue
            delta = (value - was) / abs(was)
            verdict = ""
            if name in wanted and abs(delta) > 1e-12:
                better = delta < 0 if wanted[name] == "lower" else delta > 0
                verdict = ", better" if better else ", worse"
            out.append(
                Change(g.id, "perf", f"{g.id} {name}: {was:g} → {value:g} ({delta:+.1%}{verdict})")
            )
    return out


def pin_changes(pins: Iterable[str], prev: dict[str, Any] | None) -> list[str]:
    """'corelib 7a90c3e → 3c1f9a7' for each pin that differs from the previous packet's."""
    if not prev or not isinstance(prev.get("pins"), list):
        return []
    before = dict(str(p).split(" ", 1) for p in prev["pins"] if " " in str(p))
    after = dict(p.split(" ", 1) for p in pins)
    out = []
    for repo in sorted(set(before) | set(after)):
        old, new = before.get(repo), after.get(repo)
        if old == new:
            continue
        if old is None:
            out.append(f"{repo} pinned at {str(new)[:7]}")
        elif new is None:
            out.append(f"{repo} no longer pinned (was {old[:7]})")
        else:
            out.append(f"{repo} {old[:7]} → {new[:7]}")
    return out


def week_promotions(src: Sources, start: str, end: str) -> list[PromotionNote]:
    """Promotions whose record is dated inside [start, end)."""
    from govkit import yamlio

    directory = src.ws.records_dir / "promotions"
    out = []
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else ():
        data = yamlio.load_plain(path)
        if not isinstance(data, dict):
            raise ValidationError("a promotion record must be a mapping", path=path, line=1)
        at = str(data.get("date", ""))
        if not start <= at < end:
            continue
        before = data.get("pins_before") or {}
        after = data.get("pins_after") or {}
        changes = pin_changes(
            [f"{k} {v}" for k, v in sorted(after.items())],
            {"pins": [f"{k} {v}" for k, v in sorted(before.items())]},
        )
        out.append(
            PromotionNote(
                str(data.get("candidate", "?")),
                str(data.get("into", "?")),
                utc_minute(at),
                src.ws.rel(path),
                tuple(changes),
            )
        )
    return out


def suggested_blockers(
    src: Sources, gates: Iterable[PacketGate], prev: dict[str, Any] | None
) -> list[SuggestedBlocker]:
    """One suggestion per required weekly gate that fails now and passed (or was not
    there) in the previous packet; `tracked_by` names an active blocker already on it."""
    before = {
        g["id"]: g.get("outcome")
        for g in (prev or {}).get("gates", [])
        if isinstance(g, dict) and "id" in g
    }
    cfg = src.config
    tname = cfg.cadence.tuple_name
    tracking: dict[str, str] = {}
    for b in src.records.kind("blocker"):
        if isinstance(b, Blocker) and b.status == "active":
            for text in b.conditions:
                try:
                    c = parse_condition(text)
                except ValidationError:
                    continue  # `check` reports it
                if c.kind == "gate":
                    tracking.setdefault(c.target, b.id)
    out = []
    for g in gates:
        if not g.required or g.outcome in ("pass", "missing"):
            continue
        if before.get(g.id) not in (None, "pass", "missing"):
            continue  # it was failing last week too: not newly failing
        out.append(
            SuggestedBlocker(
                gate_id=g.id,
                run_id=g.run_id,
                outcome=g.outcome,
                title=f"required gate {g.id} {g.outcome} on {tname}",
                impact=f"promotion into {tname} and claims on it wait on {g.id}",
                condition=f"gate {g.id} passes {cfg.cadence.blocker_streak} on {tname}",
                tracked_by=tracking.get(g.id, ""),
            )
        )
    return out


def active_blockers(src: Sources) -> list[BlockerNote]:
    """Active blockers with their checkable exit conditions evaluated now."""
    active = [
        b for b in src.records.kind("blocker") if isinstance(b, Blocker) and b.status == "active"
    ]
    rows = condition_rows(src, active)
    return [BlockerNote(b.id, b.title, rows.get(b.id, ())) for b in active]


def _moved_in(record: Record, status: str, start: str, end: str) -> str:
    # An import copies history from a document: that is not activity of any week.
    times = [
        t.at
        for t in record.history
        if t.to_status == status and start <= t.at < end and not import_step(record, t)
    ]
    return max(times, default="")


def build_packet(src: Sources, week: str, runs: dict[str, LedgerEntry], linker: Linker) -> Packet:
    """The packet for `week` from the chosen runs and the records."""
    start, end = week_bounds(week)
    cfg = src.config
    gates = []
    for gate in sorted(
        (g for g in cfg.gates.values() if g.weekly), key=lambda g: id_sort_key(g.id)
    ):
        e = runs.get(gate.id)
        if e is None:
            gates.append(
                PacketGate(
                    gate.id,
                    gate.title,
                    "missing",
                    False,
                    "no run this week",
                    None,
                    None,
                    "—",
                    "—",
                    {},
                    gate.required,
                )
            )
            continue
        counts = e.test_counts()
        rec = src.record_or_none(e)
        metrics = _numeric(rec.metrics if rec else None)
        command, artifacts = run_command_and_artifacts(src, e, linker)
        gates.append(
            PacketGate(
                gate.id,
                gate.title,
                e.outcome,
                e.claim_grade,
                counts.summary() if counts else "—",
                Link(claim_text(e), linker.run(e)),
                e.run_id,
                short_commit(e, cfg),
                utc_minute(e.started_at),
                metrics,
                gate.required,
                command,
                artifacts,
            )
        )
    prev = previous_packet(src, week)
    rs = src.records
    blockers = [b for b in rs.kind("blocker") if isinstance(b, Blocker)]
    opened = [
        ItemNote(b.id, b.title, utc_minute(b.created), b.owner)
        for b in blockers
        if start <= b.created < end and not b.imported
    ]
    resolved = []
    for b in blockers:
        at = _moved_in(b, "resolved", start, end)
        if at:
            resolved.append(ItemNote(b.id, b.title, utc_minute(at), b.owner))
    done = []
    for t in rs.kind("task"):
        at = _moved_in(t, "done", start, end)
        if isinstance(t, Task) and at:
            done.append(ItemNote(t.id, t.title, utc_minute(at), t.owner))
    decided = [
        ItemNote(d.id, d.title, d.date, ", ".join(d.deciders))
        for d in src.decisions
        if d.numbered and d.status != "rejected" and start[:10] <= d.date[:10] < end[:10]
    ]
    status = {t.id: t.status for t in rs.kind("task")}
    actions = [q for q in rs.queue if status.get(q.id) != "done"][: cfg.cadence.next_actions]
    tname = cfg.cadence.tuple_name
    pins = tuple(f"{repo} {sha}" for repo, sha in sorted(cfg.tuples.get(tname, {}).items()))
    return Packet(
        program=cfg.program,
        week=week,
        start=start[:10],
        end=(dt.date.fromisoformat(end[:10]) - dt.timedelta(days=1)).isoformat(),
        tuple_name=tname,
        pins=pins,
        gates=tuple(gates),
        previous=str(prev["week"]) if prev and "week" in prev else None,
        changes=tuple(changes_since(src, gates, prev) if prev else ()),
        promotions=tuple(week_promotions(src, start, end)),
        pin_changes=tuple(pin_changes(pins, prev)),
        suggested_blockers=tuple(suggested_blockers(src, gates, prev)),
        blockers_active=tuple(active_blockers(src)),
        blockers_opened=tuple(sorted(opened, key=lambda n: id_sort_key(n.id))),
        blockers_resolved=tuple(sorted(resolved, key=lambda n: id_sort_key(n.id))),
        decisions=tuple(decided),
        tasks_done=tuple(sorted(done, key=lambda n: id_sort_key(n.id))),
        next_actions=tuple(
            QueueRow(q.priority, q.id, q.description, display_status(status.get(q.id, "")) or "—")
            for q in actions
        ),
    )


def write_packet(
    src: Sources,
    week: str,
    *,
    runner: Runner | None = None,
    templates: Templates | None = None,
    open_blockers: bool = False,
) -> tuple[Packet, Path, Path]:
    """Run the weekly gates (or, without a runner, use the week's runs) and write the packet.

    The workspace lock is taken only to write the files: the gates can run for hours, and
    records must stay editable meanwhile (the runs append to the ledger under its own lock).
    """
    week_bounds(week)
    runs = run_weekly_gates(src, runner) if runner is not None else week_runs(src, week)
    md_path, json_path = packet_paths(src, week)
    packet = build_packet(src, week, runs, Linker(src.ws, md_path.parent))
    if open_blockers and open_suggested_blockers(src.ws, packet):
        # The packet names the blockers it opened: read the records again and rebuild.
        from govkit.records.store import load_all

        src.records = load_all(src.ws)
        packet = build_packet(src, week, runs, Linker(src.ws, md_path.parent))
    templates = templates or Templates(src.ws.templates_dir)
    text = templates.render(PACKET_TEMPLATE, {"p": packet})
    with src.ws.lock():
        write_if_changed(md_path, text)
        write_if_changed(json_path, packet.to_json())
    return packet, md_path, json_path


def open_suggested_blockers(ws: Any, packet: Packet) -> list[Record]:
    """Create a blocker for each suggestion no active blocker tracks yet, linked to the run."""
    from govkit.records import ops, store

    opened: list[Record] = []
    for s in packet.suggested_blockers:
        if s.tracked_by:
            continue
        taken = [int(b.id[1:]) for b in store.load_kind(ws, "blocker") if b.id[1:].isdigit()]
        blocker_id = f"B{max(taken, default=0) + 1}"
        changes: dict[str, Any] = {
            "title": s.title,
            "impact": s.impact,
            "exit_condition": f"checked: {s.condition} (consecutive claim-grade passes)",
            "conditions": [s.condition],
        }
        if s.run_id:
            changes["evidence"] = [s.run_id]
        opened.append(ops.add_record(ws, "blocker", blocker_id, changes))
    return opened


def latest_packet_week(src: Sources) -> str:
    """The newest week that has a packet."""
    directory = src.ws.packets_dir
    weeks = (
        sorted(p.stem for p in directory.glob("*.json") if _WEEK.match(p.stem))
        if directory.is_dir()
        else []
    )
    if not weeks:
        raise NotFound("no cadence packet yet", hint="run `govkit cadence run`")
    return weeks[-1]
