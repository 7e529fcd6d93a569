"""`govkit import tracker`: a hand-written status tracker becomes records.

Tables and lists are classified by what they hold, not by their heading or
column text (D-016): the ids in their cells (M1, F3, B2, R7, M1-T03, D-017,
P0 priorities, consumer repos) and what their columns mean (status, title,
proof, impact, exit criteria, readiness, coupling, risk, with common synonyms,
in any order). Ids are found through emphasis, links and code. Status words
map onto each kind's lifecycle; the raw text is kept when it says more.

Every table, list and section of the document is accounted for: imported, or
named as ignored with its line and why. Records take their dates from the
document (dates in the row, dated evidence paths, the "Last updated" line), are
marked imported, and their import step never counts as activity.

Writing goes through govkit.records.ops (the CLI's own operations, with their
id and reference checks), first on a scratch copy of the workspace, so a
problem anywhere leaves the real workspace untouched (all or nothing).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.config import SafeMode
from govkit.decisions import Decision, load_decisions, save_decision
from govkit.errors import GovkitError, NotFound, ValidationError
from govkit.importers import BlockNote, ImportItem, ImportReport
from govkit.importers.blocks import ListBlock, Section, Table, plain, read_blocks
from govkit.records import ops, store
from govkit.records.model import READINESS, record_to_dict
from govkit.timeutil import midnight
from govkit.workspace import Workspace

TASK_RE = re.compile(
    r"\b(M\d+)-T(\d+)(?:\s*(?:through|thru|to|\.\.\.?|–|—)\s*(?:(M\d+)-T)?(\d+))?\b"
)
DECISION_RE = re.compile(r"\bD-(\d+)(?:\s*(?:through|thru|to|\.\.\.?|–|—)\s*(?:D-)?(\d+))?\b")
EVIDENCE_RE = re.compile(r"(?<![\w/.-])evidence/[^\s`'\")|,;\]]+")
# A gate id standing alone (VG-LA-002), never a piece of a file name or path.
GATE_RE = re.compile(r"(?<![\w./-])VG(?:-[A-Z][A-Z0-9]*)+-\d+(?![\w/-]|\.\w)")
DATE_RE = re.compile(r"(?<!\d)(20\d\d-[01]\d-[0-3]\d)(?!\d)")
DOC_DATE_RE = re.compile(
    r"^[\W_]*(?:last[\s-]+updated|updated|last[\s-]+update|as\s+of|date|stand|mis à jour)\b"
    r"[^0-9\n]{0,12}(20\d\d-[01]\d-[0-3]\d)",
    re.I | re.M,
)
PRIORITY_RE = re.compile(r"(?<![\w-])P([0-9])(?![\w-])")
MAX_RANGE = 200  # "M1-T01 through M1-T9999" is a typo, not a plan

# Leading ids of rows and items, tried in order (a task id before its milestone).
LEAD_IDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("task", re.compile(r"^(M\d+-T\d+)\b")),
    ("milestone", re.compile(r"^(M\d+)(?![\w-])")),
    ("finding", re.compile(r"^(F\d+)(?![\w-])")),
    ("blocker", re.compile(r"^(B\d+)(?![\w-])")),
    ("resolution", re.compile(r"^(R\d+)(?![\w-])")),
    ("decision", re.compile(r"^(D-\d+)(?![\w-])")),
    ("gate", re.compile(r"^(VG(?:-[A-Z0-9]+)+)(?![\w-])")),
)

# What a column means, by the words of its header (normalized: lowercase letters only).
ROLES: dict[str, tuple[str, ...]] = {
    "id": ("id", "ids", "key", "ref", "no", "nr", "number"),
    "priority": ("priority", "pri", "prio", "p"),
    "task": ("task", "taskid", "tasks", "item", "workitem", "aufgabe", "tache"),
    "status": ("status", "state", "progress", "stage", "statut", "estado"),
    "proof": ("proof", "evidence", "evidencesummary", "verification", "artifact", "artifacts"),
    "impact": ("impact", "effect", "consequence", "consequences"),
    "exit": ("exitcondition", "exitcriteria", "exit", "unblockedwhen", "donewhen", "unblock"),
    "readiness": ("readiness", "ready", "maturity"),
    "coupling": ("coupling", "couplingtype", "integration", "dependency", "dependencytype"),
    "risk": ("risk", "principalrisk", "mainrisk", "risks", "keyrisk"),
    "consumer": ("consumer", "downstream", "repo", "repository", "project", "dependent"),
    "milestone": ("milestone", "phase", "epic", "meilenstein", "jalon"),
    "resolution": ("resolution", "fix", "resolved", "outcome", "whatchanged"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "details", "notizen"),
    "title": (
        "title",
        "what",
        "summary",
        "name",
        "description",
        "finding",
        "blocker",
        "problem",
        "issue",
        "observation",
        "topic",
        "subject",
    ),
    "date": ("date", "when", "updated", "opened", "closed", "day"),
}

# Status words, in several languages; phrases are matched on word boundaries, the
# earliest in the text wins ("not started" beats "started", "in progress (was done)" is active).
DONE_WORDS = (
    "done", "complete", "completed", "closed", "finished", "shipped", "delivered", "resolved",
    "fixed", "merged", "landed", "mitigated", "addressed", "✅", "✔", "fertig", "erledigt",
    "abgeschlossen", "terminé", "termine", "fait", "hecho", "completado", "terminado", "concluído",
)  # fmt: skip
ACTIVE_WORDS = (
    "in progress", "in-progress", "active", "ongoing", "started", "wip", "underway", "doing",
    "🚧", "en cours", "in arbeit", "en progreso", "em andamento", "in bearbeitung",
)  # fmt: skip
PLANNED_WORDS = (
    "planned", "todo", "to do", "not started", "pending", "backlog", "next", "later", "queued",
    "open", "new", "geplant", "prévu", "prevu", "planificado", "pendiente", "offen", "à faire",
)  # fmt: skip
BLOCKED_WORDS = ("blocked", "on hold", "waiting", "stalled", "blockiert", "bloqué", "bloqueado")
STATUS_GROUPS = (
    ("planned", PLANNED_WORDS),
    ("blocked", BLOCKED_WORDS),
    ("done", DONE_WORDS),
    ("active", ACTIVE_WORDS),
)
LIFECYCLE_OF = {
    "milestone": {
        "done": "complete",
        "active": "active",
        "planned": "planned",
        "blocked": "active",
    },
    "task": {"done": "done", "active": "in-progress", "planned": "todo", "blocked": "blocked"},
    "finding": {"done": "resolved", "active": "open", "planned": "open", "blocked": "open"},
    "blocker": {"done": "resolved", "active": "active", "planned": "active", "blocked": "active"},
}
# Proof text that says a finding is settled, and by what.
SETTLED_RE = re.compile(
    r"\b(?:resolved|fixed|mitigated|closed|addressed|superseded)\b(?:\s+(?:by|in|with|via))?",
    re.I,
)
ACCEPTED_RE = re.compile(
    r"\b(?:accept(?:ed|s)?|active|enforc(?:e|ed|es|ing)|in\s+effect|adopted|approved|in\s+force)\b",
    re.I,
)
REJECTED_RE = re.compile(r"\b(?:rejected|declined|withdrawn)\b", re.I)
RESOLVED_SECTION_RE = re.compile(
    r"\b(?:resolved|closed|done|cleared|fixed|finished|archive|history)\b", re.I
)
# Text govkit's own `render status` adds, stripped on import so a round trip is a fixed point.
GENERATED_NOTE_RE = re.compile(
    r"^(?:no tasks yet|\S+ complete|\S+ through \S+ complete|\d+ of \d+ tasks done"
    r"(?:; [^;]+ (?:blocked|in progress))*)(?:; |$)"
)
RESOLVED_BY_SUFFIX_RE = re.compile(r"\s*\((?:resolved|Resolved) by ([^()]+)\)\s*$")
RESOLVED_BY_ONLY_RE = re.compile(r"^Resolved by ((?:M\d+-T\d+(?:, )?)+)$")
IMPORTED_STATUS_RE = re.compile(r"\s*\(imported status: [^()]*\)")
GENERATED_MODE_KEYS = ("heavy commands at once", "memory admission")
RENDERED_MARK = "Rendered by `govkit render status`"


def _norm(header: str) -> str:
    return re.sub(r"[^a-z]", "", plain(header).lower())


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


def gate_ids(text: str) -> list[str]:
    """Gate ids the text names as gates (never pieces of evidence file names)."""
    return list(dict.fromkeys(GATE_RE.findall(plain(text))))


def evidence_refs(text: str) -> list[str]:
    """Evidence paths and gate ids cited in text."""
    refs = [m.group(0).rstrip(".") for m in EVIDENCE_RE.finditer(text)]
    return list(dict.fromkeys(refs + gate_ids(text)))


def map_status(kind: str, raw: str) -> tuple[str | None, str]:
    """(lifecycle status or None when no status word is found, the word group matched)."""
    text = " " + plain(raw).lower() + " "
    best: tuple[int, str] | None = None
    for group, words in STATUS_GROUPS:
        for word in words:
            m = re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), group)
    if best is None:
        return None, ""
    return LIFECYCLE_OF[kind][best[1]], best[1]


def lead_id(cell: str) -> tuple[str, str] | None:
    """(kind, id) of the id a cell or list item starts with, through emphasis, links and code."""
    text = plain(cell)
    text = re.sub(r"^[\W_]+(?=[A-Z])", "", text)  # '#', '(', '☐ ' before the id
    for kind, pattern in LEAD_IDS:
        m = pattern.match(text)
        if m:
            return kind, m.group(1)
    return None


@dataclass
class Planned:
    """One record the import will add, with where it came from."""

    kind: str
    id: str
    values: dict[str, Any]
    status: str
    at: str
    line: int
    note: str = ""


@dataclass
class _Stub:
    text: str
    line: int
    status: str
    raw: str
    explicit: bool = False  # from a decision index's status column: mentions do not override


@dataclass
class Plan:
    """Everything the tracker describes, before anything is written."""

    source: str
    doc_date: str = ""
    rendered: bool = False  # govkit's own STATUS.md: text govkit generated is not re-imported
    records: dict[str, Planned] = field(default_factory=dict)
    queue: list[tuple[str, str, str, int]] = field(default_factory=list)  # id, pri, desc, line
    decisions: dict[str, _Stub] = field(default_factory=dict)
    decision_titles: dict[str, str] = field(default_factory=dict)  # from a decision index
    task_mentions: dict[str, tuple[int, str]] = field(default_factory=dict)  # id -> line, date
    task_evidence: dict[str, list[str]] = field(default_factory=dict)
    safe_mode: dict[str, Any] = field(default_factory=dict)
    blocks: list[BlockNote] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def where(self, line: int) -> str:
        return f"{self.source}:{line}"

    def when(self, *texts: str) -> str:
        """The time a row speaks of: its latest date, else the document's date, else ''."""
        dates = [d for t in texts for d in DATE_RE.findall(t)]
        day = max(dates, default="") or self.doc_date
        return midnight(day) if day else ""

    def add(self, record: Planned) -> bool:
        if record.id in self.records:
            other = self.records[record.id]
            self.problems.append(
                f"{self.where(record.line)}: {record.id} is listed again "
                f"(first at line {other.line}); expected each id once"
            )
            return False
        self.records[record.id] = record
        return True

    def add_row(
        self,
        kind: str,
        rid: str,
        values: dict[str, Any],
        status: str,
        row: Sequence[str],
        line: int,
    ) -> bool:
        """Plan a record read from a table row, dated by the row's latest date."""
        return self.add(Planned(kind, rid, values, status, self.when(" ".join(row)), line))

    def mention(self, text: str, line: int, *, evidence: bool = False) -> None:
        """Remember the tasks and decisions a row names (and, for proof rows, its evidence)."""
        refs = evidence_refs(text) if evidence else []
        day = self.when(text)
        for tid in task_ids(text):
            self.task_mentions.setdefault(tid, (line, day))
            if refs:
                mine = self.task_evidence.setdefault(tid, [])
                mine += [r for r in refs if r not in mine]
        for did in decision_ids(text):
            self.mention_decision(did, text, line)

    def mention_decision(
        self, did: str, text: str, line: int, status: str | None = None, raw: str = ""
    ) -> None:
        """Note a decision id; `status` (from a decision index) wins over what prose implies."""
        if status is None:
            clause = _clause_about(plain(text), did)
            if REJECTED_RE.search(clause):
                status = "rejected"
            elif ACCEPTED_RE.search(clause):
                status = "accepted"
            else:
                status = "proposed"
            raw = clause
            explicit = False
        else:
            raw, explicit = raw or text, True
        old = self.decisions.get(did)
        rank = {"proposed": 0, "rejected": 1, "accepted": 2}
        if (
            old is None
            or (explicit and not old.explicit)
            or (explicit == old.explicit and rank.get(status, 0) > rank.get(old.status, 0))
        ):
            self.decisions[did] = _Stub(text, line, status, raw, explicit)


