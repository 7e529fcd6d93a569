"""Record kinds as frozen dataclasses, and their lifecycles (DESIGN.md §2, §4).

The YAML file of a record holds the fields below by these names (snake_case);
`kind` and `path` are implied by where the file is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Blocker(Record):
    kind: ClassVar[str] = "blocker"
    title: str = ""
    impact: str = ""
    exit_condition: str = ""
    resolution: str = ""


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


@dataclass(frozen=True)
class QueueItem:
    """One row of the ordered priority queue (records/queue.yaml)."""

    id: str
    priority: str  # P0, P1, …
    description: str = ""


def record_to_dict(record: Record) -> dict[str, Any]:
    """The YAML mapping of a record (no kind, no path)."""
    from dataclasses import fields

    out: dict[str, Any] = {}
    for f in fields(record):
        if f.name == "path":
            continue
        value = getattr(record, f.name)
        if f.name == "history":
            value = [{k: v for k, v in vars(t).items() if v not in (False, "")} for t in value]
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out
