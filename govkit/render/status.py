"""STATUS.md: the status tracker, rendered from records and evidence."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from govkit.atomic import atomic_write_text
from govkit.config import Config
from govkit.decisions import Decision
from govkit.evidence.store import LedgerEntry
from govkit.ids import id_sort_key
from govkit.records.model import (
    KINDS,
    Blocker,
    Consumer,
    Finding,
    Kind,
    Milestone,
    Record,
    Resolution,
    Task,
)
from govkit.render.sources import (
    Link,
    Linker,
    Sources,
    claim_text,
    outcome_label,
    short_commit,
    streak_text,
    utc_minute,
)
from govkit.render.templating import Templates
from govkit.units import format_duration, format_size

STATUS_TEMPLATE = "status.md.j2"
R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class ExecutionMode:
    mode: str
    heavy_slots: int
    admission_wait: str
    default_mem: str
    control_docs: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class TupleRow:
    name: str
    pins: tuple[str, ...]  # "repo@abc1234", by repo name


@dataclass(frozen=True)
class MilestoneRow:
    id: str
    title: str
    status: str
    notes: str


@dataclass(frozen=True)
class FindingRow:
    id: str
    title: str
    status: str
    evidence_summary: str
    milestone: str


@dataclass(frozen=True)
class ConditionRow:
    """One checkable exit condition and what shows whether it holds."""

    text: str
    met: bool
    evidence: str


@dataclass(frozen=True)
class BlockerRow:
    id: str
    title: str
    impact: str
    exit_condition: str
    conditions: tuple[ConditionRow, ...] = ()


@dataclass(frozen=True)
class ResolvedBlockerRow:
    """A blocker resolved inside the window STATUS.md keeps showing (status.resolved_window)."""

    id: str
    title: str
    resolution: str
    resolved: str  # "2026-11-19 10:00Z"
    note: str  # the history note: conditions met, or forced past which
    forced: bool


@dataclass(frozen=True)
class EvidenceRef:
    """One cited piece of evidence: a run (linked, with its facts) or a plain reference."""

    text: str  # the reference as written, for what is not a known run
    link: Link | None = None  # [VG-LA-002: 936 passed](…/record.json)
    detail: str = ""  # "pass, rlm-core@abc1234, 2026-11-21 04:45Z"


@dataclass(frozen=True)
class ResolutionRow:
    id: str
    summary: str
    resolves: tuple[str, ...]
    evidence: tuple[EvidenceRef, ...]


@dataclass(frozen=True)
class QueueRow:
    priority: str
    id: str
    description: str
    status: str


@dataclass(frozen=True)
class ConsumerRow:
    id: str
    coupling: str
    readiness: str
    risk: str


@dataclass(frozen=True)
class KindTable:
    """The STATUS.md section of a record kind that has none of its own (Kind.section)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class GateRow:
    id: str
    gate_link: Link | None  # the gate's own page (site only)
    title: str
    outcome: str
    evidence: Link | None
    commit: str
    started: str
    streak: str
    signer: str = ""  # principal that signed the latest run (docs/signing.md); "" unsigned
    required: bool = False
    command: str = ""  # the cited run's argv as run, and where
    artifacts: tuple[Link, ...] = ()  # the cited run's collected artifacts


@dataclass(frozen=True)
class DecisionRow:
    id: str
    link: Link | None
    title: str
    status: str
    date: str
    relations: str


@dataclass(frozen=True)
class StatusContext:
    """Everything status.md.j2 shows, sorted."""

    program: str
    last_updated: str
    execution: ExecutionMode
    tuples: tuple[TupleRow, ...]
    milestones: tuple[MilestoneRow, ...]
    findings: tuple[FindingRow, ...]
    blockers: tuple[BlockerRow, ...]
    resolved_since: str  # YYYY-MM-DD: the start of the resolved-blockers window
    resolved_blockers: tuple[ResolvedBlockerRow, ...]
    resolutions: tuple[ResolutionRow, ...]
    queue: tuple[QueueRow, ...]
    consumers: tuple[ConsumerRow, ...]
    gates: tuple[GateRow, ...]
    decisions: tuple[DecisionRow, ...]
    kind_tables: tuple[KindTable, ...] = ()
    lanes: tuple[LaneRow, ...] = ()  # open work by lane and owner (only when any is set)

    @property
    def gate_groups(self) -> tuple[GateGroup, ...]:
        """Required gates apart from advisory ones; one untitled group when none is required."""
        required = tuple(g for g in self.gates if g.required)
        if not required:
            return (GateGroup("", "", self.gates),)
        return (
            GateGroup("Required Gates", "Promotion waits on a streak of each of these.", required),
            GateGroup("Advisory Gates", "", tuple(g for g in self.gates if not g.required)),
        )