def _clause_about(text: str, did: str) -> str:
    """The clause of text that names did ('…; D-017 remains active …' -> that part)."""
    number = int(did[2:])
    for clause in re.split(r"(?<=[;.])\s+|\s+—\s+|\s*\|\s*", text):
        if number in {int(n) for n in re.findall(r"D-(\d+)", clause)} or did in decision_ids(
            clause
        ):
            return clause.strip()
    return text.strip()


# Tables ------------------------------------------------------------------------------


def column_roles(header: tuple[str, ...]) -> dict[str, int]:
    """role -> column index, by header meaning; the first column claiming a role keeps it."""
    roles: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = _norm(cell)
        for role, names in ROLES.items():
            if role in roles:
                continue
            if name in names or any(name.startswith(n) for n in names if len(n) > 3):
                roles[role] = i
                break
    return roles


def _cell(row: tuple[str, ...], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _row_lead(row: tuple[str, ...], roles: dict[str, int]) -> tuple[str, str] | None:
    order = [roles[r] for r in ("id", "milestone", "task") if r in roles]
    order += [i for i in range(len(row)) if i not in order]
    for i in order:
        found = lead_id(row[i]) if i < len(row) else None
        if found:
            return found
    return None


def classify_table(table: Table) -> tuple[str | None, str]:
    """(kind, why) for a table, by its columns and the ids its rows start with."""
    roles = column_roles(table.header)
    rows = [r for _, r in table.rows]
    if not rows:
        return None, "the table has no rows"
    priorities = sum(
        1
        for r in rows
        if PRIORITY_RE.fullmatch(plain(_cell(r, roles.get("priority", 0)))) is not None
    )
    if priorities * 2 >= len(rows) and ("priority" in roles or priorities == len(rows)):
        return "queue", "rows carry P0/P1 priorities"
    leads = [_row_lead(r, roles) for r in rows]
    counts: dict[str, int] = {}
    for lead in leads:
        if lead:
            counts[lead[0]] = counts.get(lead[0], 0) + 1
    kind, n = max(counts.items(), key=lambda kv: kv[1], default=("", 0))
    if n * 2 > len(rows):
        return kind, f"rows start with {kind} ids"
    if {"readiness", "coupling"} & roles.keys() or (
        "consumer" in roles and "risk" in roles and not counts
    ):
        return "consumer", "columns describe consumers (readiness, coupling, risk)"
    return None, "its rows hold no record ids (milestones M1, findings F1, blockers B1, …)"


def _title_after_id(cell: str, record_id: str) -> str:
    text = plain(cell)
    rest = text[text.find(record_id) + len(record_id) :] if record_id in text else ""
    return rest.strip(" :.—–-").strip()


def _kept_status(mapped: str, raw: str, found: bool) -> str:
    """The raw status text, when it says more than the lifecycle word it mapped to."""
    word = plain(raw)
    if not word:
        return ""
    if found and word.lower().replace(" ", "-") == mapped:
        return ""
    return word


def _read_table(plan: Plan, table: Table, kind: str) -> int:
    roles = column_roles(table.header)
    made = 0
    for line, row in table.rows:
        text = " ".join(row)
        if kind == "queue":
            made += _queue_row(plan, row, roles, line)
            continue
        if kind == "consumer":
            made += _consumer_row(plan, row, roles, line)
            continue
        lead = _row_lead(row, roles)
        if lead is None or lead[0] != kind:
            plan.problems.append(
                f"{plan.where(line)}: this {kind} table's row has no {kind} id "
                f"(expected an id like {_EXAMPLE[kind]} in the first cells)"
            )
            continue
        record_id = lead[1]
        if kind == "decision":
            status_cell = _cell(row, roles.get("status"))
            from govkit.importers.adr import map_status as adr_status

            mapped = adr_status(plain(status_cell)) if status_cell else None
            stub = (
                "accepted"
                if mapped in ("superseded", "deprecated")
                else mapped
                if mapped in ("accepted", "rejected", "proposed")
                else None
            )
            plan.mention_decision(record_id, plain(text), line, stub, plain(status_cell))
            if not status_cell:
                plan.mention_decision(record_id, text, line)
            title = plain(_cell(row, roles.get("title")))
            if title and title != record_id:
                plan.decision_titles[record_id] = title
            made += 1
            continue
        if kind == "gate":
            made += 1
            continue
        reader = _ROW_READERS[kind]
        if reader(plan, row, roles, line, record_id, table.section):
            made += 1
    return made


_EXAMPLE = {
    "milestone": "M1",
    "task": "M1-T01",
    "finding": "F1",
    "blocker": "B1",
    "resolution": "R1",
    "decision": "D-001",
    "gate": "VG-X-001",
}


def _id_cell(row: tuple[str, ...], record_id: str) -> str:
    """The cell the record's id leads (not a notes cell that merely mentions it)."""
    for c in row:
        lead = lead_id(c)
        if lead and lead[1] == record_id:
            return c
    return next((c for c in row if record_id in plain(c)), "")


def _title(row: tuple[str, ...], roles: dict[str, int], record_id: str, *names: str) -> str:
    for name in names:
        if name in roles and record_id not in plain(_cell(row, roles[name]))[: len(record_id)]:
            value = plain(_cell(row, roles[name]))
            if value:
                return value
    return _title_after_id(_id_cell(row, record_id), record_id)


def _status_raw(row: tuple[str, ...], roles: dict[str, int]) -> str:
    return _cell(row, roles.get("status"))


def _row_status(
    kind: str, row: tuple[str, ...], roles: dict[str, int], sec: Section, done: str, initial: str
) -> tuple[str, str]:
    """A row's status (`done` under a 'Resolved' heading when it names none), and the raw
    status text where it says more than the lifecycle word (kept in the notes)."""
    raw = _status_raw(row, roles)
    mapped, _ = map_status(kind, raw)
    status = mapped or (done if RESOLVED_SECTION_RE.search(sec.title) else initial)
    return status, _kept_status(status, raw, mapped is not None)


def _milestone_row(
    plan: Plan, row: tuple[str, ...], roles: dict[str, int], line: int, mid: str, sec: Section
) -> bool:
    status, kept = _row_status("milestone", row, roles, sec, "complete", "planned")
    notes = plain(_cell(row, roles.get("notes", roles.get("proof"))))
    if plan.rendered:
        notes = GENERATED_NOTE_RE.sub("", notes).strip()
    if kept:  # one raw status, the latest (a note may carry one from an earlier import)
        notes = f"{IMPORTED_STATUS_RE.sub('', notes).strip()} (imported status: {kept})".strip()
    title = _title_after_id(_id_cell(row, mid), mid) or plain(_cell(row, roles.get("title")))
    plan.mention(notes, line)
    return plan.add_row("milestone", mid, {"title": title, "notes": notes}, status, row, line)


def _task_row(
    plan: Plan, row: tuple[str, ...], roles: dict[str, int], line: int, tid: str, sec: Section
) -> bool:
    status, kept = _row_status("task", row, roles, sec, "done", "todo")
    notes = plain(_cell(row, roles.get("notes")))
    if kept:
        notes = f"{notes} (imported status: {kept})".strip()
    proof = _cell(row, roles.get("proof"))
    plan.mention(" ".join(c for c in row if tid not in plain(c)[: len(tid)]), line)
    milestone = tid.split("-T", 1)[0]
    values = {
        "milestone": milestone,
        "title": _title(row, roles, tid, "title", "task"),
        "evidence": evidence_refs(proof),
        "notes": notes,
    }
    return plan.add_row("task", tid, values, status, row, line)


def _finding_row(
    plan: Plan, row: tuple[str, ...], roles: dict[str, int], line: int, fid: str, sec: Section
) -> bool:
    raw = _status_raw(row, roles)
    proof = plain(_cell(row, roles.get("proof", roles.get("notes"))))
    resolved_by: list[str] = []
    m = RESOLVED_BY_SUFFIX_RE.search(proof)
    if m:  # what `render status` appends to a resolved finding's summary
        resolved_by = task_ids(m.group(1))
        proof = proof[: m.start()].rstrip()
    only = RESOLVED_BY_ONLY_RE.match(proof)
    if only and plain(raw).lower() == "resolved":
        resolved_by, proof = task_ids(only.group(1)), ""
    status, _ = map_status("finding", raw)
    settled = SETTLED_RE.search(proof)
    if status is None:
        status = "resolved" if settled or RESOLVED_SECTION_RE.search(sec.title) else "open"
    if status == "resolved" and not resolved_by and settled:
        resolved_by = task_ids(proof[settled.start() :])[:20]
    milestone_text = plain(_cell(row, roles.get("milestone")))
    plan.mention(" | ".join(row), line)
    values: dict[str, Any] = {
        "title": _title(row, roles, fid, "title"),
        "evidence_summary": proof,
        "milestone": milestone_text,
        "resolved_by": resolved_by if status == "resolved" else [],
    }
    return plan.add_row("finding", fid, values, status, row, line)


def _blocker_row(
    plan: Plan, row: tuple[str, ...], roles: dict[str, int], line: int, bid: str, sec: Section
) -> bool:
    status, _ = _row_status("blocker", row, roles, sec, "resolved", "active")
    raw = _status_raw(row, roles)
    resolution = plain(_cell(row, roles.get("resolution")))
    if status == "resolved" and not resolution:
        resolution = plain(raw) or f"listed under '{sec.title}' in {plan.source}"
    plan.mention(" | ".join(row), line)
    values = {
        "title": _title(row, roles, bid, "title"),
        "impact": plain(_cell(row, roles.get("impact"))),
        "exit_condition": plain(_cell(row, roles.get("exit"))),
        "resolution": resolution if status == "resolved" else "",
    }
    return plan.add_row("blocker", bid, values, status, row, line)


def _resolution_row(
    plan: Plan, row: tuple[str, ...], roles: dict[str, int], line: int, rid: str, sec: Section
) -> bool:
    summary = plain(_cell(row, roles.get("resolution", roles.get("title", roles.get("notes", 1)))))
    if summary == rid:
        summary = _title_after_id(_id_cell(row, rid), rid)
    proof = _cell(row, roles.get("proof"))
    cited = evidence_refs(proof + " " + summary)
    if plain(proof).lower() == "none cited":
        cited = evidence_refs(summary)
    plan.mention(" | ".join(row), line, evidence=True)
    values = {"summary": summary, "resolves": task_ids(summary), "evidence": cited}
    return plan.add_row("resolution", rid, values, "recorded", row, line)


_ROW_READERS: dict[
    str, Callable[[Plan, tuple[str, ...], dict[str, int], int, str, Section], bool]
] = {
    "milestone": _milestone_row,
    "task": _task_row,
    "finding": _finding_row,
    "blocker": _blocker_row,
    "resolution": _resolution_row,
}


def _queue_row(plan: Plan, row: tuple[str, ...], roles: dict[str, int], line: int) -> int:
    pri = plain(_cell(row, roles.get("priority", 0)))
    id_col = roles.get("task", roles.get("id"))
    qid = plain(_cell(row, id_col)) if id_col is not None else ""
    if not qid or not _TASK_LIKE.fullmatch(qid):
        found = _queue_id(" ".join(plain(c) for c in row if plain(c) != pri))
        qid = found or ""
    if not qid:
        plan.problems.append(f"{plan.where(line)}: queue row names no task id")
        return 0
    desc_col = roles.get("title", roles.get("notes"))
    desc = plain(_cell(row, desc_col)) if desc_col is not None and desc_col != id_col else ""
    plan.queue.append((qid, pri, desc, line))
    plan.mention(" | ".join(row), line)
    return 1


_TASK_LIKE = re.compile(r"M\d+-T\d+|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_QUEUE_ID = re.compile(r"(?<![\w-])(M\d+-T\d+|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?![\w-])")


def _queue_id(text: str) -> str | None:
    m = _QUEUE_ID.search(text)
    return m.group(1) if m else None


def _consumer_row(plan: Plan, row: tuple[str, ...], roles: dict[str, int], line: int) -> int:
    name_col = roles.get("consumer", roles.get("id", roles.get("title", 0)))
    name = plain(_cell(row, name_col))
    name = re.sub(r"\s+\(.*\)$", "", name).strip()
    if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        plan.problems.append(
            f"{plan.where(line)}: consumer {name!r} is not a repo name "
            "(expected letters, digits, '.', '_' or '-')"
        )
        return 0
    raw_ready = plain(_cell(row, roles.get("readiness")))
    readiness = raw_ready.lower() if raw_ready.lower() in READINESS else "low"
    risk = plain(_cell(row, roles.get("risk")))
    if raw_ready and raw_ready.lower() not in READINESS:
        risk = f"{risk} (imported readiness: {raw_ready})".strip()
    values = {
        "coupling": plain(_cell(row, roles.get("coupling"))),
        "readiness": readiness,
        "risk": risk,
    }
    return int(plan.add_row("consumer", name, values, "tracked", row, line))


# Lists -------------------------------------------------------------------------------

_MODE_SECTION = re.compile(r"\b(?:execution|mode|safe|safety|operating)\b", re.I)
_TEMPLATE_SECTION = re.compile(r"\b(?:template|handoff|checklist|how to|legend)\b", re.I)


def _read_list(plan: Plan, block: ListBlock) -> tuple[str, int]:
    """(what the list became, how many things it yielded)."""
    items = block.items
    queued = [(ln, t) for ln, t in items if PRIORITY_RE.search(plain(t)[:12])]
    if queued and len(queued) * 2 >= len(items):
        n = 0
        for ln, text in queued:
            words = plain(text)
            pri = PRIORITY_RE.search(words)
            assert pri is not None
            rest = words[pri.end() :].strip(" :.—–-")
            qid = _queue_id(rest)
            if not qid:
                plan.problems.append(f"{plan.where(ln)}: queue item names no task id")
                continue
            desc = rest[rest.find(qid) + len(qid) :].strip(" :.—–-()")
            plan.queue.append((qid, f"P{pri.group(1)}", desc, ln))
            plan.mention(text, ln)
            n += 1
        return "queue", n
    if _MODE_SECTION.search(block.section.title) and all(":" in t for _, t in items):
        for _, text in items:
            key, _, value = text.partition(":")
            key = plain(key).lower()
            if key == "mode" and value.strip():
                plan.safe_mode["mode"] = plain(value)
            elif key in ("control docs", "control documents"):
                plan.safe_mode["control_docs"] = re.findall(r"`([^`]+)`", value) or [
                    v.strip() for v in plain(value).split(",") if v.strip()
                ]
            elif plan.rendered and (
                key.startswith(GENERATED_MODE_KEYS) or key.startswith("tuple ")
            ):
                continue  # written by `render status` from govkit.yaml itself
            else:
                plan.safe_mode.setdefault("notes", []).append(text.strip())
        return "execution mode (govkit.yaml safe_mode)", len(items)
    leads = [(ln, t, lead_id(t)) for ln, t in items]
    kinds = {lead[0] for _, _, lead in leads if lead}
    if len(kinds) == 1 and all(lead for _, _, lead in leads):
        kind = kinds.pop()
        if kind in _ROW_READERS:
            n = 0
            for ln, text, lead in leads:
                assert lead is not None
                rest = _title_after_id(text, lead[1])
                parts = tuple(p.strip() for p in re.split(r"\s+[—–|]\s+|\s+-\s+", rest))
                row = (lead[1], *parts)
                roles = {"id": 0, "title": 1, "status": len(row) - 1} if len(row) > 2 else {}
                if len(row) == 2:
                    roles = {"id": 0, "title": 1}
                    status, _ = map_status(kind if kind != "resolution" else "task", parts[0])
                    if status is not None:
                        roles["status"] = 1
                if kind == "finding" and len(row) > 2:
                    roles = {"id": 0, "title": 1, "proof": len(row) - 1}
                if kind == "resolution":
                    roles = {"id": 0, "resolution": 1, "proof": len(row) - 1}
                n += _ROW_READERS[kind](plan, row, roles, ln, lead[1], block.section)
            return f"{kind} list", n
    mentioned = sum(bool(task_ids(t) or decision_ids(t)) for _, t in items)
    for ln, text in items:
        plan.mention(text, ln)
    if mentioned:
        return "", mentioned
    return "", 0


# The document ------------------------------------------------------------------------

_RECORD_WORDS = re.compile(
    r"\b(?:milestones?|board|findings?|blockers?|resolved|resolutions?|closed|queue|priorit\w*|"
    r"consumers?|downstream|readiness|tasks?|backlog|risks?|decisions?)\b",
    re.I,
)


def read_tracker(text: str, *, source: str) -> Plan:
    """Parse a tracker into a plan: records, queue, decision stubs, settings, and block notes."""
    doc = read_blocks(text)
    plan = Plan(source, rendered=RENDERED_MARK in text)
    m = DOC_DATE_RE.search(text)
    # No "Last updated" line: the document speaks as of the latest date it names.
    plan.doc_date = m.group(1) if m else max(DATE_RE.findall(text), default="")
    yielded: dict[int, int] = {}  # section line -> things it yielded
    looked: dict[int, bool] = {}  # section line -> it held something record-like

    def note(line: int, what: str, became: str, sec: Section, n: int, recordish: bool) -> None:
        plan.blocks.append(BlockNote(line, what, became))
        yielded[sec.line] = yielded.get(sec.line, 0) + n
        looked[sec.line] = looked.get(sec.line, False) or recordish

    for table in doc.tables:
        kind, why = classify_table(table)
        if kind is None:
            for line, row in table.rows:
                plan.mention(" | ".join(row), line)
            note(table.line, "table", f"ignored: {why}", table.section, 0, False)
            continue
        before = len(plan.problems)
        n = _read_table(plan, table, kind)
        label = "gate table: ignored (gates are defined in govkit.yaml)" if kind == "gate" else ""
        if kind == "decision":
            label = f"decision index: {n} decision id(s)"
        became = label or f"{n} {'queue item' if kind == 'queue' else kind + ' record'}(s)" + (
            f", {len(plan.problems) - before} problem(s)" if len(plan.problems) > before else ""
        )
        note(table.line, "table", became, table.section, n, kind != "gate")
    for block in doc.lists:
        became, n = _read_list(plan, block)
        if became:
            note(block.line, "list", f"{became}: {n} item(s)", block.section, n, True)
        elif _TEMPLATE_SECTION.search(block.section.title):
            note(block.line, "list", "ignored: a template to fill in", block.section, 0, False)
        else:
            why = "ignored: no record ids, priorities or settings"
            if n:
                why = f"ignored as records; {n} item(s) name tasks or decisions (kept as mentions)"
            note(block.line, "list", why, block.section, 0, False)
    for para in doc.paragraphs:
        plan.mention(para.text, para.line)
    for sec, line, what in doc.other:
        note(line, what, "ignored: not read as records", sec, 0, False)
    _stubs(plan)
    for sec in doc.sections[1:]:
        if yielded.get(sec.line):
            continue
        recordish = looked.get(sec.line, False) or bool(_RECORD_WORDS.search(sec.title))
        if _TEMPLATE_SECTION.search(sec.title):
            recordish = False
        if sec.line in looked or recordish:
            if recordish:
                plan.problems.append(
                    f"{plan.where(sec.line)}: section '{sec.title}' looks like records but "
                    "yielded none (expected a table or list whose rows start with ids like "
                    "M1, F1, B1, R1, or P0 priorities)"
                )
                plan.blocks.append(BlockNote(sec.line, "section", "warning: yielded no records"))
            continue
        plan.blocks.append(BlockNote(sec.line, "section", "ignored: prose, no table or list"))
    plan.blocks.sort(key=lambda b: b.line)
    return plan


def _stubs(plan: Plan) -> None:
    """Task stubs for mentioned task ids (done when their milestone is complete)."""
    complete = {r.id for r in plan.records.values() if r.kind == "milestone"}
    complete = {i for i in complete if plan.records[i].status == "complete"}
    for tid, (line, day) in plan.task_mentions.items():
        if tid in plan.records:
            continue
        milestone = tid.split("-T", 1)[0]
        plan.records[tid] = Planned(
            "task",
            tid,
            {
                "milestone": milestone if milestone in plan.records else "",
                "title": "",
                "evidence": plan.task_evidence.get(tid, []),
                "notes": "Stub created by import: the tracker mentions this task.",
            },
            "done" if milestone in complete else "todo",
            day or plan.when(),
            line,
        )
    for qid, _, desc, line in plan.queue:
        if qid in plan.records:
            continue
        milestone = qid.split("-T", 1)[0] if TASK_RE.fullmatch(qid) else ""
        plan.records[qid] = Planned(
            "task",
            qid,
            {
                "milestone": milestone if milestone in plan.records else "",
                "title": desc,
                "notes": "Stub created by import: the tracker queues this task.",
            },
            "todo",
            plan.when(),
            line,
        )


# Writing -----------------------------------------------------------------------------

_ORDER = ("milestone", "task", "finding", "blocker", "resolution", "consumer")
_VOLATILE = {"created", "updated", "history", "path", "imported_at"}


def settle_references(plan: Plan, ws: Workspace) -> list[Planned]:
    """The records to write, in dependency order; references the workspace cannot satisfy are
    dropped (the text keeps them), and a finding naming an unknown milestone is a problem."""
    existing = store.load_all(ws)
    known = {r.id for k in existing.by_kind.values() for r in k} | set(plan.records)
    known |= {d.id for d in load_decisions(ws)} | set(plan.decisions)
    out = []
    for record in sorted(plan.records.values(), key=lambda r: _ORDER.index(r.kind)):
        values = dict(record.values)
        if record.kind == "resolution":
            values["resolves"] = [r for r in values["resolves"] if r in known]
        if record.kind == "finding":
            values["resolved_by"] = [r for r in values["resolved_by"] if r in known]
            mentions = re.findall(r"\bM\d+\b", values["milestone"])
            missing = [m for m in mentions if m not in known]
            if missing:
                plan.problems.append(
                    f"{plan.where(record.line)}: finding {record.id} names milestone "
                    f"{', '.join(missing)}, which the tracker does not list "
                    "(expected a milestone of the board, or free text like 'Program-wide')"
                )
                continue
        out.append(Planned(record.kind, record.id, values, record.status, record.at, record.line))
    return out


def _apply(ws: Workspace, plan: Plan, records: list[Planned]) -> list[ImportItem]:
    """Write the plan through the CLI's operations; raise on the first refusal."""
    items: list[ImportItem] = []
    decisions_done = False
    for planned in records:
        if planned.kind in ("resolution", "consumer") and not decisions_done:
            items += _write_decisions(ws, plan)
            decisions_done = True
        items.append(_write_record(ws, plan, planned))
    if not decisions_done:
        items += _write_decisions(ws, plan)
    items += _write_queue(ws, plan)
    items += _write_safe_mode(ws, plan)
    return items


def _write_record(ws: Workspace, plan: Plan, planned: Planned) -> ImportItem:
    rel = ws.rel(store.record_path(ws, planned.kind, planned.id))
    where = planned.line
    other = ops.kind_of(ws, planned.id)
    if other is not None:
        existing = store.load_record(ws, other, planned.id)
        mine = {k: v for k, v in planned.values.items()}
        theirs = {k: v for k, v in record_to_dict(existing).items() if k not in _VOLATILE}
        same = other == planned.kind and existing.status == planned.status
        same = same and all(_eq(theirs.get(k), v) for k, v in mine.items())
        if same:
            return ImportItem(planned.kind, planned.id, "skipped", "already imported", rel, where)
        why = "changed since import" if existing.imported else f"exists (a {other}, not imported)"
        return ImportItem(planned.kind, planned.id, "skipped", f"{why}; left alone", rel, where)
    # An empty milestone is said outright: add_record would otherwise imply one from the id.
    values = {
        k: v for k, v in planned.values.items() if v not in ("", [], None) or k == "milestone"
    }
    if planned.kind == "consumer":
        values.setdefault("readiness", "low")
    try:
        ops.add_record(
            ws,
            planned.kind,
            planned.id,
            values,
            status=planned.status,
            force=True,
            at=planned.at or None,
            imported=True,
            note=f"imported from {plan.source}",
        )
    except GovkitError as exc:
        raise ValidationError(
            f"{plan.where(planned.line)}: {planned.kind} {planned.id}: {exc.message}",
            hint=exc.hint,
        ) from None
    return ImportItem(planned.kind, planned.id, "created", planned.status, rel, where)


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return list(a or []) == list(b or [])
    return (a or "") == (b or "")


def _write_queue(ws: Workspace, plan: Plan) -> list[ImportItem]:
    present = {q.id for q in store.load_queue(ws)}
    items = []
    for qid, pri, desc, line in plan.queue:
        if qid in present:
            items.append(ImportItem("queue", qid, "skipped", "already queued", line=line))
            continue
        present.add(qid)
        ops.queue_add(ws, qid, priority=pri or "P2", description=desc)
        items.append(ImportItem("queue", qid, "created", pri, "records/queue.yaml", line))
    return items


def _write_decisions(ws: Workspace, plan: Plan) -> list[ImportItem]:
    existing = {d.id for d in load_decisions(ws)}
    items = []
    for did, stub in sorted(plan.decisions.items()):
        if did in existing:
            items.append(ImportItem("decision", did, "skipped", "already exists", line=stub.line))
            continue
        decision = Decision(
            id=did,
            slug="imported",
            title=plan.decision_titles.get(did) or f"{did} (imported from {plan.source})",
            status=stub.status,
            body=(
                f"# {did}: imported stub\n\n## Context\n\n"
                f"Mentioned in {plan.source}, line {stub.line}; the decision text itself was "
                f"not in the tracker. The tracker said:\n\n> {stub.text.strip()}\n\n"
                "## Decision\n\nTo be filled in from the original decision record.\n\n"
                "## Consequences\n\nUnknown until the decision is written down.\n"
            ),
            imported=True,
            extra={"source": plan.source, "stub": True, "raw_status": stub.raw},
        )
        with ws.lock():
            rel = ws.rel(save_decision(ws, decision))
        items.append(ImportItem("decision", did, "created", stub.status, rel, stub.line))
    return items


def _write_safe_mode(ws: Workspace, plan: Plan) -> list[ImportItem]:
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
    with ws.edit_config() as data:
        section = data.get("safe_mode")
        if section is None:
            section = yamlio.new_map()
            data["safe_mode"] = section
        for key, value in plan.safe_mode.items():
            section[key] = value
    keys = ", ".join(sorted(plan.safe_mode))
    return [ImportItem("config", "safe_mode", "created", keys, "govkit.yaml")]


# The scratch run's writes are thrown away: on tmpfs their fsyncs cost nothing.
_SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _scratch_copy(ws: Workspace, into: Path) -> Workspace:
    """A workspace holding a copy of ws's config, records and decisions."""
    shutil.copy2(ws.config_path, into / ws.config_path.name)
    for directory in (ws.records_dir, ws.decisions_dir):
        if directory.is_dir():
            shutil.copytree(
                directory, into / directory.name, ignore=shutil.ignore_patterns(".*.tmp")
            )
    return Workspace(into)


def _snapshot(ws: Workspace) -> tuple[set[Path], dict[Path, bytes]]:
    files = {
        p
        for d in (ws.records_dir, ws.decisions_dir)
        if d.is_dir()
        for p in d.rglob("*")
        if p.is_file()
    }
    kept = {
        p: p.read_bytes() for p in (ws.config_path, ws.records_dir / store.QUEUE_FILE) if p.exists()
    }
    return files, kept


def _rollback(ws: Workspace, snapshot: tuple[set[Path], dict[Path, bytes]]) -> None:
    from govkit.atomic import atomic_write_bytes

    files, kept = snapshot
    for d in (ws.records_dir, ws.decisions_dir):
        for p in d.rglob("*") if d.is_dir() else ():
            if p.is_file() and p not in files and p not in kept:
                p.unlink()
    for p, data in kept.items():
        atomic_write_bytes(p, data)
    queue = ws.records_dir / store.QUEUE_FILE
    if queue not in kept and queue.exists():
        queue.unlink()
    ws.reload()


def import_tracker(
    ws: Workspace, path: Path, *, dry_run: bool = False, allow_partial: bool = False
) -> ImportReport:
    """Import a hand-written tracker: all or nothing; idempotent; edited records left alone."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such tracker file") from None
    except IsADirectoryError:
        raise ValidationError(
            f"{path} is a directory", hint="give the tracker's .md file"
        ) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"not valid UTF-8 at byte {exc.start}",
            path=path,
            hint="save the tracker as UTF-8 (it should be a Markdown file)",
        ) from None
    plan = read_tracker(text, source=path.name)
    if not (plan.records or plan.queue or plan.decisions or plan.safe_mode):
        # The wrong file (a README, a review) must not look like an import of an empty tracker.
        raise ValidationError(
            "found nothing to import: no table or list of milestones, findings, blockers, "
            "resolutions, queue items or consumers",
            path=path,
            hint="a tracker has Markdown tables or lists whose rows start with ids such as "
            "M1, F1, B1, R1, or P0/P1 priorities",
        )
    return _run(ws, plan, str(path), dry_run=dry_run, allow_partial=allow_partial)


def _run(
    ws: Workspace, plan: Plan, source: str, *, dry_run: bool, allow_partial: bool
) -> ImportReport:
    with ws.lock(), tempfile.TemporaryDirectory(prefix="govkit-import-", dir=_SCRATCH) as tmp:
        # Everything first on a scratch copy, through the same operations: a refusal
        # there leaves the workspace untouched.
        records = settle_references(plan, ws)
        items = _apply(_scratch_copy(ws, Path(tmp)), plan, records)
        blocked = bool(plan.problems) and not allow_partial
        report = ImportReport(
            source,
            tuple(items),
            dry_run or blocked,
            tuple(plan.problems),
            blocks=tuple(plan.blocks),
            refused=blocked,
        )
        if dry_run or blocked or not report.created:
            return report
        snapshot = _snapshot(ws)
        try:
            _apply(ws, plan, records)
        except BaseException:
            _rollback(ws, snapshot)
            raise
        return report


def plan_lines(plan: Plan) -> Iterable[str]:
    """The block notes as text (for debugging and docs)."""
    return (f"{plan.source}:{b.line}: {b.what}: {b.became}" for b in plan.blocks)
