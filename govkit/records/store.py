"""Reading and writing record files: records/<plural>/<ID>.yaml, one record a file.

Writers round-trip the existing file so comments and key order survive; every
write is atomic and happens under the workspace lock (callers hold it).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.errors import NotFound, ValidationError
from govkit.ids import check_id, id_sort_key
from govkit.problems import Problem
from govkit.records.cache import Fresh, ParseCache, jsonable, parse_fresh
from govkit.records.model import (
    KINDS,
    PRIORITY,
    QueueItem,
    Record,
    Transition,
    record_to_dict,
)
from govkit.timeutil import rfc3339
from govkit.workspace import Workspace


def record_path(ws: Workspace, kind: str, record_id: str) -> Path:
    """Where a record of `kind` with `record_id` lives."""
    check_id(kind, record_id)
    return ws.records_dir / KINDS[kind].directory / f"{record_id}.yaml"


# Per-kind caches keyed by the row's record class (a name for the built-in kinds: no
# class lookup on the hot path; the class itself for a kind registered at run time).
_SHAPES: dict[type[Record] | str, dict[str, str]] = {}


def _shapes(kind: str) -> dict[str, str]:
    """field name -> 'text' | 'list' | 'bool' | 'history' for a kind (computed once)."""
    key = KINDS[kind].record_class
    shapes = _SHAPES.get(key)
    if shapes is None:
        shapes = {}
        for f in fields(KINDS[kind].cls):
            if f.name == "path":
                continue
            if f.name == "history":
                shapes[f.name] = "history"
            elif str(f.type).startswith("tuple"):
                shapes[f.name] = "list"
            elif f.type == "bool":
                shapes[f.name] = "bool"
            else:
                shapes[f.name] = "text"
        _SHAPES[key] = shapes
    return shapes


def validate_mapping(
    kind: str, data: Any, path: Path | None = None, *, checked: bool = False
) -> tuple[dict[str, Any], list[Problem]]:
    """Typed field values of a loaded record, and every problem found (not just the first).

    With the record's `path`, each problem names it and the line of its field.
    `checked`: this very data passed these checks before (a mark of the parse cache, see
    `check_rules`): the values are made as usual, and the checks that only find problems
    (times, unknown fields, the id, status, conditions, choices) are skipped.
    """
    problems: list[Problem] = []

    def problem(
        field_name: str | None, message: str, hint: str | None = None, code: str = "schema"
    ) -> None:
        line = None if path is None else field_line(path, field_name)
        where = "" if path is None else path.as_posix()
        problems.append(Problem(code, where, line, message, hint))

    if not isinstance(data, dict):
        problem(None, f"a {kind} record must be a YAML mapping")
        return {}, problems
    values: dict[str, Any] = {}
    shapes = _shapes(kind)
    for name, shape in shapes.items():
        if name not in data:
            continue
        raw = data[name]
        if shape == "text" and type(raw) is str:  # the common case, first
            values[name] = raw
        elif shape == "history":
            try:
                values[name] = _history(raw)
            except ValueError as exc:
                problem(name, str(exc))
        elif shape == "list":
            items = _strings(raw)
            if items is None:
                problem(name, f"field {name!r} must be a list of ids")
            else:
                values[name] = items
        elif shape == "bool":
            if isinstance(raw, bool):
                values[name] = raw
            else:
                problem(name, f"field {name!r} must be true or false")
        else:
            text = _text(raw)
            if text is None:
                problem(name, f"field {name!r} must be text, not {type(raw).__name__}")
            else:
                values[name] = text
    if checked:
        if "status" not in values:
            values["status"] = KINDS[kind].lifecycle.initial
        for name, _ in _choices(kind):
            if name in values:
                values[name] = values[name].lower()
        return values, problems
    for name in ("created", "updated"):
        stamp = values.get(name)
        if stamp and not _is_time(stamp):
            problem(name, f"field {name!r} is not a time: {stamp!r}", _TIME_HINT)
    for t in values.get("history", ()):
        if t.at and not _is_time(t.at):
            problem("history", f"history entry time {t.at!r} is not a time", _TIME_HINT)
            break
    names = shapes.keys()
    for key in data:
        if str(key) not in names:
            problem(
                str(key),
                f"unknown field {str(key)!r} in {kind} record",
                hint=f"known fields: {', '.join(sorted(names))}",
            )
    if "id" not in values:
        if "id" not in data:
            problem(None, f"{kind} record has no id", hint="add `id: ...`")
    else:
        try:
            check_id(kind, values["id"])
        except ValidationError as exc:
            problem("id", exc.message, exc.hint, code="bad-id")
    lifecycle = KINDS[kind].lifecycle
    statuses = lifecycle.statuses
    if "status" not in values:
        values["status"] = lifecycle.initial
    elif values["status"] not in statuses:
        problem(
            "status",
            f"unknown {kind} status {values['status']!r}",
            hint=f"one of: {', '.join(statuses)}",
            code="unknown-status",
        )
    if kind == "blocker" and values.get("conditions"):
        from govkit.records.conditions import SYNTAX, condition_problems

        for message, hint in condition_problems(values["conditions"]):
            problem("conditions", message, hint or SYNTAX)
    for name, choices in _choices(kind):
        if name in values:
            chosen = values[name].lower()
            if chosen not in choices:
                problem(name, f"{name} {values[name]!r} is not one of {', '.join(choices)}")
            values[name] = chosen
    return values, problems


_CHOICES: dict[type[Record] | str, tuple[tuple[str, tuple[str, ...]], ...]] = {}


def _choices(kind: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(field, allowed values) of the kind's fields that have them (computed once)."""
    key = KINDS[kind].record_class
    found = _CHOICES.get(key)
    if found is None:
        found = _CHOICES[key] = tuple(
            (f.name, f.spec.choices) for f in KINDS[kind].fields if f.spec.choices
        )
    return found


