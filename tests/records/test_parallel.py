"""A cold load split with a forked child gives what a load in one process gives (D-024)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from govkit import forkjob, yamlio
from govkit.errors import ValidationError
from govkit.records import cache, store
from govkit.workspace import Workspace

pytestmark = pytest.mark.skipif(
    not forkjob.can_fork(), reason="forked loads run on Linux with two cores or more"
)

CREATED = "'2026-01-05T10:00:00.000Z'"


def _fill(ws: Workspace, tasks: int = 120) -> list[Path]:
    """Record files in the shapes people write, beside the layout govkit writes."""
    rec = ws.records_dir
    written = []
    for i in range(tasks):
        path = rec / "tasks" / f"M1-T{i + 1:03d}.yaml"
        history = (
            f"history:\n  - at: {CREATED}\n    from_status: todo\n    to_status: done\n"
            if i % 2
            else ""
        )
        path.write_text(
            f"id: M1-T{i + 1:03d}\nstatus: {'done' if i % 2 else 'todo'}\nmilestone: M1\n"
            f"title: Task {i + 1}\ncreated: {CREATED}\nupdated: {CREATED}\n{history}"
        )
        written.append(path)
    odd = {
        # comments and an unquoted date: ruamel reads it, and the date is not JSON
        "findings/F1.yaml": "# seen on Monday\nid: F1\nstatus: open\ntitle: Drift\ncreated: 2026-01-05\n",
        # Windows line ends
        "findings/F2.yaml": "id: F2\r\nstatus: resolved\r\ntitle: Flaky\r\n",
        # a flow list: ruamel reads it, JSON-safe
        "resolutions/R1.yaml": "id: R1\nstatus: recorded\nsummary: fixed\nevidence: [run-1, run-2]\n",
        "blockers/B1.yaml": "id: B1\nstatus: active\ntitle: Upstream\nowner: ana\n",
        "milestones/M1.yaml": f"id: M1\nstatus: active\ntitle: First\ncreated: {CREATED}\n",
    }
    for rel, text in odd.items():
        path = rec / rel
        path.write_bytes(text.encode())
        written.append(path)
    return written


def _serial(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> store.RecordSet:
    with monkeypatch.context() as m:
        m.setenv(forkjob.JOBS_ENV, "1")
        return store.load_all(ws, parallel_from=0)


def _count_parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Texts parsed in this process (a forked child's parses are counted in the child)."""
    parsed: list[int] = []
    each, one = yamlio.loads_plain_each_read, yamlio.loads_plain

    def counting_each(texts: Any) -> Any:
        parsed.append(len(texts))
        return each(texts)

    def counting_one(text: str, **kwargs: Any) -> Any:
        parsed.append(1)
        return one(text, **kwargs)

    monkeypatch.setattr(yamlio, "loads_plain_each_read", counting_each)
    monkeypatch.setattr(yamlio, "loads_plain", counting_one)
    return parsed


