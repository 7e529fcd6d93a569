"""Reading and writing record files: records/<plural>/<ID>.yaml, one record a file.

Writers round-trip the existing file so comments and key order survive; every
write is atomic and happens under the workspace lock (callers hold it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.errors import NotFound, ValidationError
from govkit.ids import check_id, id_sort_key
from govkit.records.model import (
    KIND_CLASSES,
    LIFECYCLES,
    PLURALS,
    QueueItem,
    Record,
    Transition,
    record_to_dict,
)
from govkit.workspace import Workspace


def record_path(ws: Workspace, kind: str, record_id: str) -> Path:
    """Where a record of `kind` with `record_id` lives."""
    check_id(kind, record_id)
    return ws.records_dir / PLURALS[kind] / f"{record_id}.yaml"


def record_from_mapping(kind: str, data: Any, path: Path) -> Record:
    """Validate a loaded YAML mapping into the kind's dataclass; errors name file and field."""
    cls = KIND_CLASSES[kind]
    if not isinstance(data, dict):
        raise ValidationError(f"a {kind} record must be a YAML mapping", path=path, line=1)
    known = {f.name for f in fields(cls)} - {"path"}
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name == "path" or f.name not in data:
            continue
        raw = data[f.name]
        line = yamlio.key_line(data, f.name)
        if f.name == "history":
            values[f.name] = _history(raw, path, line)
        elif str(f.type).startswith("tuple"):
            if raw is None:
                raw = []
            if isinstance(raw, str):
                raw = [raw]
            if not isinstance(raw, list) or not all(isinstance(x, str | int) for x in raw):
                raise ValidationError(
                    f"field {f.name!r} must be a list of strings", path=path, line=line
                )
            values[f.name] = tuple(str(x) for x in raw)
        elif f.type in ("bool",):
            if not isinstance(raw, bool):
                raise ValidationError(
                    f"field {f.name!r} must be true or false", path=path, line=line
                )
            values[f.name] = raw
        else:
            if raw is None:
                raw = ""
            if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                raise ValidationError(
                    f"field {f.name!r} must be text, not {type(raw).__name__}", path=path, line=line
                )
            values[f.name] = str(raw)
    unknown = sorted(set(map(str, data)) - known)
    if unknown:
        raise ValidationError(
            f"unknown field {unknown[0]!r} in {kind} record",
            path=path,
            line=yamlio.key_line(data, unknown[0]),
            hint=f"known fields: {', '.join(sorted(known))}",
        )
    if "id" not in values:
        raise ValidationError(f"{kind} record has no id", path=path, line=1)
    if "status" not in values:
        values["status"] = LIFECYCLES[kind][2]
    return cls(path=path, **values)


def _history(raw: Any, path: Path, line: int | None) -> tuple[Transition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationError("field 'history' must be a list", path=path, line=line)
    out = []
    for item in raw:
        if not isinstance(item, dict) or "to_status" not in item:
            raise ValidationError(
                "each history entry needs at least to_status and at", path=path, line=line
            )
        out.append(
            Transition(
                at=str(item.get("at", "")),
                from_status=item.get("from_status"),
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
    """Every record file of a kind, sorted by id."""
    directory = ws.records_dir / PLURALS[kind]
    if not directory.is_dir():
        return iter(())
    return iter(sorted(directory.glob("*.yaml"), key=lambda p: id_sort_key(p.stem)))


def load_kind(ws: Workspace, kind: str) -> list[Record]:
    """All records of one kind, sorted by id."""
    return [record_from_mapping(kind, yamlio.load_plain(p), p) for p in iter_record_files(ws, kind)]


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


def load_all(ws: Workspace) -> RecordSet:
    """Every record and the queue."""
    return RecordSet({kind: load_kind(ws, kind) for kind in PLURALS}, load_queue(ws))


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
        if data.get(key) != value:
            data[key] = value
    yamlio.write(path, data)
    return path


def _is_empty(value: Any) -> bool:
    return value in ("", [], None, False)


QUEUE_FILE = "queue.yaml"


def load_queue(ws: Workspace) -> list[QueueItem]:
    """The ordered priority queue."""
    path = ws.records_dir / QUEUE_FILE
    if not path.is_file():
        return []
    data = yamlio.load_plain(path) or []
    if not isinstance(data, list):
        raise ValidationError("queue.yaml must be a list of items", path=path, line=1)
    items = []
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or "id" not in entry:
            raise ValidationError(f"queue item {i + 1} needs an id", path=path)
        items.append(
            QueueItem(
                id=str(entry["id"]),
                priority=str(entry.get("priority", "P2")),
                description=str(entry.get("description", "")),
            )
        )
    return items


def save_queue(ws: Workspace, items: list[QueueItem]) -> None:
    """Write the queue in order. Caller holds the lock."""
    yamlio.write(
        ws.records_dir / QUEUE_FILE,
        [{"id": i.id, "priority": i.priority, "description": i.description} for i in items],
    )
