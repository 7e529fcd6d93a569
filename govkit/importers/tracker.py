"""`govkit import tracker`: a hand-written status tracker becomes records.

Tables are found by the heading they sit under and read by column name, so
column order and small naming differences do not matter. Every record made
here is `imported: true`; the evidence paths and gate ids the tracker cites
become references that audit reports as unverified (GK601) until real runs
back them. Importing twice creates nothing new, and a record edited since the
import is never overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.config import SafeMode
from govkit.decisions import Decision, load_decisions, save_decision
from govkit.documents import Table, Unit, parse_units, tables
from govkit.errors import GovkitError, NotFound, ValidationError
from govkit.ids import check_id, check_safe_id
from govkit.importers import ImportItem, ImportReport
from govkit.records.model import (
    READINESS,
    Blocker,
    Consumer,
    Finding,
    Milestone,
    QueueItem,
    Record,
    Resolution,
    Task,
    Transition,
    record_to_dict,
    task_milestone,
)
from govkit.records.store import load_queue, load_record, record_path, save_queue, save_record
from govkit.timeutil import rfc3339
from govkit.workspace import Workspace

MILESTONE_STATUS = {
    "complete": "complete",
    "completed": "complete",
    "done": "complete",
    "closed": "complete",
    "finished": "complete",
    "shipped": "complete",
    "active": "active",
    "in progress": "active",
    "in-progress": "active",
    "ongoing": "active",
    "started": "active",
    "wip": "active",
}
TASK_RE = re.compile(
    r"\b(M\d+)-T(\d+)(?:\s*(?:through|thru|to|\.\.\.?|–|—)\s*(?:(M\d+)-T)?(\d+))?\b"
)
DECISION_RE = re.compile(r"\bD-(\d+)(?:\s*(?:through|thru|to|\.\.\.?|–|—)\s*(?:D-)?(\d+))?\b")
EVIDENCE_RE = re.compile(r"(?<![\w/.-])evidence/[^\s`'\")|,;]+")
GATE_RE = re.compile(r"\bVG-[A-Z0-9]+(?:-[A-Z0-9]+)+\b")
MAX_RANGE = 200  # "M1-T01 through M1-T9999" is a typo, not a plan


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _column(table: Table, *names: str) -> int | None:
    """Index of the first header matching one of names (normalized, exact then prefix)."""
    headers = [_norm(h) for h in table.header]
    for name in names:
        if name in headers:
            return headers.index(name)
    for name in names:
        for i, h in enumerate(headers):
            if h.startswith(name):
                return i
    return None


def _cell(row: tuple[str, ...], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _plain(text: str) -> str:
    """Cell text without code backticks."""
    return text.replace("`", "").strip()


def task_ids(text: str) -> list[str]:
    """Task ids in text, with ranges ('M1-T01 through M1-T05', 'M2-T01..M2-T05') expanded."""
    out: list[str] = []
    for m in TASK_RE.finditer(text):
        milestone, first, other_ms, last = m.group(1), m.group(2), m.group(3), m.group(4)
        width = len(first)
        if last is None or (other_ms and other_ms != milestone):
            out.append(f"{milestone}-T{first}")
            if last is not None and other_ms:
                out.append(f"{other_ms}-T{last}")
            continue
        lo, hi = int(first), int(last)
        if hi < lo or hi - lo > MAX_RANGE:
            out += [f"{milestone}-T{first}", f"{milestone}-T{last}"]
            continue
        out += [f"{milestone}-T{n:0{width}d}" for n in range(lo, hi + 1)]
    return list(dict.fromkeys(out))


def decision_ids(text: str) -> list[str]:
    """Decision ids in text (D-001 … ranges expanded), as D-NNN."""
    out: list[str] = []
    for m in DECISION_RE.finditer(text):
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo or hi - lo > MAX_RANGE:
            hi = lo
        out += [f"D-{n:03d}" for n in range(lo, hi + 1)]
    return list(dict.fromkeys(out))


def evidence_refs(text: str) -> list[str]:
    """Evidence paths and gate ids cited in text."""
    refs = [m.group(0).rstrip(".") for m in EVIDENCE_RE.finditer(text)]
    refs += GATE_RE.findall(text)
    return list(dict.fromkeys(refs))


@dataclass
class _Plan:
    """Everything the tracker describes, before anything is written."""

    records: list[tuple[Record, int]] = field(default_factory=list)  # (record, source line)
    queue: list[tuple[QueueItem, int]] = field(default_factory=list)
    decisions: dict[str, tuple[str, int, bool]] = field(default_factory=dict)  # id -> text
    task_refs: dict[str, list[str]] = field(default_factory=dict)
    task_lines: dict[str, int] = field(default_factory=dict)
    safe_mode: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def mention(self, text: str, line: int) -> None:
        """Remember tasks, decisions and evidence mentioned in a row."""
        refs = evidence_refs(text)
        for tid in task_ids(text):
            self.task_refs.setdefault(tid, [])
            self.task_refs[tid] += [r for r in refs if r not in self.task_refs[tid]]
            self.task_lines.setdefault(tid, line)
        accepted = "accept" in text.lower()
        for did in decision_ids(text):
            old = self.decisions.get(did)
            if old is None:
                self.decisions[did] = (text, line, accepted)
            elif accepted and not old[2]:
                self.decisions[did] = (text, line, True)


def _stamp(now: str, status: str, source: str) -> dict[str, Any]:
    return {
        "created": now,
        "updated": now,
        "history": (Transition(now, None, status, note=f"imported from {source}"),),
        "imported": True,
    }


def _read_milestones(plan: _Plan, table: Table, stamp: Any) -> None:
    c_id = _column(table, "milestone", "id", "name")
    c_status = _column(table, "status", "state")
    c_notes = _column(table, "notes", "note", "summary", "comments")
    for line, row in table.rows:
        head = _plain(_cell(row, c_id))
        m = re.match(r"^(M\d+)\b[\s:.—–-]*(.*)$", head)
        if not m:
            plan.problems.append(f"line {line}: milestone {head!r} has no id like M1")
            continue
        raw = _cell(row, c_status)
        status = MILESTONE_STATUS.get(_plain(raw).lower(), "planned")
        notes = _cell(row, c_notes)
        notes = f"{notes} (imported status: {raw})" if notes else f"(imported status: {raw})"
        plan.records.append(
            (Milestone(id=m.group(1), title=m.group(2), notes=notes, **stamp(status)), line)
        )
        plan.mention(notes, line)


def _read_findings(plan: _Plan, table: Table, stamp: Any) -> None:
    c_id = _column(table, "id")
    c_title = _column(table, "finding", "title", "description")
    c_ev = _column(table, "evidencesummary", "evidence", "summary")
    c_ms = _column(table, "milestone")
    for line, row in table.rows:
        fid = _plain(_cell(row, c_id))
        summary = _cell(row, c_ev)
        resolved = summary.lower().startswith(("resolved", "fixed", "closed"))
        plan.records.append(
            (
                Finding(
                    id=fid,
                    title=_cell(row, c_title),
                    evidence_summary=summary,
                    milestone=_plain(_cell(row, c_ms)),
                    resolved_by=tuple(task_ids(summary)) if resolved else (),
                    **stamp("resolved" if resolved else "open"),
                ),
                line,
            )
        )
        plan.mention(" ".join(row), line)


def _read_blockers(plan: _Plan, table: Table, stamp: Any, resolved: bool) -> None:
    c_id = _column(table, "id")
    c_title = _column(table, "blocker", "title", "description")
    c_impact = _column(table, "impact")
    c_exit = _column(table, "exitcondition", "exit")
    for line, row in table.rows:
        plan.records.append(
            (
                Blocker(
                    id=_plain(_cell(row, c_id)),
                    title=_cell(row, c_title),
                    impact=_cell(row, c_impact),
                    exit_condition=_cell(row, c_exit),
                    **stamp("resolved" if resolved else "active"),
                ),
                line,
            )
        )
        plan.mention(" ".join(row), line)


def _read_resolutions(plan: _Plan, table: Table, stamp: Any) -> None:
    c_id = _column(table, "id")
    c_summary = _column(table, "resolution", "summary", "description")
    c_ev = _column(table, "evidence", "evidencesummary")
    for line, row in table.rows:
        summary = _cell(row, c_summary)
        text = " ".join(row)
        cited = evidence_refs(_cell(row, c_ev) + " " + summary)
        plan.records.append(
            (
                Resolution(
                    id=_plain(_cell(row, c_id)),
                    summary=summary,
                    resolves=tuple(task_ids(summary)),
                    evidence=tuple(cited),
                    **stamp("recorded"),
                ),
                line,
            )
        )
        plan.mention(text, line)


def _read_queue(plan: _Plan, table: Table) -> None:
    c_pri = _column(table, "priority", "pri")
    c_id = _column(table, "taskid", "id", "task")
    c_desc = _column(table, "description", "task", "summary")
    for line, row in table.rows:
        qid = _plain(_cell(row, c_id))
        if qid:
            plan.queue.append(
                (QueueItem(qid, _plain(_cell(row, c_pri)) or "P2", _cell(row, c_desc)), line)
            )
        plan.mention(" ".join(row), line)


def _read_consumers(plan: _Plan, table: Table, stamp: Any) -> None:
    c_name = _column(table, "consumer", "name", "id", "repo")
    c_coupling = _column(table, "couplingtype", "coupling")
    c_ready = _column(table, "readiness")
    c_risk = _column(table, "principalrisk", "risk")
    for line, row in table.rows:
        raw_ready = _plain(_cell(row, c_ready))
        readiness = raw_ready.lower() if raw_ready.lower() in READINESS else "low"
        risk = _cell(row, c_risk)
        if raw_ready and raw_ready.lower() not in READINESS:
            risk = f"{risk} (imported readiness: {raw_ready})".strip()
        plan.records.append(
            (
                Consumer(
                    id=_plain(_cell(row, c_name)),
                    coupling=_cell(row, c_coupling),
                    readiness=readiness,
                    risk=risk,
                    **stamp("tracked"),
                ),
                line,
            )
        )


def _read_execution_mode(plan: _Plan, units: list[Unit]) -> None:
    for u in units:
        if u.kind != "item" or "execution mode" not in u.section.lower():
            continue
        key, _, value = u.raw.partition(":")
        key = key.strip().lower()
        if key == "mode" and value.strip():
            plan.safe_mode["mode"] = value.strip()
        elif key in ("control docs", "control documents"):
            plan.safe_mode["control_docs"] = re.findall(r"`([^`]+)`", value) or [
                v.strip() for v in value.split(",") if v.strip()
            ]
        else:
            plan.safe_mode.setdefault("notes", []).append(u.raw.strip())


def read_tracker(text: str, *, source: str, now: str) -> _Plan:
    """Parse a tracker into a plan of records, queue items, decisions and settings."""
    plan = _Plan()

    def stamp(status: str) -> dict[str, Any]:
        return {"status": status, **_stamp(now, status, source)}

    units = parse_units(text)
    for table in tables(units):
        section = table.section.lower()
        if "milestone" in section:
            _read_milestones(plan, table, stamp)
        elif "finding" in section:
            _read_findings(plan, table, stamp)
        elif "blocker" in section:
            _read_blockers(plan, table, stamp, resolved="resolved" in section)
        elif "resol" in section:
            _read_resolutions(plan, table, stamp)
        elif "priority" in section or "queue" in section:
            _read_queue(plan, table)
        elif "consumer" in section:
            _read_consumers(plan, table, stamp)
    _read_execution_mode(plan, units)
    complete = {
        r.id for r, _ in plan.records if isinstance(r, Milestone) and r.status == "complete"
    }
    known = {r.id for r, _ in plan.records}
    for tid, refs in plan.task_refs.items():
        if tid in known:
            continue
        milestone = tid.split("-T", 1)[0]
        status = "done" if milestone in complete else "todo"
        plan.records.append(
            (
                Task(
                    id=tid,
                    milestone=milestone,
                    title="",
                    evidence=tuple(refs),
                    notes="Stub created by import: the tracker mentions this task.",
                    **stamp(status),
                ),
                plan.task_lines[tid],
            )
        )
    # Queue items name tasks; a queued id with no record becomes a stub too.
    known = {r.id for r, _ in plan.records}
    for item, line in plan.queue:
        if item.id in known:
            continue
        known.add(item.id)
        plan.records.append(
            (
                Task(
                    id=item.id,
                    milestone=task_milestone(item.id) or "",
                    title=item.description,
                    notes="Stub created by import: the tracker queues this task.",
                    **stamp("todo"),
                ),
                line,
            )
        )
    return plan


_VOLATILE = {"created", "updated", "history", "path"}


def _same(a: Record, b: Record) -> bool:
    da = {k: v for k, v in record_to_dict(a).items() if k not in _VOLATILE}
    db = {k: v for k, v in record_to_dict(b).items() if k not in _VOLATILE}
    return da == db


def import_tracker(ws: Workspace, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Import a hand-written tracker; idempotent; never overwrites an edited record."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such tracker file") from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"not valid UTF-8 at byte {exc.start}",
            path=path,
            hint="save the tracker as UTF-8 (it should be a Markdown file)",
        ) from None
    source = path.name
    plan = read_tracker(text, source=source, now=rfc3339())
    if not (plan.records or plan.queue or plan.decisions or plan.safe_mode or plan.problems):
        # The wrong file (a README, a review) must not look like an import of an empty tracker.
        raise ValidationError(
            "found nothing to import: no tracker tables under the known headings",
            path=path,
            hint="a tracker has Markdown tables under headings such as Milestone Board, "
            "Baseline Findings, Active Blockers, Resolved, Priority Queue, Consumer Readiness",
        )
    items: list[ImportItem] = []
    with ws.lock():
        for record, line in plan.records:
            items.append(_import_record(ws, record, line, dry_run))
        items += _import_queue(ws, plan, dry_run)
        items += _import_decisions(ws, plan, source, dry_run)
    # edit_config takes the workspace lock itself.
    items += _import_safe_mode(ws, plan, dry_run)
    return ImportReport(str(path), tuple(items), dry_run, tuple(plan.problems))


def _import_record(ws: Workspace, record: Record, line: int, dry_run: bool) -> ImportItem:
    try:
        check_id(record.kind, record.id)
    except GovkitError as exc:
        return ImportItem(record.kind, record.id, "skipped", exc.message, line=line)
    target = record_path(ws, record.kind, record.id)
    rel = ws.rel(target)
    if target.is_file():
        try:
            existing = load_record(ws, record.kind, record.id)
        except GovkitError as exc:
            return ImportItem(
                record.kind, record.id, "skipped", f"exists: {exc.message}", rel, line
            )
        if _same(existing, record):
            return ImportItem(record.kind, record.id, "skipped", "already imported", rel, line)
        why = "changed since import" if existing.imported else "exists (not imported)"
        return ImportItem(record.kind, record.id, "skipped", f"{why}; left alone", rel, line)
    if not dry_run:
        save_record(ws, record)
    return ImportItem(record.kind, record.id, "created", "", rel, line)


def _import_queue(ws: Workspace, plan: _Plan, dry_run: bool) -> list[ImportItem]:
    queue = load_queue(ws)
    present = {q.id for q in queue}
    items = []
    added = []
    for item, line in plan.queue:
        try:
            check_safe_id(item.id, what="queue item id")
        except GovkitError as exc:
            items.append(ImportItem("queue", item.id, "skipped", exc.message, line=line))
            continue
        if item.id in present:
            items.append(ImportItem("queue", item.id, "skipped", "already queued", line=line))
            continue
        present.add(item.id)
        added.append(item)
        items.append(ImportItem("queue", item.id, "created", "", "records/queue.yaml", line))
    if added and not dry_run:
        save_queue(ws, queue + added)
    return items


def _import_decisions(ws: Workspace, plan: _Plan, source: str, dry_run: bool) -> list[ImportItem]:
    existing = {d.id for d in load_decisions(ws)}
    items = []
    for did, (text, line, accepted) in sorted(plan.decisions.items()):
        if did in existing:
            items.append(ImportItem("decision", did, "skipped", "already exists", line=line))
            continue
        decision = Decision(
            id=did,
            slug="imported",
            title=f"{did} (imported from {source})",
            status="accepted" if accepted else "proposed",
            body=(
                f"# {did}: imported stub\n\n## Context\n\n"
                f"Mentioned in {source}, line {line}; the decision text itself was not "
                f"in the tracker. The tracker said:\n\n> {text.strip()}\n\n"
                "## Decision\n\nTo be filled in from the original decision record.\n\n"
                "## Consequences\n\nUnknown until the decision is written down.\n"
            ),
            imported=True,
            extra={"source": source, "stub": True},
        )
        rel = f"decisions/{did}-imported.md"
        if not dry_run:
            rel = ws.rel(save_decision(ws, decision))
        items.append(ImportItem("decision", did, "created", decision.status, rel, line))
    return items


def _import_safe_mode(ws: Workspace, plan: _Plan, dry_run: bool) -> list[ImportItem]:
    if not plan.safe_mode:
        return []
    current = ws.config.safe_mode
    default = SafeMode()
    if (current.mode, current.control_docs, current.notes) != (
        default.mode,
        default.control_docs,
        default.notes,
    ):
        return [ImportItem("config", "safe_mode", "skipped", "govkit.yaml already customised")]
    if not dry_run:
        with ws.edit_config() as data:
            section = data.get("safe_mode")
            if section is None:
                section = yamlio.new_map()
                data["safe_mode"] = section
            for key, value in plan.safe_mode.items():
                section[key] = value
    keys = ", ".join(sorted(plan.safe_mode))
    return [ImportItem("config", "safe_mode", "created", keys, "govkit.yaml")]
