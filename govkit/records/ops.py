"""Changing records: add, update, lifecycle moves, remove, and the priority queue.

Every function here that writes takes the workspace lock itself and writes
atomically, so callers (the CLI, importers, tests) cannot forget either.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from govkit.atomic import fsync_dir
from govkit.errors import ConflictError, NotFound, TransitionError, ValidationError
from govkit.ids import check_id, check_safe_id
from govkit.records import store
from govkit.records.conditions import condition_problems
from govkit.records.model import (
    KINDS,
    MILESTONE_MENTION,
    OWNED_KINDS,
    PRIORITY,
    Blocker,
    Finding,
    Kind,
    QueueItem,
    Record,
    Transition,
    dangling_references,
    record_to_dict,
    task_milestone,
)
from govkit.timeutil import rfc3339
from govkit.workspace import Workspace

FieldValue = str | Sequence[str]


def check_kind(kind: str) -> Kind:
    """The row of a record kind (an unknown kind is a usage error)."""
    row = KINDS.get(kind)
    if row is None:
        raise ValidationError(f"unknown record kind {kind!r}", hint=f"one of: {', '.join(KINDS)}")
    return row


def split_list(values: str | Iterable[str], *, commas: bool = True) -> tuple[str, ...]:
    """Repeated flags and/or comma lists -> clean tuple of items ('a,b' 'c' -> a, b, c).

    `commas=False`: each value is one item (sentences, commands).
    """
    if isinstance(values, str):
        values = [values]
    if not commas:
        return tuple(v.strip() for v in values if v.strip())
    return tuple(part.strip() for v in values for part in v.split(",") if part.strip())


def _coerce(kind: str, changes: Mapping[str, FieldValue | None]) -> dict[str, object]:
    """Typed field values from flag values; unknown fields are a usage error."""
    spec = {f.name: f for f in check_kind(kind).fields}
    out: dict[str, object] = {}
    for name, value in changes.items():
        if value is None:
            continue
        f = spec.get(name)
        if f is None:
            raise ValidationError(
                f"a {kind} has no field {name!r}", hint=f"fields: {', '.join(spec)}"
            )
        if f.is_list:
            items = split_list(value, commas=not f.spec.sentences)
            if name == "conditions":
                for message, hint in condition_problems(items):
                    raise ValidationError(message, hint=hint)
            elif not (f.spec.evidence or f.spec.sentences):  # run ids, paths, text: not ids
                for item in items:
                    check_safe_id(item, what=f"{name} entry")
            out[name] = items
        elif not isinstance(value, str):
            raise ValidationError(f"field {name!r} takes one text value")
        elif f.spec.choices:
            out[name] = check_choice(name, value, f.spec.choices)
        else:
            out[name] = value
    return out


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """The value lower-cased, if it is one of `choices` (readiness: low, medium, high)."""
    lowered = value.lower()
    if lowered not in choices:
        raise ValidationError(f"{name} {value!r} is not one of {', '.join(choices)}")
    return lowered


def kind_of(ws: Workspace, record_id: str) -> str | None:
    """The kind of the record with this id (by its file), or None."""
    check_safe_id(record_id)
    for kind in KINDS.values():
        if (ws.records_dir / kind.directory / f"{record_id}.yaml").is_file():
            return kind.name
    return None


def _check_references(ws: Workspace, record: Record) -> None:
    """Refuse to write a record that points at records that do not exist."""

    def exists(target: str, kind: str | None) -> bool:
        found = kind_of(ws, target)
        return found == kind if kind else found is not None or _decision_exists(ws, target)

    for field_name, target, wanted in dangling_references(record, exists):
        if field_name == MILESTONE_MENTION:
            raise ValidationError(
                f"milestone {target!r} does not exist",
                hint="create it first, or write free text such as 'Program-wide'",
            )
        if wanted is None:
            raise ValidationError(
                f"{target!r} is not a record or decision of this workspace",
                hint="resolutions resolve existing tasks, findings, blockers or decisions"
                if field_name == "resolves"
                else "a condition waits on an existing task, finding, milestone, blocker or decision",
            )
        raise ValidationError(
            f"{wanted} {target!r} does not exist",
            hint=f"create it first: govkit {wanted} add {target} --title ...",
        )


def _check_condition_gates(ws: Workspace, record: Record) -> None:
    """Refuse a blocker condition that waits on a gate govkit.yaml does not define."""
    if not isinstance(record, Blocker):
        return
    from govkit.records.conditions import parse_condition

    for text in record.conditions:
        c = parse_condition(text)
        if c.kind == "gate" and c.target not in ws.config.gates:
            raise NotFound.unknown(
                "gate",
                c.target,
                ws.config.gates,
                path=ws.config_path,
                hint="`govkit gate list` shows the gates; define it first with `govkit gate add`",
            )
        if c.tuple_name is not None and c.tuple_name not in ws.config.tuples:
            raise ValidationError(
                f"condition {text!r}: tuple {c.tuple_name!r} is not defined",
                hint=f"pin it first: govkit tuple pin {c.tuple_name} REPO=REV",
            )


def condition_states(
    ws: Workspace, blockers: Sequence[Record]
) -> dict[str, list[dict[str, object]]]:
    """Blocker id -> each checkable condition, met or not, with its evidence (for show --json)."""
    from govkit.records.conditions import check_conditions, facts_from_workspace

    with_conditions = [b for b in blockers if isinstance(b, Blocker) and b.conditions]
    if not with_conditions:
        return {}
    facts = facts_from_workspace(ws)
    return {
        b.id: [s.to_dict() for s in check_conditions(b.conditions, facts)]
        for b in with_conditions
        if isinstance(b, Blocker)
    }


def _decision_exists(ws: Workspace, ref: str) -> bool:
    from govkit.decisions import load_decisions

    return any(d.id == ref for d in load_decisions(ws))


def check_transition(record: Record, target: str) -> None:
    """Raise TransitionError unless the kind's transition map allows record.status -> target."""
    lifecycle = KINDS[record.kind].lifecycle
    lifecycle.check_status(record.kind, target)
    if target != record.status:
        lifecycle.check_move(record.id, record.status, target)


