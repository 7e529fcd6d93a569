"""The parse cache must never hide a hand edit."""

from __future__ import annotations

import json
import os

import pytest

from govkit.errors import ValidationError
from govkit.records import cache, ops, store
from govkit.workspace import Workspace


def _cache_file(ws: Workspace) -> dict[str, object]:
    path = ws.state_dir / "cache" / f"tasks-v{cache.CACHE_VERSION}.json"
    return json.loads(path.read_text())["entries"] if path.exists() else {}


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
    for _ in range(2):  # the second read comes from the cache
        with pytest.raises(ValidationError, match="unknown task status"):
            store.load_kind(ws, "task")
