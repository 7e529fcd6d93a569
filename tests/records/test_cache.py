"""The parse cache must never hide a hand edit."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from govkit.errors import ValidationError
from govkit.records import cache, ops, store
from govkit.workspace import Workspace


def _cache_path(ws: Workspace) -> Path:
    return ws.state_dir / "cache" / f"tasks-v{cache.CACHE_VERSION}.json"


def _cache_doc(ws: Workspace) -> tuple[Path, dict[str, Any]]:
    """The tasks' parse cache file and what it holds."""
    return _cache_path(ws), json.loads(_cache_path(ws).read_text())


def _cache_file(ws: Workspace) -> dict[str, Any]:
    """The cached entries of the tasks (none while there is no cache file)."""
    return _cache_doc(ws)[1]["entries"] if _cache_path(ws).exists() else {}


def _refused_on_every_load(ws: Workspace) -> None:
    """Two loads of the tasks in a row both report the invalid status."""
    for _ in range(2):
        with pytest.raises(ValidationError, match="unknown task status"):
            store.load_kind(ws, "task")


def test_recent_files_are_not_cached(ws: Workspace) -> None:
    ops.add_record(ws, "task", "Ops-A", {"title": "a"})
    assert [r.id for r in store.load_kind(ws, "task")] == ["Ops-A"]
    assert _cache_file(ws) == {}  # written just now: inside the racy window