@dataclass(frozen=True)
class LaneRow:
    """Open work of one lane and owner: tasks not done, open findings, active blockers."""

    lane: str
    owner: str
    tasks: tuple[str, ...]
    findings: tuple[str, ...]
    blockers: tuple[str, ...]


def lane_rows(records: dict[str, list[Record]]) -> tuple[LaneRow, ...]:
    """Open owned work grouped by (lane, owner); empty when no record names either."""
    open_status = {"task": ("todo", "in-progress", "blocked"), "finding": ("open",)}
    open_status["blocker"] = ("active",)
    groups: dict[tuple[str, str], dict[str, list[str]]] = {}
    for kind, statuses in open_status.items():
        for r in records.get(kind, []):
            owner, lane = getattr(r, "owner", ""), getattr(r, "lane", "")
            if r.status not in statuses or not (owner or lane):
                continue
            groups.setdefault((lane, owner), {}).setdefault(kind, []).append(r.id)
    return tuple(
        LaneRow(
            lane or "—",
            owner or "—",
            tuple(g.get("task", ())),
            tuple(g.get("finding", ())),
            tuple(g.get("blocker", ())),
        )
        for (lane, owner), g in sorted(groups.items(), key=lambda kv: (kv[0][0] == "", kv[0]))
    )


@dataclass(frozen=True)
class GateGroup:
    """A titled gate table of STATUS.md (required or advisory)."""

    title: str
    note: str
    rows: tuple[GateRow, ...]


def _of(records: list[Record], cls: type[R]) -> list[R]:
    return [r for r in records if isinstance(r, cls)]


def milestone_note(milestone: Milestone, tasks: list[Task]) -> str:
    """'M1-T01 through M1-T05 complete', or '3 of 5 tasks done; M1-T04 blocked'.

    `tasks` may be all tasks or just this milestone's.
    """
    mine = sorted(
        (t for t in tasks if t.milestone == milestone.id), key=lambda t: id_sort_key(t.id)
    )
    if not mine:
        note = "no tasks yet"
    elif all(t.status == "done" for t in mine):
        note = (
            f"{mine[0].id} complete"
            if len(mine) == 1
            else f"{mine[0].id} through {mine[-1].id} complete"
        )
    else:
        done = sum(t.status == "done" for t in mine)
        parts = [f"{done} of {len(mine)} tasks done"]
        for status in ("blocked", "in-progress"):
            ids = [t.id for t in mine if t.status == status]
            if ids:
                parts.append(f"{', '.join(ids)} {status.replace('-', ' ')}")
        note = "; ".join(parts)
    return f"{note}; {milestone.notes}" if milestone.notes else note


def evidence_ref(
    ref: str, src: Sources, linker: Linker, *, until: str | None = None
) -> EvidenceRef:
    """Resolve a cited reference: a run id or record path -> that run; a gate id -> its
    latest claim-grade run at `until`; anything else stays text (linked when it is a workspace file)."""
    entry = src.runs.find(ref)
    if entry is None and src.runs.count(ref):
        entry = src.runs.latest(ref, until=until, claim_grade=True)
    if entry is None:
        href = linker.file(ref)
        return EvidenceRef(ref, Link(ref, href) if href else None)
    return EvidenceRef(
        ref, Link(claim_text(entry), linker.run(entry)), run_detail(entry, src.config)
    )


def run_detail(entry: LedgerEntry, config: Config) -> str:
    """'pass, rlm-core@abc1234, 2026-11-21 04:45Z'."""
    return f"{outcome_label(entry)}, {short_commit(entry, config)}, {utc_minute(entry.started_at)}"


def gate_rows(src: Sources, linker: Linker) -> tuple[GateRow, ...]:
    """Latest run per gate with its current streak; configured gates without runs included."""
    rows = []
    for gate_id in sorted(set(src.config.gates) | src.runs.gates(), key=id_sort_key):
        gate = src.config.gates.get(gate_id)
        title = gate.title if gate else "(not in govkit.yaml)"
        required = gate.required if gate else False
        href = linker.gate(gate_id)
        gate_link = Link(gate_id, href) if href else None
        newest = src.runs.latest(gate_id)
        # Claims rest on claim-grade runs only; a newer worktree run is mentioned, not cited.
        latest = src.runs.latest(gate_id, claim_grade=True)
        if newest is None:
            rows.append(
                GateRow(
                    gate_id, gate_link, title, "no runs yet", None, "—", "—", "—", required=required
                )
            )
            continue
        newer = ""
        if latest is None or newest.run_id != latest.run_id:
            newer = f"newer run not claim-grade: {newest.outcome}"
        if latest is None:
            rows.append(
                GateRow(
                    gate_id,
                    gate_link,
                    title,
                    f"no claim-grade run; {newer}",
                    None,
                    "—",
                    "—",
                    "—",
                    required=required,
                )
            )
            continue
        command, artifacts = run_command_and_artifacts(src, latest, linker)
        rows.append(
            GateRow(
                gate_id,
                gate_link,
                title,
                f"{latest.outcome}; {newer}" if newer else latest.outcome,
                Link(claim_text(latest), linker.run(latest)),
                short_commit(latest, src.config),
                utc_minute(latest.started_at),
                streak_text(src, latest),
                _signer(src, latest),
                required=required,
                command=command,
                artifacts=artifacts,
            )
        )
    return tuple(rows)


