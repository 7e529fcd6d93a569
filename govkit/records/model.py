"""Record kinds as frozen dataclasses, and their lifecycles (DESIGN.md §2, §4).

The YAML file of a record holds the fields below by these names (snake_case);
`kind` and `path` are implied by where the file is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

# kind -> (statuses in lifecycle order, transition map, initial status)
LIFECYCLES: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]], str]] = {
    "milestone": (
        ("planned", "active", "complete"),
        {"planned": ("active",), "active": ("complete", "planned"), "complete": ("active",)},
        "planned",
    ),
    "task": (
        ("todo", "in-progress", "blocked", "done"),
        {
            "todo": ("in-progress", "blocked", "done"),
            "in-progress": ("done", "blocked", "todo"),
            "blocked": ("in-progress", "todo"),
            "done": ("in-progress",),
        },
        "todo",
    ),
    "finding": (("open", "resolved"), {"open": ("resolved",), "resolved": ("open",)}, "open"),
    "blocker": (
        ("active", "resolved"),
        {"active": ("resolved",), "resolved": ("active",)},
        "active",
    ),
    "resolution": (("recorded",), {"recorded": ()}, "recorded"),
    "consumer": (
        ("tracked", "retired"),
        {"tracked": ("retired",), "retired": ("tracked",)},
        "tracked",
    ),
}

READINESS = ("low", "medium", "high")
# Fields every kind has, maintained by govkit rather than edited by flags.
COMMON_FIELDS = ("id", "status", "created", "updated", "history", "imported", "path")
PLURALS = {
    "milestone": "milestones",
    "task": "tasks",
    "finding": "findings",
    "blocker": "blockers",
    "resolution": "resolutions",
    "consumer": "consumers",
}


@dataclass(frozen=True)
class Transition:
    """One status change, kept in the record's history."""

    at: str  # RFC 3339 UTC
    from_status: str | None
    to_status: str
    forced: bool = False
    note: str = ""


@dataclass(frozen=True)
class Record:
    """Fields every kind has."""

    kind: ClassVar[str] = ""
    id: str
    status: str
    created: str = ""  # RFC 3339 UTC
    updated: str = ""
    history: tuple[Transition, ...] = ()
    imported: bool = False  # created by `govkit import tracker`: claims unverified
    path: Path | None = field(default=None, compare=False)

    def references(self) -> dict[str, tuple[str, ...]]:
        """field name -> ids of other records this one points at (for check/remove)."""
        return {}


@dataclass(frozen=True)
class Milestone(Record):
    kind: ClassVar[str] = "milestone"
    title: str = ""
    notes: str = ""


@dataclass(frozen=True)
class Task(Record):
    kind: ClassVar[str] = "task"
    milestone: str = ""
    title: str = ""
    evidence: tuple[str, ...] = ()  # run ids, gate ids or evidence paths
    notes: str = ""

    def references(self) -> dict[str, tuple[str, ...]]:
        return {"milestone": (self.milestone,) if self.milestone else ()}


@dataclass(frozen=True)
class Finding(Record):
    kind: ClassVar[str] = "finding"
    title: str = ""
    evidence_summary: str = ""
    milestone: str = ""  # a milestone id, or free text like "Program-wide"
    resolved_by: tuple[str, ...] = ()  # task ids

    def references(self) -> dict[str, tuple[str, ...]]:
        return {"resolved_by": self.resolved_by}

    def milestone_mentions(self) -> list[str]:
        """Milestone ids named in the free-text milestone field ('M2 and M3' -> M2, M3)."""
        return _MILESTONE_TOKEN.findall(self.milestone)


@dataclass(frozen=True)
class Blocker(Record):
    kind: ClassVar[str] = "blocker"
    title: str = ""
    impact: str = ""
    exit_condition: str = ""
    # Checkable exit conditions (govkit.records.conditions): resolving waits on them.
    conditions: tuple[str, ...] = ()
    resolution: str = ""
    evidence: tuple[str, ...] = ()  # run ids: e.g. the failing run a cadence blocker came from

    def references(self) -> dict[str, tuple[str, ...]]:
        from govkit.records.conditions import record_targets

        return {"conditions": record_targets(self.conditions)}


