"""`govkit check`: validate the whole workspace and report every problem, not the first.

Covers govkit.yaml (syntax, fields, gates naming unknown repos or tuples), every
record file (YAML syntax, fields, statuses, ids, file name), duplicate ids (as a
merge of two branches can produce), dangling references between records,
decisions and the queue, and decision files (front matter, numbering,
supersession written on both sides).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.errors import GovkitError
from govkit.ids import check_id
from govkit.records import store
from govkit.records.model import (
    KINDS,
    MILESTONE_MENTION,
    PRIORITY,
    Record,
    dangling_references,
)
from govkit.workspace import Workspace

_PLACEHOLDER = re.compile(r"^proposed-[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is, and how to fix it."""

    code: str
    file: str  # relative to the workspace root
    line: int | None
    message: str
    hint: str | None = None
    column: int | None = None

    @property
    def where(self) -> str:
        """file, file:line or file:line:column."""
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


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
            "problems": [p.to_dict() for p in self.problems],
            "notes": self.notes,
            "counts": self.counts,
            "conditions": self.conditions,
        }


class _Checker:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.report = CheckReport()
        self.records: dict[str, list[Record]] = {kind: [] for kind in KINDS}
        self.record_ids: dict[str, Path] = {}
        self.decision_ids: set[str] = set()
        self.decision_status: dict[str, str] = {}
        self.parsed_config: Any = None  # the parsed Config, when govkit.yaml is valid

    def add(
        self,
        code: str,
        path: Path,
        line: int | None,
        message: str,
        hint: str | None = None,
        column: int | None = None,
    ) -> None:
        self.report.problems.append(Problem(code, self.ws.rel(path), line, message, hint, column))

    def from_error(self, code: str, exc: GovkitError, path: Path) -> None:
        self.add(code, exc.path or path, exc.line, exc.message, exc.hint, exc.column)

    # govkit.yaml -------------------------------------------------------------------

    def config(self) -> None:
        from govkit.config import parse_config

        path = self.ws.config_path
        try:
            data = yamlio.load_round_trip(path)
        except GovkitError as exc:
            self.from_error("config", exc, path)
            return
        try:
            config = parse_config(data, path)
        except GovkitError:
            self._config_sections(data, path)
            return
        self.parsed_config = config
        repos, tuples = set(config.repos), set(config.tuples)
        gates = data.get("gates") or {}
        for gid, gate in config.gates.items():
            spec = gates.get(gid) if isinstance(gates, dict) else None
            for repo in gate.repos:
                if repo not in repos:
                    key = "repo" if repo == gate.repo else "also"
                    self.add(
                        "config",
                        path,
                        yamlio.key_line(spec, key),
                        f"gate {gid} needs repo {repo!r}, which govkit.yaml does not define",
                        hint=f"add it: govkit repo add {repo} PATH-OR-URL",
                    )
            if gate.tuple_name not in tuples:
                self.add(
                    "config",
                    path,
                    yamlio.key_line(spec, "tuple") or yamlio.key_line(gates, gid),
                    f"gate {gid} runs on tuple {gate.tuple_name!r}, which is not defined",
                    hint=f"pin it: govkit tuple pin {gate.tuple_name} ...",
                )
            if gate.perf is not None and gate.perf.baseline not in tuples:
                self.add(
                    "config",
                    path,
                    yamlio.key_line(spec, "perf"),
                    f"gate {gid} compares against tuple {gate.perf.baseline!r}, which is not defined",
                )
        tuple_map = data.get("tuples") or {}
        for tname, pins in config.tuples.items():
            for repo in pins:
                if repo not in repos:
                    self.add(
                        "config",
                        path,
                        yamlio.key_line(tuple_map.get(tname), repo),
                        f"tuple {tname} pins repo {repo!r}, which govkit.yaml does not define",
                    )

    def _config_sections(self, data: Any, path: Path) -> None:
        """parse_config stops at the first error: parse each gate and the rest apart to find more."""
        from govkit.config import parse_config

        parts: list[Any] = [data]
        gates = data.get("gates") if isinstance(data, dict) else None
        if isinstance(gates, dict):
            rest = yamlio.new_map({k: v for k, v in data.items() if k != "gates"})
            parts = [rest, *(yamlio.new_map({"gates": {gid: spec}}) for gid, spec in gates.items())]
        seen: set[tuple[int | None, str]] = set()
        for part in parts:
            try:
                parse_config(part, path)
            except GovkitError as exc:
                if (exc.line, exc.message) not in seen:
                    seen.add((exc.line, exc.message))
                    self.from_error("config", exc, path)

    # records ------------------------------------------------------------------------

    def records_files(self) -> None:
        self._temp_files(self.ws.records_dir)
        for kind in KINDS:
            cache = store.parse_cache(self.ws, kind)
            self._temp_files(self.ws.records_dir / KINDS[kind].directory)
            for path in store.iter_record_files(self.ws, kind):
                self._record_file(kind, path, cache.load)
            cache.save(prune=True)
        self.report.counts.update({k.directory: len(self.records[n]) for n, k in KINDS.items()})

    def _temp_files(self, directory: Path) -> None:
        try:
            names = [e.name for e in os.scandir(directory)]
        except OSError:
            return
        for name in sorted(names):
            if name.startswith(".") and name.endswith(".tmp"):
                self.report.notes.append(
                    f"{self.ws.rel(directory / name)}: temp file of an interrupted write "
                    "(ignored; the next change to the records removes it)"
                )
            elif (
                directory != self.ws.records_dir
                and not name.startswith(".")
                and not name.endswith(".yaml")
            ):
                self.add(
                    "stray-file",
                    directory / name,
                    None,
                    f"{name} is not read as a record",
                    hint="record files are named <ID>.yaml",
                )

    def _record_file(self, kind: str, path: Path, load: Callable[[Path], Any]) -> None:
        try:
            data = load(path)
        except GovkitError as exc:
            self.from_error("yaml", exc, path)
            return
        values, problems = store.validate_mapping(kind, data)
        for p in problems:
            self.add(p.code, path, store.field_line(path, p.field), p.message, p.hint)
        record_id = values.get("id")
        if record_id is not None and record_id != path.stem:
            self.add(
                "filename-mismatch",
                path,
                store.field_line(path, "id"),
                f"file {path.name} holds id {record_id!r}",
                hint=f"rename the file to {record_id}.yaml or fix the id",
            )
        if record_id is not None:
            first = self.record_ids.get(record_id)
            if first is not None:
                self.add(
                    "duplicate-id",
                    path,
                    store.field_line(path, "id"),
                    f"id {record_id} is also used by {self.ws.rel(first)}",
                    hint="ids are unique across all record kinds: rename one of them",
                )
            else:
                self.record_ids[record_id] = path
        if record_id is not None:
            # Fields that did validate still take part in the reference checks.
            self.records[kind].append(KINDS[kind].cls(path=path, **values))

    # decisions ----------------------------------------------------------------------

    def decisions(self) -> None:
        from govkit import decisions as dec

        loaded: list[tuple[dec.Decision, dict[str, Any]]] = []
        numbers: dict[int, Path] = {}
        for path in dec.iter_decision_files(self.ws):
            try:
                meta, _ = dec.split_front_matter(yamlio.read_text(path), path)
                d = dec.load_decision(path)
            except GovkitError as exc:
                self.from_error("yaml", exc, path)
                continue
            line = _front_matter_line(meta)
            loaded.append((d, meta))
            if d.status not in dec.STATUSES:
                self.add(
                    "unknown-status",
                    path,
                    line("status"),
                    f"unknown decision status {d.status!r}",
                    hint=f"one of: {', '.join(dec.STATUSES)}",
                )
            if d.numbered:
                try:
                    check_id("decision", d.id)
                except GovkitError as exc:
                    self.add("bad-id", path, line("id"), exc.message, exc.hint)
                number = dec.decision_number(d.id)
                if number is not None:
                    if number in numbers:
                        self.add(
                            "duplicate-id",
                            path,
                            line("id"),
                            f"{d.id} is also used by {self.ws.rel(numbers[number])}",
                            hint="two branches each numbered a decision: renumber one with "
                            "a free id (the highest + 1) and update references to it",
                        )
                    else:
                        numbers[number] = path
            elif not _PLACEHOLDER.fullmatch(d.id):
                self.add(
                    "bad-id",
                    path,
                    line("id"),
                    f"decision id {d.id!r} is neither D-NNN nor proposed-<slug>",
                )
            elif d.status in ("accepted", "superseded", "deprecated"):
                self.add(
                    "bad-id",
                    path,
                    line("status"),
                    f"{d.status} decision {d.id} has no number",
                    hint="accepted decisions get a D-NNN id: govkit decision accept assigns one",
                )
            expected = dec.decision_filename(d)
            if expected != path.name:
                self.add(
                    "filename-mismatch",
                    path,
                    line("id"),
                    f"file {path.name} holds decision {d.id} (expected {expected})",
                    hint="rename the file or fix the front matter id",
                )
            self.decision_ids.add(d.id)
            self.decision_status.setdefault(d.id, d.status)
        # Numbered decisions may share a slug (their numbers tell them apart); a proposal
        # with the slug of a numbered decision is what an interrupted accept leaves behind.
        numbered_slugs = {d.slug: d.path for d, _ in loaded if d.numbered}
        for d, meta in loaded:
            assert d.path is not None
            twin = numbered_slugs.get(d.slug)
            if not d.numbered and twin is not None:
                self.add(
                    "duplicate-slug",
                    d.path,
                    _front_matter_line(meta)("id"),
                    f"proposal {d.id} has the slug of {self.ws.rel(twin)}",
                    hint="left by an interrupted `decision accept` (delete the proposal), or the "
                    "same title proposed on another branch (rename it to a new slug)",
                )
        by_id = {d.id: d for d, _ in loaded}
        for d, meta in loaded:
            assert d.path is not None
            for key, other_side in (
                ("supersedes", "superseded_by"),
                ("superseded_by", "supersedes"),
            ):
                for ref in getattr(d, key):
                    target = by_id.get(ref)
                    ref_line = _front_matter_line(meta)(key)
                    if target is None:
                        self.add(
                            "dangling-ref",
                            d.path,
                            ref_line,
                            f"{d.id} {key} {ref}, which does not exist",
                        )
                    elif d.id not in getattr(target, other_side):
                        self.add(
                            "one-sided",
                            d.path,
                            ref_line,
                            f"{d.id} {key} {ref}, but {ref} does not list {d.id} in {other_side}",
                            hint=f"govkit decision supersede writes both sides; add {d.id} to "
                            f"{ref}'s {other_side}",
                        )
            if d.status == "superseded" and not d.superseded_by:
                self.add(
                    "schema",
                    d.path,
                    _front_matter_line(meta)("status"),
                    f"{d.id} is superseded but names no superseded_by",
                    hint="govkit decision supersede OLD --by NEW",
                )
        self.report.counts["decisions"] = len(loaded)

    # references ---------------------------------------------------------------------

    def references(self) -> None:
        ids = {kind: {r.id for r in records} for kind, records in self.records.items()}
        anything = set(self.record_ids) | self.decision_ids

        def exists(target: str, kind: str | None) -> bool:
            return target in (ids.get(kind, set()) if kind else anything)

        for records in self.records.values():
            for r in records:
                assert r.path is not None
                for field_name, target, wanted in dangling_references(r, exists):
                    if field_name == MILESTONE_MENTION:
                        self.add(
                            "dangling-ref",
                            r.path,
                            store.field_line(r.path, "milestone"),
                            f"{r.id} milestone mentions {target}: no such milestone",
                        )
                        continue
                    self.add(
                        "dangling-ref",
                        r.path,
                        store.field_line(r.path, field_name),
                        f"{r.id} {field_name} {target}: no such {wanted or 'record or decision'}",
                        hint=f"create {target}, or fix the reference",
                    )

    # blocker conditions ------------------------------------------------------------

    def conditions(self) -> None:
        """Each checkable condition of an active blocker, met or not, with its evidence."""
        from govkit.records.conditions import Facts, check_conditions
        from govkit.records.model import Blocker
        from govkit.render.ledger_index import LedgerIndex

        blockers = [
            b
            for b in self.records["blocker"]
            if isinstance(b, Blocker) and b.conditions and b.status == "active"
        ]
        if not blockers or self.parsed_config is None:
            return
        status: dict[str, tuple[str, str]] = {
            r.id: (kind, r.status) for kind, records in self.records.items() for r in records
        }
        for did, st in self.decision_status.items():
            status.setdefault(did, ("decision", st))
        try:
            runs = LedgerIndex.open(self.ws.ledger_path, cache_dir=self.ws.state_dir / "cache")
        except GovkitError as exc:
            self.report.notes.append(f"blocker conditions not checked: {exc.message}")
            return
        facts = Facts(self.parsed_config, status.get, runs.history)
        for b in blockers:
            assert b.path is not None
            states = check_conditions(b.conditions, facts)
            for state in states:
                self.report.conditions.append({"blocker": b.id, **state.to_dict()})
                if state.problem:
                    self.add(
                        "condition",
                        b.path,
                        store.field_line(b.path, "conditions"),
                        f"{b.id} condition {state.condition.text!r} cannot hold: {state.evidence}",
                        hint="fix the condition, or define what it names",
                    )
            if states and all(s.met for s in states):
                self.report.notes.append(
                    f"{b.id}: every checkable exit condition is met; "
                    f"`govkit blocker resolve {b.id} --resolution TEXT` lifts it"
                )

    def queue(self) -> None:
        path = self.ws.records_dir / store.QUEUE_FILE
        if not path.is_file():
            return
        try:
            data = yamlio.load_round_trip(path)
        except GovkitError as exc:
            self.from_error("yaml", exc, path)
            return
        if data is None:
            return
        if not isinstance(data, list):
            self.add("schema", path, 1, "queue.yaml must be a list of items")
            return
        seen: set[str] = set()
        for n, entry in enumerate(data, 1):
            line = data.lc.item(n - 1)[0] + 1 if hasattr(data, "lc") else None
            if not isinstance(entry, dict) or "id" not in entry:
                self.add("schema", path, line, f"queue item {n} needs an id")
                continue
            item_id = str(entry["id"])
            if item_id not in self.record_ids:
                self.add(
                    "dangling-ref",
                    path,
                    line,
                    f"queue item {n} names {item_id}: no such record",
                    hint=f"add the record or `govkit queue remove {item_id}`",
                )
            if item_id in seen:
                self.add("duplicate-id", path, line, f"{item_id} is queued twice")
            seen.add(item_id)
            priority = str(entry.get("priority", "P2"))
            if not PRIORITY.match(priority):
                self.add(
                    "schema", path, line, f"queue item {n}: priority {priority!r} is not P0, P1, …"
                )
        self.report.counts["queue"] = len(data)


def _front_matter_line(meta: Any) -> Callable[[str], int]:
    """File line of a front-matter key (the front matter starts on line 2)."""

    def line(key: str) -> int:
        found = yamlio.key_line(meta, key)
        return found + 1 if found is not None else 1

    return line


def check_workspace(ws: Workspace) -> CheckReport:
    """Every problem in the workspace, sorted by file and line."""
    checker = _Checker(ws)
    checker.config()
    checker.records_files()
    checker.decisions()
    checker.references()
    checker.conditions()
    checker.queue()
    report = checker.report
    report.problems.sort(key=lambda p: (p.file, p.line or 0, p.code, p.message))
    return report
