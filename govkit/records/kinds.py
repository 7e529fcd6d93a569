"""The record kinds table: one row per kind, from which everything about a kind is derived.

A kind is its record class in govkit.records.model (fields with their flag
metadata) plus its row here: lifecycle, id scheme, the line `govkit --help`
shows, list columns, done-state, folder and STATUS.md section. ids, workspace
init, the store, ops, `check`, the audit and the CLI all read KINDS (D-017;
docs/kinds.md says how to add a kind).

This module stays light on purpose: `govkit --help` reads the table, so it
imports no dataclasses and no record class; a row names its class, which is
loaded from govkit.records.model on first use.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from govkit.errors import ValidationError
from govkit.lifecycle import Lifecycle

if TYPE_CHECKING:
    from govkit.records.model import KindField, Record

T = TypeVar("T")
_CLASSES: dict[str, type[Record]] = {}  # class name -> class, once loaded (a hot path)
ANY_RECORD = "*"  # FieldSpec.refers_to: any record or decision of the workspace


class Kind(NamedTuple):
    """One record kind: everything govkit needs to store, check, edit and show it."""

    name: str  # the command, and the record class's `kind`
    record_class: type[Record] | str  # the class, or its name in govkit.records.model
    lifecycle: Lifecycle
    id_pattern: re.Pattern[str] | None  # None: any safe id (free-form names)
    id_example: str
    summary: str  # the one-line help `govkit --help` shows
    columns: tuple[str, ...]  # fields `list` shows after id and status
    done: str | None = None  # the status that says "finished": audit wants evidence for it
    plural: str = ""  # records/<plural>/; default: name + "s"
    section: str = ""  # a STATUS.md table of this title (for kinds with no section of their own)

    @property
    def cls(self) -> type[Record]:
        """The record class."""
        if not isinstance(self.record_class, str):
            return self.record_class
        found = _CLASSES.get(self.record_class)
        if found is None:  # first use: load the record classes
            model = importlib.import_module("govkit.records.model")
            found = _CLASSES[self.record_class] = getattr(model, self.record_class)
        return found

    @property
    def directory(self) -> str:
        """The folder under records/ holding this kind's files."""
        return self.plural or self.name + "s"

    @property
    def fields(self) -> tuple[KindField, ...]:
        """The editable fields, in file order, with their flag metadata."""
        from govkit.records.model import fields_of

        return fields_of(self.cls)

    def references(self) -> dict[str, str]:
        """Reference field -> the kind it must name (ANY_RECORD: any record or decision)."""
        return {f.name: f.refers_to for f in self.fields if f.refers_to is not None}

    def problems(self, known: Mapping[str, Kind]) -> list[str]:
        """What is inconsistent in the row and its class (checked when a kind is registered)."""
        out = []
        if not re.fullmatch(r"[a-z][a-z0-9-]*", self.name):
            out.append(f"kind name {self.name!r} is not a lower-case word")
        if self.cls.kind != self.name:
            out.append(f"its class {self.cls.__name__} says kind = {self.cls.kind!r}")
        out += self.lifecycle.problems()
        names = {f.name for f in self.fields}
        out += [f"list column {c!r} is not a field" for c in self.columns if c not in names]
        if self.done is not None and self.done not in self.lifecycle.statuses:
            out.append(f"done-state {self.done!r} is not a status")
        kinds = {*known, self.name, ANY_RECORD}
        out += [
            f"field {f.name!r} refers to unknown kind {f.refers_to!r}"
            for f in self.fields
            if f.refers_to is not None and f.refers_to not in kinds
        ]
        return out


# The record kinds, in the order commands, counts and STATUS.md show them.
# tests/records/test_kinds.py checks these rows as register_kind checks a new one.
_BUILT_IN = (
    Kind(
        "milestone",
        "Milestone",
        Lifecycle.of(
            {
                "planned": ("active",),
                "active": ("complete", "planned"),
                "complete": ("active",),
            },
            "planned",
        ),
        id_pattern=re.compile(r"^M\d+$"),
        id_example="M1",
        summary="Milestones: M1, M2 … planned → active → complete.",
        columns=("title",),
        done="complete",
    ),
    Kind(
        "task",
        "Task",
        Lifecycle.of(
            {
                "todo": ("in-progress", "blocked", "done"),
                "in-progress": ("done", "blocked", "todo"),
                "blocked": ("in-progress", "todo"),
                "done": ("in-progress",),
            },
            "todo",
        ),
        id_pattern=re.compile(r"^M\d+-T\d+$|^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$"),
        id_example="M1-T03",
        summary="Tasks: M1-T03 … todo → in-progress → done, or blocked.",
        columns=("milestone", "title"),
        done="done",
    ),
    Kind(
        "finding",
        "Finding",
        Lifecycle.of({"open": ("resolved",), "resolved": ("open",)}, "open"),
        id_pattern=re.compile(r"^F\d+$"),
        id_example="F7",
        summary="Findings: F7 … open → resolved (by a task).",
        columns=("milestone", "title"),
        done="resolved",
    ),
    Kind(
        "blocker",
        "Blocker",
        Lifecycle.of({"active": ("resolved",), "resolved": ("active",)}, "active"),
        id_pattern=re.compile(r"^B\d+$"),
        id_example="B5",
        summary="Blockers: B5 … impact, exit condition; active → resolved.",
        columns=("title",),
        done="resolved",
    ),
    Kind(
        "resolution",
        "Resolution",
        Lifecycle.of({"recorded": ()}, "recorded"),
        id_pattern=re.compile(r"^R\d+$"),
        id_example="R12",
        summary="Resolutions: R12 … what got resolved, with evidence.",
        columns=("resolves", "summary"),
        done="recorded",
    ),
    Kind(
        "consumer",
        "Consumer",
        Lifecycle.of({"tracked": ("retired",), "retired": ("tracked",)}, "tracked"),
        id_pattern=None,
        id_example="loop-agent",
        summary="Consumers: downstream repos, coupling and readiness.",
        columns=("readiness", "coupling"),
    ),
    Kind(
        "learning",
        "Learning",
        Lifecycle.of({"recorded": ()}, "recorded"),
        id_pattern=re.compile(r"^L\d+$"),
        id_example="L3",
        summary="Learnings: L3 … what a session learned, how it was verified, next steps.",
        columns=("tasks", "title"),
    ),
)
KINDS: dict[str, Kind] = {k.name: k for k in _BUILT_IN}


class KindView(Mapping[str, T]):
    """kind name -> one thing derived from its row: a read-only mapping, live as kinds register."""

    def __init__(self, get: Callable[[Kind], T]) -> None:
        self._get = get

    def __getitem__(self, name: str) -> T:
        return self._get(KINDS[name])

    def __iter__(self) -> Iterator[str]:
        return iter(KINDS)

    def __len__(self) -> int:
        return len(KINDS)


def register_kind(kind: Kind) -> Kind:
    """Add a kind to KINDS after checking its row; the CLI, check, render and audit pick it up."""
    if kind.name in KINDS:
        raise ValidationError(f"record kind {kind.name!r} is registered already")
    problems = kind.problems(KINDS)
    if problems:
        raise ValidationError(f"record kind {kind.name!r}: {'; '.join(problems)}")
    KINDS[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    """Drop a registered kind (for tests that register a throwaway kind)."""
    del KINDS[name]