def test_same_size_edit_with_restored_mtime_is_seen(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No racy window here, so the first load caches; the edit below keeps size and mtime.
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    ops.add_record(ws, "task", "Ops-A", {"title": "aaaa"})
    path = store.record_path(ws, "task", "Ops-A")
    assert store.load_kind(ws, "task")[0].title == "aaaa"  # type: ignore[attr-defined]
    assert str(path) in _cache_file(ws)
    st = path.stat()
    path.write_text(path.read_text().replace("title: aaaa", "title: bbbb"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # hide the edit from mtime
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    assert store.load_kind(ws, "task")[0].title == "bbbb"  # type: ignore[attr-defined]


def test_cache_hit_and_prune(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    for name in ("Ops-A", "Ops-B"):
        ops.add_record(ws, "task", name)
    store.load_kind(ws, "task")
    assert len(_cache_file(ws)) == 2
    # A cached entry is used as is: prove it by planting a different value for a real file.
    cache_path = ws.state_dir / "cache" / f"tasks-v{cache.CACHE_VERSION}.json"
    data = json.loads(cache_path.read_text())
    key = str(store.record_path(ws, "task", "Ops-A"))
    data["entries"][key][1]["title"] = "from cache"
    cache_path.write_text(json.dumps(data))
    assert store.load_kind(ws, "task")[0].title == "from cache"  # type: ignore[attr-defined]
    ops.remove_record(ws, "task", "Ops-B")
    store.load_kind(ws, "task")
    assert list(_cache_file(ws)) == [key]


def test_damaged_cache_is_ignored(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ops.add_record(ws, "task", "Ops-A", {"title": "a"})
    path = ws.state_dir / "cache" / f"tasks-v{cache.CACHE_VERSION}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert store.load_kind(ws, "task")[0].title == "a"  # type: ignore[attr-defined]
    monkeypatch.setenv(cache.DISABLE_ENV, "1")
    assert store.load_kind(ws, "task")[0].title == "a"  # type: ignore[attr-defined]


def test_invalid_records_are_reported_even_when_cached(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    path = ws.records_dir / "tasks" / "Ops-A.yaml"
    path.write_text("id: Ops-A\nstatus: nope\n")
    _refused_on_every_load(ws)  # the second read comes from the cache


def test_validated_entries_are_marked_and_an_edit_is_validated_again(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    ops.add_record(ws, "task", "Ops-A", {"title": "first"})
    path = store.record_path(ws, "task", "Ops-A")
    assert store.load_kind(ws, "task")[0].title == "first"  # type: ignore[attr-defined]
    _, doc = _cache_doc(ws)
    assert doc["checks"] == store.check_rules("task")
    assert doc["entries"][str(path)][2] == 1  # passed validation: marked
    warm = store.load_kind(ws, "task")  # served through the mark
    assert warm == store.load_kind(ws, "task") and warm[0].status == "todo"
    # A hand edit after a warm load: the new value, then the new error.
    path.write_text(path.read_text().replace("title: first", "title: second"))
    assert store.load_kind(ws, "task")[0].title == "second"  # type: ignore[attr-defined]
    path.write_text(path.read_text().replace("status: todo", "status: nope"))
    _refused_on_every_load(ws)  # an invalid file is never marked: reported every time


def test_a_marked_load_equals_a_full_validation(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    path = ws.records_dir / "tasks" / "Ops-A.yaml"
    # Text that validation converts: a number as title, a comma list, history, no status.
    path.write_text(
        "id: Ops-A\ntitle: 17\nevidence: run-1, run-2\ncreated: '2026-01-05T10:00:00.000Z'\n"
        "history:\n  - at: '2026-01-05T10:00:00.000Z'\n    to_status: todo\n"
    )
    consumer = ws.records_dir / "consumers" / "c-1.yaml"
    consumer.write_text("id: c-1\nstatus: tracked\nreadiness: HIGH\n")
    fresh = store.load_all(ws)
    assert _cache_doc(ws)[1]["entries"][str(path)][2] == 1  # the first load marks it
    marked = store.load_all(ws)
    assert marked.by_kind == fresh.by_kind
    task = marked.kind("task")[0]
    assert (task.title, task.evidence, task.status) == ("17", ("run-1", "run-2"), "todo")  # type: ignore[attr-defined]
    assert marked.kind("consumer")[0].readiness == "high"  # type: ignore[attr-defined]


def test_marks_made_under_other_rules_are_not_trusted(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    ops.add_record(ws, "task", "Ops-A", {"title": "a"})
    store.load_kind(ws, "task")
    cache_path, doc = _cache_doc(ws)
    key = str(store.record_path(ws, "task", "Ops-A"))
    # Data the rules of this govkit reject, marked by "another" govkit: validated, and refused.
    doc["entries"][key][1]["status"] = "nope"
    doc["checks"] = "rules of another govkit"
    cache_path.write_text(json.dumps(doc))
    with pytest.raises(ValidationError, match="unknown task status"):
        store.load_kind(ws, "task")


@pytest.mark.parametrize("entry", [5, "x", None, [], [[1, 2, 3, 4]], {"a": 1}])
def test_a_damaged_cache_entry_is_ignored(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, entry: object
) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    ops.add_record(ws, "task", "Ops-A", {"title": "a"})
    ops.add_record(ws, "task", "Ops-B", {"title": "b"})
    store.load_kind(ws, "task")
    cache_path, doc = _cache_doc(ws)
    path = store.record_path(ws, "task", "Ops-A")
    doc["entries"][str(path)] = entry
    cache_path.write_text(json.dumps(doc))
    assert [r.title for r in store.load_kind(ws, "task")] == ["a", "b"]  # type: ignore[attr-defined]
    assert store.load_record(ws, "task", "Ops-A") == store.load_kind(ws, "task")[0]
    _, doc = _cache_doc(ws)
    assert doc["entries"][str(path)][1]["title"] == "a"  # parsed afresh and cached again


def _fail_if_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    from govkit import yamlio

    def parsed(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("parsed although the cache holds the file unchanged")

    for name in ("load_round_trip", "load_plain", "loads_plain"):
        monkeypatch.setattr(yamlio, name, parsed)


def test_config_and_queue_come_from_the_cache_while_unchanged(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govkit import yamlio
    from govkit.config import parse_config
    from govkit.workspace import open_workspace

    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    text = (
        "program: cached  # a comment the plain parse ignores\n"
        "repos:\n  core: {url: ../core, ref: trunk}\n"
        "tuples:\n  canonical: {core: " + "a" * 40 + "}\n"
        "gates:\n  VG-CORE-001:\n    title: core tests\n    repo: core\n"
        "    argv: [python, -m, pytest, -q]\n    parser: pytest\n    timeout: 15m\n"
        "    artifacts: [junit.xml]\n    env: {LANG: C.UTF-8, N: 2}\n    required: true\n"
        "safe_mode:\n  heavy_slots: 2\n  default_mem: 2GiB\n"
    )
    ws.config_path.write_text(text)
    ops.add_record(ws, "milestone", "M1", {"title": "one"})
    ops.add_record(ws, "task", "M1-T01", {"title": "first"})
    ops.queue_add(ws, "M1-T01", priority="P0", description="first")
    first = open_workspace(ws.root).config
    assert first == parse_config(yamlio.load_round_trip(ws.config_path), ws.config_path)
    gate = first.gates["VG-CORE-001"]
    hash_before = gate.definition_hash()
    queue = store.load_queue(ws)
    _fail_if_parsed(monkeypatch)
    again = open_workspace(ws.root).config
    assert again == first and again.gates["VG-CORE-001"].definition_hash() == hash_before
    assert store.load_queue(ws) == queue


def test_an_invalid_config_after_a_cached_one_names_its_line(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govkit.workspace import open_workspace

    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    assert open_workspace(ws.root).config.program == "test-program"
    ws.config_path.write_text(ws.config_path.read_text() + "timout: 5\n")
    with pytest.raises(ValidationError) as exc:
        _ = open_workspace(ws.root).config
    assert "unknown key 'timout'" in exc.value.message
    assert exc.value.line == len(ws.config_path.read_text().splitlines())
