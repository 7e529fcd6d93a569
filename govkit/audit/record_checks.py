"""Records that say "done" must show evidence; imported evidence must get verified."""

from __future__ import annotations

import re
from pathlib import Path

from govkit.audit.findings import AuditFinding
from govkit.audit.integrity import RunIndex
from govkit.records.model import KINDS, Blocker, Finding, Milestone, Record, Resolution, Task
from govkit.records.store import RecordSet
from govkit.workspace import Workspace

# What an import leaves behind in free text: evidence paths and gate ids.
REF_RE = re.compile(r"(?<![\w/.-])(evidence/[^\s`'\")|,;]+|VG-[A-Z0-9]+(?:-[A-Z0-9]+)+)")


def own_refs(record: Record) -> tuple[str, ...]:
    """Evidence references a record carries itself: its evidence fields, else (imported) its text."""
    evidence = [f.name for f in KINDS[record.kind].fields if f.spec.evidence]
    if evidence:
        return tuple(ref for name in evidence for ref in getattr(record, name))
    if record.imported:
        text = " ".join(
            str(getattr(record, f, ""))
            for f in ("notes", "evidence_summary", "exit_condition", "resolution", "title")
        )
        return tuple(dict.fromkeys(m.group(1).rstrip(".") for m in REF_RE.finditer(text)))
    return ()


def resolves_to_run(ws: Workspace, index: RunIndex, ref: str) -> bool:
    """Is a reference backed by a real run: run id, record path, or a gate with a passing run?"""
    ref = ref.removeprefix("run:")
    if ref in index.by_id:
        return True
    if ref in index.backed_gates:
        return True
    rel = ref.removeprefix("evidence/").rstrip("/")
    if not rel.endswith("record.json"):
        rel += "/record.json"
    return rel in index.by_record


def _status_line(path: Path | None) -> int | None:
    if path is None:
        return None
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.startswith("status:"):
                return n
    except (OSError, UnicodeDecodeError):
        return None
    return 1


def check_records(ws: Workspace, records: RecordSet, index: RunIndex) -> list[AuditFinding]:
    """GK501 / GK502 / GK601 over every record."""
    tasks_of: dict[str, list[Record]] = {}
    for t in records.kind("task"):
        if isinstance(t, Task):
            tasks_of.setdefault(t.milestone, []).append(t)
    resolving: dict[str, list[Record]] = {}
    for r in records.kind("resolution"):
        if isinstance(r, Resolution):
            for target in r.resolves:
                resolving.setdefault(target, []).append(r)

    def linked(record: Record) -> list[Record]:
        if isinstance(record, Milestone):
            return tasks_of.get(record.id, [])
        if isinstance(record, Finding):
            tasks = [t for t in (records.get(i) for i in record.resolved_by) if t is not None]
            return tasks + resolving.get(record.id, [])
        if isinstance(record, Blocker):
            return resolving.get(record.id, [])
        return []

    out: list[AuditFinding] = []
    for kind, row in KINDS.items():
        done = row.done
        if done is None:
            continue
        for record in records.kind(kind):
            refs = list(own_refs(record))
            for other in linked(record):
                refs.extend(own_refs(other))
            refs = list(dict.fromkeys(refs))
            backed = [r for r in refs if resolves_to_run(ws, index, r)]
            rel = ws.rel(record.path) if record.path else f"records/{kind}/{record.id}"
            line = _status_line(record.path)
            if record.imported and refs and not backed:
                shown = ", ".join(refs[:3]) + (" …" if len(refs) > 3 else "")
                out.append(
                    AuditFinding(
                        "GK601",
                        rel,
                        line,
                        f"{kind} {record.id} was imported; its evidence is unverified ({shown})",
                    )
                )
            elif record.status == done and not refs:
                out.append(
                    AuditFinding(
                        "GK501", rel, line, f"{kind} {record.id} is {done} but shows no evidence"
                    )
                )
            elif record.status == done and not backed and not record.imported:
                out.append(
                    AuditFinding(
                        "GK502",
                        rel,
                        line,
                        f"{kind} {record.id}: none of its evidence ({', '.join(refs)}) is a run",
                    )
                )
    return out