def _open_tasks(ws: Workspace, milestone_id: str) -> list[str]:
    return [
        t.id
        for t in store.load_kind(ws, "task")
        if getattr(t, "milestone", "") == milestone_id and t.status != "done"
    ]


def _completion(ws: Workspace, record: Record, target: str, force: bool) -> tuple[bool, str]:
    """(forced, note) for a move to `target`: a milestone completes only when its tasks are
    done; a blocker resolves only when its checkable conditions hold."""
    if isinstance(record, Blocker) and target == "resolved" and record.conditions:
        return _conditions_hold(ws, record, force)
    if record.kind != "milestone" or target != "complete":
        return False, ""
    not_done = _open_tasks(ws, record.id)
    if not not_done:
        return False, ""
    if not force:
        shown = ", ".join(not_done[:5]) + (" …" if len(not_done) > 5 else "")
        raise TransitionError(
            f"cannot complete {record.id}: {len(not_done)} task(s) not done ({shown})",
            hint="finish them first, or pass --force (recorded in the history)",
        )
    return True, f"completed with {len(not_done)} task(s) not done: {', '.join(not_done)}"


def _conditions_hold(ws: Workspace, blocker: Blocker, force: bool) -> tuple[bool, str]:
    """(forced, note) for resolving a blocker: its conditions, checked now, with their evidence."""
    from govkit.records.conditions import check_conditions, facts_from_workspace

    states = check_conditions(blocker.conditions, facts_from_workspace(ws))
    unmet = [s for s in states if not s.met]
    if not unmet:
        return False, "conditions met: " + "; ".join(
            f"{s.condition.text} ({s.evidence})" for s in states
        )
    if not force:
        shown = "; ".join(f"{s.condition.text} ({s.evidence})" for s in unmet)
        raise TransitionError(
            f"cannot resolve {blocker.id}: {len(unmet)} of {len(states)} condition(s) unmet: {shown}",
            hint="meet them first (`govkit check` shows each), or pass --force (recorded)",
        )
    return True, "resolved with unmet conditions: " + "; ".join(
        f"{s.condition.text} ({s.evidence})" for s in unmet
    )


def _moved(ws: Workspace, record: Record, target: str, *, force: bool, now: str) -> Record:
    """The record after a status change, with the change in its history."""
    check_transition(record, target)
    if target == record.status:
        return record
    forced, note = _completion(ws, record, target, force)
    step = Transition(at=now, from_status=record.status, to_status=target, forced=forced, note=note)
    return dataclasses.replace(record, status=target, history=(*record.history, step))