def run_command_and_artifacts(
    src: Sources, entry: LedgerEntry, linker: Linker
) -> tuple[str, tuple[Link, ...]]:
    """("`argv` in `repo/cwd`", links to the collected artifacts) of a run, from its record."""
    rec = src.record_or_none(entry)
    if rec is None:
        return "", ()
    command = " ".join(rec.argv) + (" (shell)" if rec.shell else "")
    links = tuple(Link(a.path, linker.artifact(entry, a.path) or "") for a in rec.artifacts)
    return f"`{command}` in `{rec.cwd}`", links


def _signer(src: Sources, entry: LedgerEntry) -> str:
    """The principal the run's record names as signer (audit verifies the signature)."""
    rec = src.record_or_none(entry)
    return str(rec.signer.get("principal", "")) if rec is not None and rec.signer else ""


def display_status(status: str) -> str:
    """'in-progress' -> 'In progress'."""
    return status.replace("-", " ").capitalize()


def status_context(src: Sources, linker: Linker, *, as_of: str | None = None) -> StatusContext:
    """Sort and shape everything the status tracker shows."""
    cfg = src.config
    sm = cfg.safe_mode
    rs = src.records
    tasks = _of(rs.kind("task"), Task)
    task_status = {t.id: t.status for t in tasks}
    by_milestone: dict[str, list[Task]] = {}
    for t in tasks:
        by_milestone.setdefault(t.milestone, []).append(t)
    last_updated = as_of or src.latest_change() or "never"
    window_start = resolved_window_start(last_updated, cfg.status.resolved_window)
    return StatusContext(
        program=cfg.program,
        last_updated=last_updated,
        execution=ExecutionMode(
            mode=sm.mode,
            heavy_slots=sm.heavy_slots,
            admission_wait=format_duration(sm.admission_wait),
            default_mem=format_size(sm.default_mem) if sm.default_mem else "per gate",
            control_docs=sm.control_docs,
            notes=sm.notes,
        ),
        tuples=tuple(
            TupleRow(name, tuple(f"{repo}@{sha[:7]}" for repo, sha in sorted(pins.items())))
            for name, pins in sorted(cfg.tuples.items())
        ),
        milestones=tuple(
            MilestoneRow(
                m.id,
                m.title,
                display_status(m.status),
                milestone_note(m, by_milestone.get(m.id, [])),
            )
            for m in _of(rs.kind("milestone"), Milestone)
        ),
        findings=tuple(
            FindingRow(
                f.id,
                f.title,
                display_status(f.status),
                _finding_summary(f),
                f.milestone,
            )
            for f in _of(rs.kind("finding"), Finding)
        ),
        blockers=blocker_rows(src, _of(rs.kind("blocker"), Blocker)),
        resolved_since=window_start,
        resolved_blockers=resolved_blocker_rows(_of(rs.kind("blocker"), Blocker), window_start),
        resolutions=tuple(
            ResolutionRow(
                r.id,
                r.summary,
                r.resolves,
                tuple(evidence_ref(e, src, linker, until=r.created or None) for e in r.evidence),
            )
            for r in _of(rs.kind("resolution"), Resolution)
        ),
        queue=tuple(
            QueueRow(
                q.priority, q.id, q.description, display_status(task_status.get(q.id, "")) or "—"
            )
            for q in rs.queue
        ),
        consumers=tuple(
            ConsumerRow(c.id, c.coupling, c.readiness.capitalize(), c.risk)
            for c in _of(rs.kind("consumer"), Consumer)
            if c.status == "tracked"
        ),
        gates=gate_rows(src, linker),
        decisions=tuple(decision_row(d, linker) for d in src.decisions),
        kind_tables=tuple(kind_table(k, rs.kind(k.name)) for k in KINDS.values() if k.section),
        lanes=lane_rows(rs.by_kind),
    )


def kind_table(kind: Kind, records: list[Record]) -> KindTable:
    """id, status and the kind's list columns, one row a record, by id."""

    def cell(value: object) -> str:
        return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)

    return KindTable(
        kind.section,
        ("ID", "Status", *(c.replace("_", " ").capitalize() for c in kind.columns)),
        tuple(
            (r.id, display_status(r.status), *(cell(getattr(r, c)) for c in kind.columns))
            for r in records
        ),
    )