@dataclass(frozen=True)
class Resolution(Record):
    kind: ClassVar[str] = "resolution"
    summary: str = ""
    resolves: tuple[str, ...] = ()  # any record ids (tasks, findings, blockers)
    evidence: tuple[str, ...] = ()

    def references(self) -> dict[str, tuple[str, ...]]:
        return {"resolves": self.resolves}


@dataclass(frozen=True)
class Consumer(Record):
    kind: ClassVar[str] = "consumer"
    coupling: str = ""
    readiness: str = "low"
    risk: str = ""


KIND_CLASSES: dict[str, type[Record]] = {
    cls.kind: cls for cls in (Milestone, Task, Finding, Blocker, Resolution, Consumer)
}


@functools.cache
def _kind_fields(kind: str) -> tuple[tuple[str, bool], ...]:
    return tuple(
        (f.name, str(f.type).startswith("tuple"))
        for f in fields(KIND_CLASSES[kind])
        if f.name not in COMMON_FIELDS
    )


def kind_fields(kind: str) -> dict[str, bool]:
    """The editable fields of a kind, in file order: name -> is it a list of ids/refs."""
    return dict(_kind_fields(kind))


def allowed_moves(kind: str, status: str) -> tuple[str, ...]:
    """Statuses a record of `kind` may move to from `status`."""
    return LIFECYCLES[kind][1].get(status, ())


PRIORITY = re.compile(r"^P\d+$")  # queue priorities: P0, P1, …
_MILESTONE_TOKEN = re.compile(r"\bM\d+\b")
_TASK_ID = re.compile(r"^(M\d+)-T\d+$")


# What a reference field must name: a record of that kind, or (None) any record or decision.
REFERENCE_TARGETS: dict[str, str | None] = {
    "milestone": "milestone",
    "resolved_by": "task",
    "resolves": None,
    "conditions": None,  # a condition names a record of its own kind; conditions.py checks which
}
MILESTONE_MENTION = "milestone mention"  # the field name dangling_references gives mentions


def dangling_references(
    record: Record, exists: Callable[[str, str | None], bool]
) -> list[tuple[str, str, str | None]]:
    """(field, target, wanted kind) of each reference naming nothing suitable.

    `exists(target, kind)` answers whether a record of `kind` (None: any record
    or decision) has that id. A finding's free-text milestone is checked through
    its milestone mentions, reported under the field MILESTONE_MENTION.
    """
    out = []
    for field_name, targets in record.references().items():
        wanted = REFERENCE_TARGETS.get(field_name)
        out += [(field_name, t, wanted) for t in targets if not exists(t, wanted)]
    if isinstance(record, Finding):
        mentions = record.milestone_mentions()
        out += [(MILESTONE_MENTION, t, "milestone") for t in mentions if not exists(t, "milestone")]
    return out


def task_milestone(task_id: str) -> str | None:
    """The milestone a task id implies ('M1-T03' -> 'M1'), or None."""
    m = _TASK_ID.match(task_id)
    return m.group(1) if m else None


@dataclass(frozen=True)
class QueueItem:
    """One row of the ordered priority queue (records/queue.yaml)."""

    id: str
    priority: str  # P0, P1, …
    description: str = ""


def record_to_dict(record: Record) -> dict[str, Any]:
    """The YAML mapping of a record (no kind, no path): id, its fields, then bookkeeping."""
    out: dict[str, Any] = {"id": record.id}
    for name in kind_fields(record.kind):
        value = getattr(record, name)
        out[name] = list(value) if isinstance(value, tuple) else value
    out["status"] = record.status
    out["imported"] = record.imported
    out["created"] = record.created
    out["updated"] = record.updated
    out["history"] = [
        {k: v for k, v in vars(t).items() if v is not None and v not in (False, "")}
        for t in record.history
    ]
    return out