def sweep_temp_files(ws: Workspace) -> list[Path]:
    """Remove temp files left in records/ by a writer that was killed. Caller holds the lock."""
    # Every writer of records/ holds the workspace lock, so under the lock any
    # temp file there belongs to a process that died mid-write.
    removed = []
    for directory in (ws.records_dir, *(ws.records_dir / k.directory for k in KINDS.values())):
        with contextlib.suppress(OSError):
            for entry in os.scandir(directory):
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    return removed


def add_record(
    ws: Workspace,
    kind: str,
    record_id: str,
    changes: Mapping[str, FieldValue | None] | None = None,
    *,
    status: str | None = None,
    force: bool = False,
    at: str | None = None,
    imported: bool = False,
    note: str = "",
) -> Record:
    """Create a record; ids are unique across all kinds.

    `at` (RFC 3339) dates the record when its history is older than now, as an import's
    source document says; `imported` marks it imported (`imported_at` is then now).
    """
    lifecycle = check_kind(kind).lifecycle
    check_id(kind, record_id)
    values = _coerce(kind, changes or {})
    if kind == "task" and "milestone" not in values:
        # M1-T03 belongs to M1 unless told otherwise.
        implied = task_milestone(record_id)
        if implied:
            values["milestone"] = implied
    with ws.lock():
        sweep_temp_files(ws)
        existing = kind_of(ws, record_id)
        if existing is not None:
            raise ConflictError(
                f"{record_id} already exists (a {existing})",
                hint=f"edit it with `govkit {existing} set {record_id} ...`",
            )
        now = rfc3339()
        when = at or now
        initial = lifecycle.initial
        record = KINDS[kind].cls(id=record_id, status=initial, **values)  # type: ignore[arg-type]
        # A record may start in a later state (catching up on history): that is the
        # state it is in, not a move, so the transition map does not apply.
        target = initial if status is None else status
        lifecycle.check_status(kind, target)
        forced, why = _completion(ws, record, target, force)
        note = "; ".join(n for n in (note, why) if n)
        step = Transition(at=when, from_status=None, to_status=target, forced=forced, note=note)
        record = dataclasses.replace(
            record,
            status=target,
            created=when,
            updated=when,
            history=(step,),
            imported=imported,
            imported_at=now if imported else "",
        )
        _check_references(ws, record)
        _check_condition_gates(ws, record)
        path = store.save_record(ws, record)
        return dataclasses.replace(record, path=path)


def update_record(
    ws: Workspace,
    kind: str,
    record_id: str,
    changes: Mapping[str, FieldValue | None] | None = None,
    *,
    status: str | None = None,
    force: bool = False,
) -> Record:
    """Change fields and/or move the status along the lifecycle; one atomic write."""
    check_kind(kind)
    check_id(kind, record_id)
    values = _coerce(kind, changes or {})
    with ws.lock():
        record = store.load_record(ws, kind, record_id)
        sweep_temp_files(ws)
        now = rfc3339()
        updated = dataclasses.replace(record, **values)  # type: ignore[arg-type]
        if status is not None:
            updated = _moved(ws, updated, status, force=force, now=now)
        if updated == record:
            return record
        updated = dataclasses.replace(updated, updated=now)
        _check_references(ws, updated)
        if getattr(updated, "conditions", ()) != getattr(record, "conditions", ()):
            _check_condition_gates(ws, updated)
        path = store.save_record(ws, updated)
        return dataclasses.replace(updated, path=path)


def resolve_finding(ws: Workspace, finding_id: str, by: Sequence[str]) -> Record:
    """Mark a finding resolved by the given tasks."""
    tasks = split_list(by)
    if not tasks:
        raise ValidationError("say which task resolved it", hint="--by M1-T01")
    return update_record(ws, "finding", finding_id, {"resolved_by": tasks}, status="resolved")


def resolve_blocker(
    ws: Workspace, blocker_id: str, resolution: str, *, force: bool = False
) -> Record:
    """Mark a blocker resolved, saying how (refused while its conditions are unmet, unless forced)."""
    if not resolution.strip():
        raise ValidationError("say how it was resolved", hint='--resolution "what changed"')
    return update_record(
        ws, "blocker", blocker_id, {"resolution": resolution}, status="resolved", force=force
    )


def record_data(ws: Workspace, record: Record) -> dict[str, object]:
    """The JSON shape of a record: its fields plus kind and workspace-relative path."""
    data: dict[str, object] = {"kind": record.kind, **record_to_dict(record)}
    if record.path is not None:
        data["path"] = ws.rel(record.path)
    return data