def test_a_split_load_equals_a_load_in_one_process(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _fill(ws)
    monkeypatch.setenv(cache.DISABLE_ENV, "1")  # every load is cold
    parsed = _count_parsed(monkeypatch)
    split = store.load_all(ws, parallel_from=0)
    in_parent = sum(parsed)
    parsed.clear()
    whole = _serial(ws, monkeypatch)
    assert sum(parsed) == len(files)  # one process: it parses every file
    # Split: this process parsed its half, plus the file whose date a child cannot send.
    assert in_parent <= len(files) // 2 + 2
    assert split.by_kind == whole.by_kind
    assert split.kind("finding")[0].created == "2026-01-05"
    assert split.kind("finding")[1].title == "Flaky"  # type: ignore[attr-defined]
    assert split.kind("resolution")[0].evidence == ("run-1", "run-2")  # type: ignore[attr-defined]


def test_a_failed_child_leaves_its_half_to_this_process(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(ws)
    monkeypatch.setenv(cache.DISABLE_ENV, "1")
    parent = os.getpid()
    real = store._parse_share

    def broken_in_child(*args: Any) -> Any:
        if os.getpid() != parent:
            raise RuntimeError("the child breaks")
        return real(*args)

    monkeypatch.setattr(store, "_parse_share", broken_in_child)
    assert store.load_all(ws, parallel_from=0).by_kind == _serial(ws, monkeypatch).by_kind


@pytest.mark.parametrize(
    ("rel", "text", "message"),
    [
        ("tasks/M1-T051.yaml", "id: M1-T051\nstatus: nope\n", "unknown task status"),
        ("tasks/M1-T052.yaml", b"id: M1-T052\ntitle: caf\xe9\n", "not valid UTF-8"),
        ("tasks/M1-T053.yaml", "id: M1-T053\ntitle: [unclosed\n", "malformed YAML"),
    ],
)
def test_an_invalid_file_is_reported_as_a_load_in_one_process_reports_it(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, rel: str, text: str | bytes, message: str
) -> None:
    _fill(ws, tasks=50)
    path = ws.records_dir / rel
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    monkeypatch.setenv(cache.DISABLE_ENV, "1")
    with pytest.raises(ValidationError, match=message) as split:
        store.load_all(ws, parallel_from=0)
    with pytest.raises(ValidationError) as whole:
        _serial(ws, monkeypatch)
    assert (str(split.value), split.value.path, split.value.line) == (
        str(whole.value),
        whole.value.path,
        whole.value.line,
    )
    assert split.value.path == path


def test_a_split_load_marks_what_it_checked(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)  # files written just now may be cached
    files = _fill(ws)
    first = store.load_all(ws, parallel_from=0)
    import json

    entries: dict[str, Any] = {}
    for kind in ("tasks", "findings", "resolutions", "blockers", "milestones"):
        doc = json.loads((ws.state_dir / "cache" / f"{kind}-v1.json").read_text())
        entries.update(doc["entries"])
    dated = str(ws.records_dir / "findings" / "F1.yaml")
    assert set(entries) == {str(p) for p in files} - {dated}  # a date is never cached
    assert all(entry[2] == 1 for entry in entries.values())  # both halves: checked, marked
    parsed = _count_parsed(monkeypatch)
    assert store.load_all(ws, parallel_from=0).by_kind == first.by_kind
    assert sum(parsed) <= 1  # warm: only the dated file is parsed again


def test_a_fresh_parse_of_a_file_changed_since_is_not_used(ws: Workspace) -> None:
    path = ws.records_dir / "tasks" / "Ops-A.yaml"
    path.write_text("id: Ops-A\ntitle: on disk\n")
    parses = store.parse_cache(ws, "task")
    stale = {str(path): ([0, 0, 0, 0], {"id": "Ops-A", "title": "stale"}, True)}
    assert list(parses.load_each([path], stale)) == [{"id": "Ops-A", "title": "on disk"}]
    assert not parses.checked(path)  # validated here, as any file parsed here is


def test_reading_in_threads_gives_every_byte(tmp_path: Path) -> None:
    paths = []
    for i in range(300):  # enough files for the threads to share them
        path = tmp_path / f"f{i}.yaml"
        path.write_bytes(b"title: x\n" * (i * 50))  # up to 130 kB: several reads a file
        paths.append(str(path))
    paths.append(str(tmp_path / "missing.yaml"))
    got = cache.read_files(paths)
    assert got[-1] is None
    for i, item in enumerate(got[:-1]):
        assert item is not None and item[1] == b"title: x\n" * (i * 50)
        assert item[0].st_size == len(item[1])


def test_check_finds_the_same_problems_split_or_in_one_process(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govkit.check import check_workspace

    _fill(ws, tasks=60)
    bad = {
        "tasks/M1-T061.yaml": "id: M1-T061\nstatus: nope\ntitle: x\n",
        "tasks/M1-T062.yaml": "id: M1-T099\ntitle: wrong file name\n",
        "tasks/M1-T063.yaml": "id: M1-T063\ntitle: [unclosed\n",
        "findings/F9.yaml": "id: F9\nstatus: open\ntitle: Dup\nmilestone: M7\n",
    }
    for rel, text in bad.items():
        (ws.records_dir / rel).write_text(text)
    monkeypatch.setenv(cache.DISABLE_ENV, "1")
    monkeypatch.setattr(store, "PARALLEL_FROM", 0)
    parsed = _count_parsed(monkeypatch)
    split = check_workspace(ws)
    in_parent = sum(parsed)
    parsed.clear()
    monkeypatch.setenv(forkjob.JOBS_ENV, "1")
    whole = check_workspace(ws)
    total = len(list(ws.records_dir.rglob("*.yaml")))
    assert in_parent < total * 0.6 <= sum(parsed)  # split: this process parsed about half
    assert [str(p) for p in split.problems] == [str(p) for p in whole.problems]
    assert {p.code for p in split.problems} == {
        "unknown-status",
        "filename-mismatch",
        "yaml",
        "dangling-ref",
    }
