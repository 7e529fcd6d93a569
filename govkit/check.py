"""`govkit check`: validate the whole workspace and report every problem, not the first.

Covers govkit.yaml (syntax, fields, gates naming unknown repos or tuples), every
record file (YAML syntax, fields, statuses, ids, file name), duplicate ids (as a
merge of two branches can produce), dangling references between records,
decisions and the queue, and decision files (front matter, numbering,
supersession written on both sides). Each part lives next to what it checks:
govkit.config_checks, govkit.records.checks, govkit.decision_checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    queued = check_queue(ws, set(records.ids), problems)
    if queued is not None:
        report.counts["queue"] = queued
    report.problems.sort(key=lambda p: (p.path, p.line or 0, p.code, p.message))
    return report