def condition_rows(src: Sources, blockers: list[Blocker]) -> dict[str, tuple[ConditionRow, ...]]:
    """Each blocker's checkable conditions evaluated now (facts read only when some has any)."""
    if not any(b.conditions for b in blockers):
        return {}
    from govkit.records.conditions import check_conditions, facts_from_sources

    facts = facts_from_sources(src)
    return {
        b.id: tuple(
            ConditionRow(s.condition.text, s.met, s.evidence)
            for s in check_conditions(b.conditions, facts)
        )
        for b in blockers
    }


def blocker_rows(src: Sources, blockers: list[Blocker]) -> tuple[BlockerRow, ...]:
    """Active blockers, each checkable condition evaluated against the current data."""
    active = [b for b in blockers if b.status == "active"]
    rows = condition_rows(src, active)
    return tuple(
        BlockerRow(b.id, b.title, b.impact, b.exit_condition, rows.get(b.id, ())) for b in active
    )


def resolved_window_start(last_updated: str, window: float) -> str:
    """YYYY-MM-DD the resolved-blockers window opens, counted back from the page's date."""
    try:
        day = dt.date.fromisoformat(last_updated[:10])
    except ValueError:
        return last_updated  # "never": nothing was resolved
    return (day - dt.timedelta(seconds=window)).isoformat()


def resolved_blocker_rows(blockers: list[Blocker], since: str) -> tuple[ResolvedBlockerRow, ...]:
    """Resolved blockers whose last move to resolved is on or after `since`, newest first."""
    rows = []
    for b in blockers:
        if b.status != "resolved":
            continue
        step = max(
            (t for t in b.history if t.to_status == "resolved"), key=lambda t: t.at, default=None
        )
        at = step.at if step else b.updated
        if not at or at[:10] < since:
            continue
        note = step.note if step else ""
        forced = step.forced if step else False
        rows.append(ResolvedBlockerRow(b.id, b.title, b.resolution, utc_minute(at), note, forced))
    rows.sort(key=lambda r: (r.resolved, id_sort_key(r.id)), reverse=True)
    return tuple(rows)


def _finding_summary(f: Finding) -> str:
    if f.status == "resolved" and f.resolved_by:
        # str.capitalize() would lower-case the ids ("m1-t01"): build both forms instead.
        ids = ", ".join(f.resolved_by)
        return (
            f"{f.evidence_summary} (resolved by {ids})"
            if f.evidence_summary
            else f"Resolved by {ids}"
        )
    return f.evidence_summary


def decision_row(d: Decision, linker: Linker) -> DecisionRow:
    """One line of the decision index."""
    relations = []
    if d.supersedes:
        relations.append(f"supersedes {', '.join(d.supersedes)}")
    if d.superseded_by:
        relations.append(f"superseded by {', '.join(d.superseded_by)}")
    href = linker.decision(d)
    return DecisionRow(
        d.id,
        Link(d.id, href) if href else None,
        d.title,
        display_status(d.status),
        d.date,
        "; ".join(relations),
    )


def render_status(
    src: Sources,
    output: Path,
    *,
    as_of: str | None = None,
    templates: Templates | None = None,
    linker: Linker | None = None,
) -> str:
    """The status tracker's Markdown, with links relative to `output`'s directory."""
    linker = linker or Linker(src.ws, output.parent)
    ctx = status_context(src, linker, as_of=as_of)
    templates = templates or Templates(src.ws.templates_dir, cache_dir=src.ws.state_dir / "cache")
    return templates.render(STATUS_TEMPLATE, {"s": ctx})


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically unless the file already holds exactly `text`; True when written."""
    try:
        if path.read_bytes() == text.encode("utf-8"):
            return False
    except FileNotFoundError:
        pass
    atomic_write_text(path, text)
    return True


@dataclass(frozen=True)
class Staleness:
    """What `render --check` found."""

    path: Path
    current: bool
    diff: str  # unified diff, disk -> rendered
    added: int
    removed: int


def check_file(path: Path, text: str) -> Staleness:
    """Compare the file on disk with freshly rendered text."""
    try:
        # A file that is not UTF-8 is simply stale (the rendered one is).
        on_disk = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        on_disk = ""
    if on_disk == text:
        return Staleness(path, True, "", 0, 0)
    lines = list(
        difflib.unified_diff(
            on_disk.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{path.name} (on disk)",
            tofile=f"{path.name} (rendered)",
        )
    )
    added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
    removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
    return Staleness(path, False, "".join(lines), added, removed)
