"""`govkit check`: validate the whole workspace and report every problem, not the first.

Covers govkit.yaml (syntax, fields, gates naming unknown repos or tuples), every
record file (YAML syntax, fields, statuses, ids, file name), duplicate ids (as a
merge of two branches can produce), dangling references between records,
decisions and the queue, and decision files (front matter, numbering,
supersession written on both sides). Each part lives next to what it checks:
govkit.config_checks, govkit.records.checks, govkit.decision_checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit.config_checks import check_config
from govkit.decision_checks import check_decisions
from govkit.problems import Problem as Problem
from govkit.problems import ProblemList
from govkit.records.checks import check_queue, check_record_files, check_references
from govkit.records.conditions import check_blocker_conditions
from govkit.workspace import Workspace


@dataclass
class CheckReport:
    """What `check` found: problems (exit 1 when any), notes (informational), counts."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    # Active blockers' checkable conditions: {"blocker", "condition", "met", "evidence", "runs"}
    conditions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "ok": self.ok,
            "problems": [problem_data(p) for p in self.problems],
            "notes": self.notes,
            "counts": self.counts,
            "conditions": self.conditions,
        }


def problem_data(p: Problem) -> dict[str, Any]:
    """The JSON shape of one problem in `check --json`."""
    return {
        "code": p.code,
        "file": p.path,
        "line": p.line,
        "column": p.column,
        "message": p.message,
        "hint": p.hint,
    }


def check_workspace(ws: Workspace) -> CheckReport:
    """Every problem in the workspace, sorted by file and line."""
    report = CheckReport()
    problems = ProblemList(ws.rel, report.problems)
    check_config(ws, problems)
    records = check_record_files(ws, problems)
    report.notes += records.notes
    report.counts.update(records.counts())
    decisions = check_decisions(ws, problems)
    report.counts["decisions"] = len(decisions)
    check_references(records, {d.id for d in decisions}, problems)
    conditions, notes = check_blocker_conditions(ws, records.by_kind, decisions, problems)
    report.conditions += conditions
    report.notes += notes
    report.notes += check_decision_mentions(
        ws, sorted(records.ids.values()), {d.id for d in decisions}, problems
    )
    queued = check_queue(ws, set(records.ids), problems)
    if queued is not None:
        report.counts["queue"] = queued
    report.problems.sort(key=lambda p: (p.path, p.line or 0, p.code, p.message))
    return report


_DECISION_MENTION = re.compile(r"(?<![\w/-])D-(\d{1,6})(?![\w-])")


def check_decision_mentions(
    ws: Workspace, record_files: list[Path], decision_ids: set[str], problems: ProblemList
) -> list[str]:
    """Every D-NNN cited in a record or STATUS.md names an existing decision; returns notes.

    Decision bodies are prose that may use an id as an example ("numbers (D-017) taken
    at creation collide"): a missing one there is a note, not a problem.
    """
    from govkit.decisions import decision_number

    numbers = {decision_number(d) for d in decision_ids} - {None}
    files = list(record_files)
    status = ws.root / "STATUS.md"
    if status.is_file():
        files.append(status)
    for path in files:
        for n, column, ref in _decision_mentions(path, numbers):
            problems.add(
                "dangling-ref",
                path,
                n,
                f"{ref} is cited here but no such decision exists",
                hint="import or write the decision (govkit import adr, or govkit decision "
                f"new + accept --id {ref}), or fix the reference",
                column=column,
            )
    notes = []
    if ws.decisions_dir.is_dir():
        for path in sorted(ws.decisions_dir.glob("*.md")):
            seen = {(n, ref) for n, _, ref in _decision_mentions(path, numbers)}
            notes += [
                f"{ws.rel(path)}:{n}: mentions {ref}, which does not exist"
                for n, ref in sorted(seen)
            ]
    return notes


def _decision_mentions(path: Path, numbers: set[int | None]) -> list[tuple[int, int, str]]:
    """(line, column, 'D-017') of each decision id in a file whose number is not in numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    if "D-" not in text:
        return []
    return [
        (n, m.start() + 1, m.group(0))
        for n, line in enumerate(text.splitlines(), 1)
        for m in _DECISION_MENTION.finditer(line)
        if int(m.group(1)) not in numbers
    ]
