"""`check` on records/: every record file, the references between records, and the queue.

The field rules themselves live with the loader (store.validate_mapping,
store.parse_queue), so `check` and loading a record can never disagree; this
module adds what only a view of all files can see: file names, duplicate ids
across kinds, dangling references, stray and temp files.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.errors import GovkitError
from govkit.problems import ProblemList
from govkit.records import store
from govkit.records.kinds import KINDS
from govkit.records.model import MILESTONE_MENTION, Record, dangling_references
from govkit.workspace import Workspace


@dataclass
class RecordScan:
    """What the record files hold, as far as they validate."""

    by_kind: dict[str, list[Record]] = field(default_factory=lambda: {k: [] for k in KINDS})
    ids: dict[str, Path] = field(default_factory=dict)  # id -> the first file that uses it
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Records per folder name (milestones, tasks, …)."""
        return {KINDS[k].directory: len(records) for k, records in self.by_kind.items()}


def check_record_files(ws: Workspace, problems: ProblemList) -> RecordScan:
    """Every record file of every kind: syntax, fields, id and file name, duplicate ids."""
    scan = RecordScan()
    _temp_files(ws, ws.records_dir, problems, scan)
    caches = {kind: store.parse_cache(ws, kind) for kind in KINDS}
    paths = {kind: list(store.iter_record_files(ws, kind)) for kind in KINDS}
    # Uncached files parsed at once (split with a forked child when there are many, D-024);
    # every file is still validated below, with its lines, and any it left out is parsed
    # on its own, reporting its error.
    fresh = store.parse_uncached(caches, paths, here=True, validate=False)
    for kind in KINDS:
        cache = caches[kind]
        _temp_files(ws, ws.records_dir / KINDS[kind].directory, problems, scan)
        load = functools.partial(cache.load, fresh=fresh)
        for path in paths[kind]:
            _record_file(kind, path, load, problems, scan)
        cache.save(prune=True)
    return scan


def _temp_files(ws: Workspace, directory: Path, problems: ProblemList, scan: RecordScan) -> None:
    try:
        names = [e.name for e in os.scandir(directory)]
    except OSError:
        return
    for name in sorted(names):
        if name.startswith(".") and name.endswith(".tmp"):
            scan.notes.append(
                f"{ws.rel(directory / name)}: temp file of an interrupted write "
                "(ignored; the next change to the records removes it)"
            )
        elif (
            directory != ws.records_dir and not name.startswith(".") and not name.endswith(".yaml")
        ):
            problems.add(
                "stray-file",
                directory / name,
                None,
                f"{name} is not read as a record",
                hint="record files are named <ID>.yaml",
            )


def _record_file(
    kind: str, path: Path, load: Callable[[Path], Any], problems: ProblemList, scan: RecordScan
) -> None:
    try:
        data = load(path)
    except GovkitError as exc:
        problems.from_error("yaml", exc, path)
        return
    values, found = store.validate_mapping(kind, data, path)
    for p in found:
        problems.add(p.code, path, p.line, p.message, p.hint)
    record_id = values.get("id")
    if record_id is None:
        return
    if record_id != path.stem:
        problems.add(
            "filename-mismatch",
            path,
            store.field_line(path, "id"),
            f"file {path.name} holds id {record_id!r}",
            hint=f"rename the file to {record_id}.yaml or fix the id",
        )
    first = scan.ids.get(record_id)
    if first is not None:
        problems.add(
            "duplicate-id",
            path,
            store.field_line(path, "id"),
            f"id {record_id} is also used by {problems.rel(first)}",
            hint="ids are unique across all record kinds: rename one of them",
        )
    else:
        scan.ids[record_id] = path
    # Fields that did validate still take part in the reference checks.
    scan.by_kind[kind].append(KINDS[kind].cls(path=path, **values))


def check_references(scan: RecordScan, decision_ids: set[str], problems: ProblemList) -> None:
    """References between records that name no record (or decision) of the right kind."""
    ids = {kind: {r.id for r in records} for kind, records in scan.by_kind.items()}
    anything = set(scan.ids) | decision_ids

    def exists(target: str, kind: str | None) -> bool:
        return target in (ids.get(kind, set()) if kind else anything)

    for records in scan.by_kind.values():
        for r in records:
            assert r.path is not None
            for field_name, target, wanted in dangling_references(r, exists):
                if field_name == MILESTONE_MENTION:
                    problems.add(
                        "dangling-ref",
                        r.path,
                        store.field_line(r.path, "milestone"),
                        f"{r.id} milestone mentions {target}: no such milestone",
                    )
                    continue
                problems.add(
                    "dangling-ref",
                    r.path,
                    store.field_line(r.path, field_name),
                    f"{r.id} {field_name} {target}: no such {wanted or 'record or decision'}",
                    hint=f"create {target}, or fix the reference",
                )


def check_queue(ws: Workspace, record_ids: set[str], problems: ProblemList) -> int | None:
    """The queue's own rules plus items naming no record; the number of entries (None: none)."""
    path = ws.records_dir / store.QUEUE_FILE
    if not path.is_file():
        return None
    try:
        data = yamlio.load_round_trip(path)
    except GovkitError as exc:
        problems.from_error("yaml", exc, path)
        return None
    queue = store.parse_queue(data, path)
    for p in (*queue.unreadable, *queue.doubtful):
        problems.add(p.code, path, p.line, p.message, p.hint)
    for entry in queue.entries:
        if entry.item.id not in record_ids:
            problems.add(
                "dangling-ref",
                path,
                entry.line,
                f"queue item {entry.number} names {entry.item.id}: no such record",
                hint=f"add the record or `govkit queue remove {entry.item.id}`",
            )
    return len(data) if isinstance(data, list) else None