def record_from_mapping(kind: str, data: Any, path: Path, *, checked: bool = False) -> Record:
    """Validate a loaded YAML mapping into the kind's dataclass; errors name file, line and field.

    `checked`: as in validate_mapping.
    """
    values, problems = validate_mapping(kind, data, path, checked=checked)
    if problems:
        first = problems[0]
        raise ValidationError(first.message, path=path, line=first.line, hint=first.hint)
    return KINDS[kind].cls(path=path, **values)


def field_line(path: Path, field_name: str | None) -> int | None:
    """1-based line of a top-level key in a YAML file (1 for the record as a whole)."""
    if field_name is None:
        return 1
    try:
        return yamlio.key_line(yamlio.load_round_trip(path), field_name)
    except ValidationError:
        return None


def _text(raw: Any) -> str | None:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str | int | float):
        return str(raw)
    if isinstance(raw, dt.datetime):
        # An unquoted timestamp in a hand-written file: keep it as RFC 3339 text.
        return rfc3339(raw if raw.tzinfo else raw.replace(tzinfo=dt.UTC))
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return None


def _strings(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return tuple(s.strip() for s in raw.split(",") if s.strip())
    if isinstance(raw, list) and all(
        isinstance(x, str | int) and not isinstance(x, bool) for x in raw
    ):
        return tuple(str(x) for x in raw)
    return None


_TIME_HINT = "write a UTC time like 2026-11-21T04:45:00.123Z (govkit writes these itself)"


def _is_time(text: str) -> bool:
    # Times order history, handoff windows and "latest change": garbage would sort silently.
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _history(raw: Any) -> tuple[Transition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError("field 'history' must be a list")
    out = []
    for item in raw:
        if not isinstance(item, dict) or "to_status" not in item:
            raise ValueError("each history entry needs at least to_status and at")
        from_status = item.get("from_status")
        out.append(
            Transition(
                at=_text(item.get("at")) or "",
                from_status=None if from_status is None else str(from_status),
                to_status=str(item["to_status"]),
                forced=bool(item.get("forced", False)),
                note=str(item.get("note", "")),
            )
        )
    return tuple(out)


def load_record(ws: Workspace, kind: str, record_id: str) -> Record:
    """One record by kind and id."""
    path = record_path(ws, kind, record_id)
    if not path.is_file():
        raise NotFound(f"no {kind} {record_id!r}", hint=f"`govkit {kind} list` shows what exists")
    return record_from_mapping(kind, yamlio.load_plain(path), path)


def iter_record_files(ws: Workspace, kind: str) -> Iterator[Path]:
    """Every record file of a kind, sorted by id (dot files such as temp files excluded)."""
    directory = ws.records_dir / KINDS[kind].directory
    try:
        entries = [
            e.name
            for e in os.scandir(directory)
            if e.name.endswith(".yaml") and not e.name.startswith(".")
        ]
    except (FileNotFoundError, NotADirectoryError):
        return iter(())
    entries.sort(key=lambda name: id_sort_key(name[:-5]))
    return (directory / name for name in entries)


def parse_cache(ws: Workspace, kind: str) -> ParseCache:
    """The parse cache of one kind's record files (see govkit.records.cache)."""
    return ParseCache(ws.state_dir, KINDS[kind].directory, checks=check_rules(kind))


# The source files (under govkit/) whose code decides whether a record is valid: the parse
# cache's marks (data that passed validate_mapping) are kept only while they are unchanged.
_RULE_FILES = (
    "records/store.py", "records/model.py", "records/kinds.py", "records/conditions.py",
    "ids.py", "lifecycle.py",
)  # fmt: skip
_RULES: dict[str, str] = {}


@functools.cache
def _rule_sources() -> tuple[str, ...]:
    """govkit's version and the stat signature of each of _RULE_FILES (the same for every kind)."""
    from govkit import __version__

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = [__version__]
    for name in _RULE_FILES:
        try:
            st = os.stat(os.path.join(package, name))
            parts.append(f"{name}:{st.st_mtime_ns}:{st.st_size}")
        except OSError:
            parts.append(f"{name}:?")
    return tuple(parts)


def check_rules(kind: str) -> str:
    """A fingerprint of everything validate_mapping checks a record of `kind` against.

    The kind's fields, statuses, id scheme and choices, govkit's version, and the stat
    signature of the modules holding the rules (an edited rule is never skipped).
    """
    found = _RULES.get(kind)
    if found is None:
        import hashlib

        row = KINDS[kind]
        parts = [*_rule_sources(), kind, repr(_shapes(kind)), repr(_choices(kind))]
        parts += [repr(row.lifecycle.statuses), row.lifecycle.initial]
        parts.append(row.id_pattern.pattern if row.id_pattern is not None else "")
        found = _RULES[kind] = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return found


def load_kind(
    ws: Workspace,
    kind: str,
    *,
    cache: ParseCache | None = None,
    paths: list[Path] | None = None,
    fresh: Mapping[str, Fresh] | None = None,
) -> list[Record]:
    """All records of one kind, sorted by id.

    A file whose cached data passed validation before (the cache's mark) is converted
    without the checks that cannot fail for it; any other file is validated, then marked.
    `cache`, `paths`, `fresh`: the kind's parse cache and files, when the caller has them
    already, and files parsed (and checked) just now (see `load_all`).
    """
    cache = parse_cache(ws, kind) if cache is None else cache
    paths = list(iter_record_files(ws, kind)) if paths is None else paths
    records = []
    for path, data in zip(paths, cache.load_each(paths, fresh), strict=True):
        checked = cache.checked(path)
        records.append(record_from_mapping(kind, data, path, checked=checked))
        if not checked:
            cache.mark(path)
    cache.save(prune=True)
    return records


@dataclass(frozen=True)
class RecordSet:
    """Every record of a workspace, by kind, each list sorted by id."""

    by_kind: dict[str, list[Record]]
    queue: list[QueueItem]

    def kind(self, kind: str) -> list[Record]:
        return self.by_kind.get(kind, [])

    def get(self, record_id: str) -> Record | None:
        """Any record by id, whatever its kind."""
        for records in self.by_kind.values():
            for r in records:
                if r.id == record_id:
                    return r
        return None


# A load that finds this many record files missing from the parse cache splits their
# reading, parsing and checking with a forked child (D-024); fewer are not worth a fork.
PARALLEL_FROM = 2000


def load_all(ws: Workspace, *, parallel_from: int | None = None) -> RecordSet:
    """Every record and the queue.

    Files missing from the parse cache are parsed half in a forked child when there are
    `parallel_from` (default PARALLEL_FROM) of them or more (see `parse_uncached`).
    """
    # Tens of thousands of new objects and no cycles among them: the collector's passes
    # over them while they are made find nothing (and cost about 5% of the load).
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        caches = {kind: parse_cache(ws, kind) for kind in KINDS}
        paths = {kind: list(iter_record_files(ws, kind)) for kind in KINDS}
        fresh = parse_uncached(caches, paths, parallel_from=parallel_from)
        by_kind = {
            kind: load_kind(ws, kind, cache=caches[kind], paths=paths[kind], fresh=fresh)
            for kind in KINDS
        }
        return RecordSet(by_kind, load_queue(ws))
    finally:
        if collecting:
            gc.enable()


def parse_uncached(
    caches: Mapping[str, ParseCache],
    paths: Mapping[str, list[Path]],
    *,
    parallel_from: int | None = None,
    here: bool = False,
    validate: bool = True,
) -> dict[str, Fresh]:
    """The files missing from their kind's parse cache, parsed (and checked, with `validate`)
    half here and half in a forked child when there are `parallel_from` of them or more.

    Otherwise, with `here`, all in this process at once (in one joined parse, as load_each
    parses), else none: load_each parses them itself. A file left out (unreadable, or
    data a child cannot send) is parsed by its loader, which reports its errors.
    """
    cold = [
        (kind, key)
        for kind, files in paths.items()
        for key in map(str, files)
        if not caches[kind].cached(key)
    ]
    if len(cold) < 2:
        return {}
    done = None
    if len(cold) >= (PARALLEL_FROM if parallel_from is None else parallel_from):
        from govkit.forkjob import ForkJob

        job = ForkJob.start(_parse_share, cold[1::2], validate)  # every other file: alike
        if job is not None:
            with job:
                done = _parse_share(cold[0::2], validate)
                theirs = job.result()  # None when the child failed: parsed by the loader
            if theirs is not None:
                done += theirs
    if done is None:
        if not here:
            return {}
        done = _parse_share(cold, validate)
    return {key: (signature, data, valid) for key, signature, data, valid in done}


def _parse_share(
    share: list[tuple[str, str]], validate: bool = True
) -> list[tuple[str, list[int], Any, bool]]:
    """(path, stat signature, data, passed validation) of each (kind, path) of `share`
    (never "passed" without `validate`)."""
    out = []
    by_kind: dict[str, list[str]] = {}
    for kind, key in share:
        by_kind.setdefault(kind, []).append(key)
    for kind, keys in by_kind.items():
        for key, signature, data, plain in parse_fresh(keys):
            if plain or jsonable(data):  # what marshal carries out of a child
                valid = validate and not validate_mapping(kind, data)[1]
                out.append((key, signature, data, valid))
    return out


def save_record(ws: Workspace, record: Record) -> Path:
    """Write a record, keeping comments and key order of an existing file. Caller holds the lock."""
    path = record_path(ws, record.kind, record.id)
    new = record_to_dict(record)
    if path.is_file():
        data = yamlio.load_round_trip(path)
        if not isinstance(data, dict):
            data = yamlio.new_map()
    else:
        data = yamlio.new_map()
    for key, value in new.items():
        if _is_empty(value) and key not in data:
            continue
        if isinstance(value, str):
            value = yamlio.text_scalar(value)
        if data.get(key) != value:
            data[key] = value
    yamlio.write(path, data)
    return path


def _is_empty(value: Any) -> bool:
    return value in ("", [], None, False)


QUEUE_FILE = "queue.yaml"


@dataclass(frozen=True)
class QueueEntry:
    """One item of queue.yaml and where it is: its 1-based number and line (when known)."""

    number: int
    line: int | None
    item: QueueItem


@dataclass(frozen=True)
class QueueFile:
    """queue.yaml as read: its entries, entries that are no item, and items `check` doubts."""

    entries: list[QueueEntry]
    unreadable: list[Problem]  # not a list, an entry without id: the file cannot be used
    doubtful: list[Problem]  # queued twice, a priority not like P0: loads, `check` reports

    @property
    def items(self) -> list[QueueItem]:
        return [e.item for e in self.entries]


def parse_queue(data: Any, path: Path) -> QueueFile:
    """The queue rules, for loading and for `check` alike (lines when `data` is round-trip)."""
    where = path.as_posix()
    if data is None:
        return QueueFile([], [], [])
    if not isinstance(data, list):
        return QueueFile(
            [], [Problem("schema", where, 1, "queue.yaml must be a list of items")], []
        )
    queue = QueueFile([], [], [])
    seen: set[str] = set()
    for n, entry in enumerate(data, 1):
        line = data.lc.item(n - 1)[0] + 1 if hasattr(data, "lc") else None
        if not isinstance(entry, dict) or "id" not in entry:
            queue.unreadable.append(Problem("schema", where, line, f"queue item {n} needs an id"))
            continue
        item = QueueItem(
            id=str(entry["id"]),
            priority=str(entry.get("priority", "P2")),
            description=str(entry.get("description", "")),
        )
        if item.id in seen:
            queue.doubtful.append(
                Problem("duplicate-id", where, line, f"{item.id} is queued twice")
            )
        seen.add(item.id)
        if not PRIORITY.match(item.priority):
            message = f"queue item {n}: priority {item.priority!r} is not P0, P1, …"
            queue.doubtful.append(Problem("schema", where, line, message))
        queue.entries.append(QueueEntry(n, line, item))
    return queue


def load_queue(ws: Workspace) -> list[QueueItem]:
    """The ordered priority queue."""
    path = ws.records_dir / QUEUE_FILE
    if not path.is_file():
        return []
    cache = ParseCache(ws.state_dir, "queue")
    data = cache.load(path)
    cache.save()
    queue = parse_queue(data or None, path)  # an empty file: no queue
    if queue.unreadable:
        first = queue.unreadable[0]
        raise ValidationError(first.message, path=path, line=first.line)
    return queue.items


def save_queue(ws: Workspace, items: list[QueueItem]) -> None:
    """Write the queue in order. Caller holds the lock."""
    yamlio.write(
        ws.records_dir / QUEUE_FILE,
        [{"id": i.id, "priority": i.priority, "description": i.description} for i in items],
    )
