"""Record kinds as frozen dataclasses (DESIGN.md §2, §4).

The YAML file of a record holds the fields below by these names (snake_case);
`kind` and `path` are implied by where the file is. Each editable field carries
its own metadata (flag, help, allowed values, what it references); with the
kind's row in govkit.records.kinds.KINDS that is all there is to a kind:
the CLI groups and flags, id checks, record directories, `check` and the audit
are derived from the two (docs/kinds.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from govkit.lifecycle import Lifecycle
from govkit.records.kinds import ANY_RECORD as ANY_RECORD
from govkit.records.kinds import KINDS as KINDS
from govkit.records.kinds import Kind as Kind
from govkit.records.kinds import KindView

READINESS = ("low", "medium", "high")
# Fields every kind has, maintained by govkit rather than edited by flags.
COMMON_FIELDS = (
    "id", "status", "created", "updated", "history", "imported", "imported_at", "path",
)  # fmt: skip
_SPEC = "govkit"  # the dataclass field metadata key holding a FieldSpec


@dataclass(frozen=True)
class FieldSpec:
    """What an editable field is for: its flag and help, allowed values, what it references."""

    help: str
    flag: str = ""  # default: --field-name
    choices: tuple[str, ...] = ()  # allowed values (case-insensitive, stored lower-case)
    refers_to: str | None = None  # a kind, or ANY_RECORD; None: not a reference
    evidence: bool = False  # entries are evidence refs (run ids, record paths, gates), not ids
    sentences: bool = False  # entries are free text (a flag is one entry), not ids


def text(
    help: str, *, flag: str = "", choices: tuple[str, ...] = (), default: str = "",
    refers_to: str | None = None,
) -> Any:  # fmt: skip
    """A one-value text field with its flag metadata."""
    spec = FieldSpec(help, flag, choices, refers_to)
    return field(default=default, metadata={_SPEC: spec})


def id_list(
    help: str,
    *,
    flag: str = "",
    refers_to: str | None = None,
    evidence: bool = False,
    sentences: bool = False,
) -> Any:
    """A list field (repeated flags and/or comma lists) with its flag metadata.

    `sentences=True`: entries are free text, one per flag (commands keep their commas).
    """
    spec = FieldSpec(help, flag, (), refers_to, evidence, sentences)
    return field(default=(), metadata={_SPEC: spec})


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
    # When the import ran (RFC 3339). `created` and the first history step carry the time the
    # document itself gives, and neither counts as activity (see import_step).
    imported_at: str = ""
    path: Path | None = field(default=None, compare=False)

    def references(self) -> dict[str, tuple[str, ...]]:
        """field name -> ids of other records this one points at (for check/remove)."""
        out: dict[str, tuple[str, ...]] = {}
        for f in KINDS[self.kind].fields:
            if f.refers_to is not None:
                value = getattr(self, f.name)
                out[f.name] = value if isinstance(value, tuple) else (value,) if value else ()
        return out


@dataclass(frozen=True)
class Milestone(Record):
    kind: ClassVar[str] = "milestone"
    title: str = text("What the milestone delivers.")
    notes: str = text("Notes shown on the milestone board.")


@dataclass(frozen=True)
class Task(Record):
    kind: ClassVar[str] = "task"
    milestone: str = text(
        "Milestone id (default: M1 for a task id like M1-T03).", refers_to="milestone"
    )
    title: str = text("What the task does.")
    # run ids, gate ids or evidence paths
    evidence: tuple[str, ...] = id_list(
        "Evidence refs: run ids or paths (repeat, or a,b).", evidence=True
    )
    notes: str = text("Free notes.")
    owner: str = text("Who owns it: a name or handle (filter with `list --owner`).")
    lane: str = text("The lane (workstream) it belongs to (filter with `list --lane`).")


@dataclass(frozen=True)
class Finding(Record):
    kind: ClassVar[str] = "finding"
    title: str = text("The observed problem.")
    evidence_summary: str = text(
        "Evidence summary: what shows the problem or its fix.", flag="--summary"
    )
    # a milestone id, or free text like "Program-wide": checked through milestone_mentions
    milestone: str = text("Milestone id(s) in text, or free text like Program-wide.")
    resolved_by: tuple[str, ...] = id_list(
        "Task ids that resolved it (repeat, or a,b).", refers_to="task"
    )
    owner: str = text("Who owns it: a name or handle (filter with `list --owner`).")
    lane: str = text("The lane (workstream) it belongs to (filter with `list --lane`).")

    def milestone_mentions(self) -> list[str]:
        """Milestone ids named in the free-text milestone field ('M2 and M3' -> M2, M3)."""
        return _MILESTONE_TOKEN.findall(self.milestone)


@dataclass(frozen=True)
class Blocker(Record):
    kind: ClassVar[str] = "blocker"
    title: str = text("What blocks progress.")
    impact: str = text("What happens while it stays.")
    exit_condition: str = text("What must be true to lift it.")
    # Checkable exit conditions (govkit.records.conditions): resolving waits on them.
    conditions: tuple[str, ...] = id_list(
        "A checkable exit condition, e.g. 'gate VG-X-001 passes 3 on canonical', "
        "'task M1-T03 done' (repeat; replaces the list).",
        flag="--condition",
        sentences=True,
    )
    resolution: str = text("How it was resolved.")
    # run ids: e.g. the failing run a cadence blocker was opened for
    evidence: tuple[str, ...] = id_list(
        "Evidence refs: run ids or paths (repeat, or a,b).", evidence=True
    )
    owner: str = text("Who owns it: a name or handle (filter with `list --owner`).")
    lane: str = text("The lane (workstream) it belongs to (filter with `list --lane`).")

    def references(self) -> dict[str, tuple[str, ...]]:
        # A condition names a record of its own kind; check_condition says which is wrong.
        from govkit.records.conditions import record_targets

        return {**super().references(), "conditions": record_targets(self.conditions)}


@dataclass(frozen=True)
class Resolution(Record):
    kind: ClassVar[str] = "resolution"
    summary: str = text("What got resolved.")
    # any record ids (tasks, findings, blockers) or decisions
    resolves: tuple[str, ...] = id_list(
        "Ids of the records it resolves (repeat, or a,b).", refers_to=ANY_RECORD
    )
    evidence: tuple[str, ...] = id_list(
        "Evidence refs: run ids or paths (repeat, or a,b).", evidence=True
    )


@dataclass(frozen=True)
class Consumer(Record):
    kind: ClassVar[str] = "consumer"
    coupling: str = text("Coupling type, e.g. 'hard runtime + vendoring'.")
    readiness: str = text("How ready the consumer is.", choices=READINESS, default="low")
    risk: str = text("Principal risk.")


@dataclass(frozen=True)
class Learning(Record):
    """What a working session learned: the problem, the change, how it was verified, what next."""

    kind: ClassVar[str] = "learning"
    title: str = text("What the session worked on, in a few words.")
    problem: str = text("The problem met.")
    change: str = text("What was changed, and why.")
    files: tuple[str, ...] = id_list(
        "Files touched (repeat the flag).", flag="--file", sentences=True
    )
    # run ids (a gate run) or the commands run by hand
    verification: tuple[str, ...] = id_list(
        "How it was verified: a run id, or a command (repeat the flag).",
        flag="--verified-by",
        sentences=True,
    )
    next_steps: tuple[str, ...] = id_list(
        "What to do next (repeat the flag).", flag="--next", sentences=True
    )
    tasks: tuple[str, ...] = id_list("Task ids it belongs to (repeat, or a,b).", refers_to="task")
    owner: str = text("Who learned it: a name or handle.")
    lane: str = text("The lane (workstream) it belongs to.")
    notes: str = text("Anything else the session wrote down.")
    source: str = text("Where it was imported from (file#line), so a re-import skips it.")


# Kinds that carry `owner` and `lane` (list --owner/--lane, STATUS.md, handoff, packet).
OWNED_KINDS = ("task", "finding", "blocker", "learning")


@dataclass(frozen=True)
class KindField:
    """One editable field of a kind: its name, whether it is a list, and its FieldSpec."""

    name: str
    is_list: bool
    spec: FieldSpec

    @property
    def flag(self) -> str:
        return self.spec.flag or "--" + self.name.replace("_", "-")

    @property
    def refers_to(self) -> str | None:
        return self.spec.refers_to


_FIELDS: dict[type[Record], tuple[KindField, ...]] = {}


def fields_of(cls: type[Record]) -> tuple[KindField, ...]:
    """The editable fields of a record class, in file order, with their metadata."""
    known = _FIELDS.get(cls)
    if known is None:
        known = _FIELDS[cls] = tuple(
            KindField(
                f.name,
                str(f.type).startswith("tuple"),
                f.metadata.get(_SPEC, FieldSpec(f"The {f.name.replace('_', ' ')}.")),
            )
            for f in fields(cls)
            if f.name not in COMMON_FIELDS
        )
    return known


def kind_fields(kind: str) -> dict[str, bool]:
    """The editable fields of a kind, in file order: name -> is it a list of ids/refs."""
    return {f.name: f.is_list for f in fields_of(KINDS[kind].cls)}


# Views of KINDS under their old names, for readers that want one attribute.
LIFECYCLES: Mapping[str, Lifecycle] = KindView(lambda k: k.lifecycle)
PLURALS: Mapping[str, str] = KindView(lambda k: k.directory)
KIND_CLASSES: Mapping[str, type[Record]] = KindView(lambda k: k.cls)


def allowed_moves(kind: str, status: str) -> tuple[str, ...]:
    """Statuses a record of `kind` may move to from `status`."""
    return KINDS[kind].lifecycle.allowed(status)


PRIORITY = re.compile(r"^P\d+$")  # queue priorities: P0, P1, …
_MILESTONE_TOKEN = re.compile(r"\bM\d+\b")
_TASK_ID = re.compile(r"^(M\d+)-T\d+$")
MILESTONE_MENTION = "milestone mention"  # the field name dangling_references gives mentions


def dangling_references(
    record: Record, exists: Callable[[str, str | None], bool]
) -> list[tuple[str, str, str | None]]:
    """(field, target, wanted kind) of each reference naming nothing suitable.

    `exists(target, kind)` answers whether a record of `kind` (None: any record
    or decision) has that id. A finding's free-text milestone is checked through
    its milestone mentions, reported under the field MILESTONE_MENTION.
    """
    targets_of = KINDS[record.kind].references()
    out = []
    for field_name, targets in record.references().items():
        wanted = targets_of.get(field_name)
        kind = None if wanted == ANY_RECORD else wanted
        out += [(field_name, t, kind) for t in targets if not exists(t, kind)]
    if isinstance(record, Finding):
        mentions = record.milestone_mentions()
        out += [(MILESTONE_MENTION, t, "milestone") for t in mentions if not exists(t, "milestone")]
    return out


def import_step(record: Record, step: Transition) -> bool:
    """True for the history step an import wrote: it is not activity of the week the import ran."""
    return record.imported and step.from_status is None


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
    if record.imported_at:
        out["imported_at"] = record.imported_at
    out["created"] = record.created
    out["updated"] = record.updated
    out["history"] = [
        {k: v for k, v in vars(t).items() if v is not None and v not in (False, "")}
        for t in record.history
    ]
    return out