def get_record(ws: Workspace, kind: str, record_id: str) -> Record:
    """One record (NotFound names the list command)."""
    check_kind(kind)
    return store.load_record(ws, kind, record_id)


def list_records(
    ws: Workspace, kind: str, *, status: str | None = None, **match: str | None
) -> list[Record]:
    """Records of a kind, by id; only those with `status`, and those whose fields match
    `match` (owner='ana', lane='core'; None: any): whole, ignoring case ('Ana' finds 'ana')."""
    row = check_kind(kind)
    if status is not None:
        row.lifecycle.check_status(kind, status)
    names = {f.name for f in row.fields}
    for name, wanted in match.items():
        if wanted is not None and name not in names:
            raise ValidationError(
                f"a {kind} has no {name}",
                hint=f"kinds with owners and lanes: {', '.join(OWNED_KINDS)}",
            )
    return [
        r
        for r in store.load_kind(ws, kind)
        if (status is None or r.status == status)
        and all(matches(getattr(r, name, ""), wanted) for name, wanted in match.items())
    ]


def matches(value: str, wanted: str | None) -> bool:
    """True when no filter is given, or `value` is `wanted` ignoring case and outer spaces."""
    return wanted is None or value.strip().casefold() == wanted.strip().casefold()


def referrers(records: store.RecordSet, record_id: str) -> list[str]:
    """'M1-T01 (milestone)' for every record or queue item pointing at `record_id`."""
    out = []
    for kind in KINDS:
        for r in records.kind(kind):
            for field_name, targets in r.references().items():
                if record_id in targets:
                    out.append(f"{r.id} ({field_name})")
            if isinstance(r, Finding) and record_id in r.milestone_mentions():
                out.append(f"{r.id} (milestone)")
    out.extend(f"queue item {i + 1}" for i, q in enumerate(records.queue) if q.id == record_id)
    return out


def remove_record(ws: Workspace, kind: str, record_id: str) -> Path:
    """Delete a record file, refused while anything references it."""
    check_kind(kind)
    check_id(kind, record_id)
    with ws.lock():
        record = store.load_record(ws, kind, record_id)
        users = referrers(store.load_all(ws), record_id)
        if users:
            raise ConflictError(
                f"{record_id} is still referenced by {', '.join(users)}",
                hint="edit or remove those first",
            )
        assert record.path is not None
        record.path.unlink()
        fsync_dir(record.path.parent)
        return record.path


# The priority queue -------------------------------------------------------------------


def _find(items: list[QueueItem], item_id: str) -> int:
    for i, item in enumerate(items):
        if item.id == item_id:
            return i
    raise NotFound(f"{item_id} is not in the queue", hint="`govkit queue list` shows it")


def queue_add(
    ws: Workspace,
    item_id: str,
    *,
    priority: str = "P2",
    description: str = "",
    position: int | None = None,
) -> list[QueueItem]:
    """Add a record to the queue (at the end, or at 1-based `position`)."""
    check_safe_id(item_id)
    if not PRIORITY.match(priority):
        raise ValidationError(f"priority {priority!r} is not like P0, P1, P2")
    with ws.lock():
        if kind_of(ws, item_id) is None:
            raise NotFound(
                f"no record {item_id!r} to queue",
                hint=f"add it first, e.g. govkit task add {item_id} --title ...",
            )
        items = store.load_queue(ws)
        if any(i.id == item_id for i in items):
            raise ConflictError(f"{item_id} is already in the queue", hint="use `queue move`")
        item = QueueItem(item_id, priority, description)
        index = len(items) if position is None else _index(position, len(items) + 1)
        items.insert(index, item)
        store.save_queue(ws, items)
        return items


def _index(position: int, size: int) -> int:
    if not 1 <= position <= size:
        raise ValidationError(f"position {position} is outside 1..{size}")
    return position - 1


def queue_remove(ws: Workspace, item_id: str) -> list[QueueItem]:
    """Drop an item from the queue."""
    with ws.lock():
        items = store.load_queue(ws)
        del items[_find(items, item_id)]
        store.save_queue(ws, items)
        return items


def queue_move(ws: Workspace, item_id: str, to: int) -> list[QueueItem]:
    """Move an item to 1-based position `to`."""
    with ws.lock():
        items = store.load_queue(ws)
        item = items.pop(_find(items, item_id))
        items.insert(_index(to, len(items) + 1), item)
        store.save_queue(ws, items)
        return items


def queue_list(ws: Workspace) -> list[QueueItem]:
    """The queue, in order."""
    return store.load_queue(ws)
