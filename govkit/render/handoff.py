"""The session handoff note: what changed since a point in time, filled from the records."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from govkit.decisions import Decision
from govkit.errors import NotFound, ValidationError
from govkit.ids import id_sort_key
from govkit.records.model import Blocker, Finding, Learning, Record, Task, import_step
from govkit.render.sources import (
    ItemNote,
    Link,
    Linker,
    Sources,
    claim_text,
    utc_minute,
)
from govkit.render.status import QueueRow, run_detail
from govkit.render.templating import Templates
from govkit.timeutil import compact_stamp, midnight, parse_rfc3339, rfc3339

HANDOFF_TEMPLATE = "handoff.md.j2"
HANDOFFS_DIR = "handoffs"  # under evidence/
MAX_EVIDENCE = 25
_MARKER = re.compile(r"<!-- govkit-handoff since=(\S+) until=(\S+) -->")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class LearningNote:
    """A learning recorded in the window: what was met, changed, verified, and what next."""

    id: str
    title: str
    at: str
    owner: str
    problem: str
    change: str
    files: tuple[str, ...]
    verification: tuple[Link | str, ...]  # a run id becomes a link to its record
    next_steps: tuple[str, ...]
    tasks: tuple[str, ...]


@dataclass(frozen=True)
class GateRuns:
    id: str
    runs: int
    outcomes: str  # "2 pass, 1 fail"
    latest: Link
    latest_detail: str


@dataclass(frozen=True)
class DecisionNote:
    id: str
    link: Link | None
    title: str
    status: str
    date: str


@dataclass(frozen=True)
class HandoffContext:
    """Everything handoff.md.j2 shows."""

    program: str
    since: str  # RFC 3339
    since_label: str  # what --since said, or where the default came from
    until: str  # RFC 3339: the newest change in the data
    until_label: str
    completed: tuple[ItemNote, ...]
    gates: tuple[GateRuns, ...]
    evidence: tuple[Link, ...]
    evidence_more: int
    new_risks: tuple[ItemNote, ...]
    decisions: tuple[DecisionNote, ...]
    next_task: QueueRow | None
    learnings: tuple[LearningNote, ...] = ()


def _last_to(record: Record, status: str) -> str:
    """When the record last moved into `status` ('' when its history does not say)."""
    # An import copies history from a document: that is not activity since any handoff.
    times = [t.at for t in record.history if t.to_status == status and not import_step(record, t)]
    return max(times, default="")


def _created(record: Record) -> str:
    """When the record was created here ('' for an imported one: the import is not activity)."""
    return "" if record.imported else record.created


def previous_handoff(src: Sources) -> str | None:
    """The `until` of the newest note in evidence/handoffs/, if any."""
    directory = src.ws.evidence_dir / HANDOFFS_DIR
    stamps = []
    for path in directory.glob("*.md") if directory.is_dir() else ():
        m = _MARKER.search(path.read_text(encoding="utf-8", errors="replace"))
        if m:
            stamps.append(m.group(2))
    return max(stamps, default=None)


def resolve_since(src: Sources, value: str | None) -> tuple[str, str, str | None]:
    """(since as RFC 3339, a label for it, a run id to leave out) from DATE, RUN-ID or git REF."""
    if value is None:
        prev = previous_handoff(src)
        if prev:
            return _after(prev), f"the last handoff note ({utc_minute(prev)})", None
        latest = src.latest_stamp()
        if not latest:
            return "", "the beginning", None
        start = rfc3339(parse_rfc3339(latest) - dt.timedelta(days=7))
        return start, f"7 days before the latest change ({utc_minute(start)})", None
    if _DAY.match(value) or _STAMP.match(value):
        try:
            moment = parse_rfc3339(value if "T" in value else midnight(value))
        except ValueError:
            raise ValidationError(
                f"--since {value!r} is not a valid date",
                hint="write it like 2026-11-18 or 2026-11-18T09:00:00Z",
            ) from None
        return rfc3339(moment), value, None
    entry = src.runs.find(value)
    if entry is None:
        matches = src.runs.with_prefix(value)
        entry = matches[0] if len(matches) == 1 else None
    if entry is not None:
        return _after(entry.started_at), f"run {entry.run_id}", entry.run_id
    return _git_ref_time(src.ws.root, value), f"git {value}", None


def _after(stamp: str) -> str:
    # Windows are inclusive of their start; one millisecond (govkit's resolution)
    # past a previous note or a run leaves that point itself out.
    return rfc3339(parse_rfc3339(stamp) + dt.timedelta(milliseconds=1))


def _git_ref_time(root: Path, ref: str) -> str:
    from govkit.git import commit_time

    try:
        return commit_time(root, ref)
    except NotFound:
        raise ValidationError(
            f"--since {ref!r} is not a date, a run id or a git ref of the workspace",
            hint="give a date like 2026-11-18, a run id from `govkit evidence list`, or a commit",
        ) from None


def handoff_context(
    src: Sources, linker: Linker, *, since: str, since_label: str, exclude_run: str | None = None
) -> HandoffContext:
    """Collect what changed at or after `since`."""
    rs = src.records
    completed = []
    for t in rs.kind("task"):
        if isinstance(t, Task) and t.status == "done":
            at = _last_to(t, "done") or ("" if t.imported else t.updated)
            if at and at >= since:
                completed.append(ItemNote(t.id, t.title, utc_minute(at), t.owner))
    runs = [e for e in src.runs.between(since or None, None) if e.run_id != exclude_run]
    runs.sort(key=lambda e: (e.started_at, e.seq))
    gates = []
    for gate_id in sorted({e.gate_id for e in runs}, key=id_sort_key):
        mine = [e for e in runs if e.gate_id == gate_id]
        tally = Counter(e.outcome for e in mine)
        latest = mine[-1]
        gates.append(
            GateRuns(
                gate_id,
                len(mine),
                ", ".join(f"{n} {o}" for o, n in sorted(tally.items())),
                Link(claim_text(latest), linker.run(latest)),
                run_detail(latest, src.config),
            )
        )
    newest = list(reversed(runs))
    risks = []
    for r in rs.kind("blocker") + rs.kind("finding"):
        if isinstance(r, Blocker) and r.status == "active":
            at = max(_created(r), _last_to(r, "active"))
        elif isinstance(r, Finding) and r.status == "open":
            at = max(_created(r), _last_to(r, "open"))
        else:
            continue
        if at and at >= since:
            risks.append(ItemNote(r.id, r.title, utc_minute(at), r.owner, kind=r.kind))
    decisions = [
        DecisionNote(d.id, _decision_link(d, linker), d.title, d.status, d.date)
        for d in src.decisions
        if d.date and d.date[:10] >= since[:10]
    ]
    queue = rs.queue
    task_status = {t.id: t.status for t in rs.kind("task")}
    head = next((q for q in queue if task_status.get(q.id) != "done"), None)
    return HandoffContext(
        program=src.config.program,
        since=since,
        since_label=since_label,
        until=src.latest_stamp(),
        until_label=utc_minute(src.latest_stamp()) or "none",
        completed=tuple(sorted(completed, key=lambda c: id_sort_key(c.id))),
        gates=tuple(gates),
        evidence=tuple(Link(e.run_id, linker.run(e)) for e in newest[:MAX_EVIDENCE]),
        evidence_more=max(0, len(newest) - MAX_EVIDENCE),
        new_risks=tuple(sorted(risks, key=lambda r: (r.kind, id_sort_key(r.id)))),
        decisions=tuple(decisions),
        next_task=(
            QueueRow(head.priority, head.id, head.description, task_status.get(head.id, "") or "—")
            if head
            else None
        ),
        learnings=learning_notes(src, linker, since),
    )


def learning_notes(src: Sources, linker: Linker, since: str) -> tuple[LearningNote, ...]:
    """Learnings recorded at or after `since`, by id; verification run ids become links."""
    out = []
    for r in src.records.kind("learning"):
        if not isinstance(r, Learning) or not r.created or r.created < since:
            continue
        checks: list[Link | str] = []
        for ref in r.verification:
            entry = src.runs.find(ref)
            checks.append(Link(claim_text(entry), linker.run(entry)) if entry else ref)
        out.append(
            LearningNote(
                r.id,
                r.title,
                utc_minute(r.created),
                r.owner,
                r.problem,
                r.change,
                r.files,
                tuple(checks),
                r.next_steps,
                r.tasks,
            )
        )
    return tuple(sorted(out, key=lambda n: id_sort_key(n.id)))


def _decision_link(decision: Decision, linker: Linker) -> Link | None:
    href = linker.decision(decision)
    return Link(decision.id, href) if href else None


def render_handoff(
    src: Sources,
    output: Path,
    *,
    since: str | None = None,
    templates: Templates | None = None,
) -> tuple[str, HandoffContext]:
    """The handoff note's Markdown (links relative to `output`) and the data behind it."""
    start, label, exclude = resolve_since(src, since)
    ctx = handoff_context(
        src, Linker(src.ws, output.parent), since=start, since_label=label, exclude_run=exclude
    )
    templates = templates or Templates(src.ws.templates_dir)
    return templates.render(HANDOFF_TEMPLATE, {"h": ctx}), ctx


def saved_note_path(src: Sources, ctx: HandoffContext) -> Path:
    """evidence/handoffs/<until>.md: where --save keeps the note (named by its end point)."""
    stamp = compact_stamp(ctx.until or "0000-00-00T00:00:00")
    return src.ws.evidence_dir / HANDOFFS_DIR / f"{stamp}.md"
