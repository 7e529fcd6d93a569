"""Real processes against one workspace: the lock serializes them, SIGKILL corrupts nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from govkit import yamlio
from govkit.check import check_workspace
from govkit.records import ops, store
from govkit.workspace import Workspace
from tests.helpers import govkit_env, run_govkit


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    """A real Python process running `code` against this checkout's govkit."""
    env = govkit_env()
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


ADD_LOOP = """
    import sys
    from pathlib import Path
    from govkit.records import ops, store
    from govkit.workspace import Workspace
    ws = Workspace(Path(sys.argv[1]))
    start, count = int(sys.argv[2]), int(sys.argv[3])
    for n in range(start, start + count):
        ops.add_record(ws, "finding", f"F{n}", {"title": f"finding {n}: " + "x" * 200})
        if n % 5:
            continue
        # read-modify-write of one shared record: lost updates would show up here
        with ws.lock():
            r = store.load_record(ws, "task", "Ops-Shared")
            ops.update_record(ws, "task", "Ops-Shared", {"evidence": [*r.evidence, f"F{n}"]})
"""


@pytest.mark.slow
def test_two_processes_add_100_records_each(ws: Workspace) -> None:
    ops.add_record(ws, "task", "Ops-Shared")
    procs = [_python(ADD_LOOP, str(ws.root), str(start), "100") for start in (1, 101)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    findings = store.load_kind(ws, "finding")
    assert sorted(int(f.id[1:]) for f in findings) == list(range(1, 201))
    shared = store.load_record(ws, "task", "Ops-Shared")
    expected = [f"F{n}" for n in range(5, 201, 5)]
    assert sorted(shared.evidence, key=lambda e: int(e[1:])) == expected  # type: ignore[attr-defined]
    assert check_workspace(ws).ok


@pytest.mark.slow
def test_concurrent_cli_processes(ws: Workspace) -> None:
    def add(n: int) -> int:
        return run_govkit("consumer", "add", f"repo-{n}", "--risk", f"r{n}", cwd=ws.root).returncode

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(add, range(16)))
    assert codes == [0] * 16
    assert len(store.load_kind(ws, "consumer")) == 16
    result = run_govkit("check", cwd=ws.root)
    assert result.returncode == 0, result.stdout + result.stderr


KILL_LOOP = """
    import sys
    from pathlib import Path
    from govkit.records import ops
    from govkit.workspace import Workspace
    ws = Workspace(Path(sys.argv[1]))
    big = "line of text\\n" * 300
    for n in range(1, 100000):
        ops.add_record(ws, "finding", f"F{n}", {"title": f"t{n}", "evidence_summary": big})
        ops.update_record(ws, "finding", f"F{n}", {"title": f"retitled {n}"})
        ops.update_record(ws, "task", "Ops-Shared", {"notes": f"{n} " + big})
"""


@pytest.mark.slow
def test_sigkill_mid_write_leaves_every_file_parseable(ws: Workspace) -> None:
    ops.add_record(ws, "task", "Ops-Shared")
    findings = ws.records_dir / "findings"
    for round_no in range(3):
        proc = _python(
            KILL_LOOP.replace("range(1,", f"range({round_no * 10000 + 1},"), str(ws.root)
        )
        deadline = time.monotonic() + 60
        target = len(os.listdir(findings)) + 15
        while len(os.listdir(findings)) < target:
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        for path in ws.records_dir.rglob("*.yaml"):
            if path.name.startswith("."):
                continue
            data = yamlio.load_plain(path)  # raises on a torn file
            assert isinstance(data, dict) and data["id"] == path.stem
        report = check_workspace(ws)
        assert report.ok, report.problems
    # The lock died with its holder: the next writer gets it at once and sweeps temp files.
    started = time.monotonic()
    ops.add_record(ws, "blocker", "B1")
    assert time.monotonic() - started < 5
    assert not [p for p in ws.records_dir.rglob(".*.tmp")]
    result = run_govkit("check", cwd=ws.root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_reentrant_lock(ws: Workspace) -> None:
    with ws.lock(), ws.lock(timeout=1):
        ops.add_record(ws, "milestone", "M1")
    assert store.load_record(ws, "milestone", "M1").id == "M1"


def test_lock_excludes_other_process(ws: Workspace) -> None:
    holder = _python(
        """
        import sys, time
        from pathlib import Path
        from govkit.workspace import Workspace
        with Workspace(Path(sys.argv[1])).lock():
            print("held", flush=True)
            time.sleep(30)
        """,
        str(ws.root),
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        from govkit.errors import LockTimeout

        with pytest.raises(LockTimeout, match="another govkit process holds"), ws.lock(timeout=0.3):
            pass
    finally:
        holder.kill()
        holder.communicate()
    with ws.lock(timeout=5):
        pass


@pytest.mark.slow
def test_sigkill_inside_a_write_keeps_the_old_file(ws: Workspace) -> None:
    """Kill a writer while its data is half on disk: the record is old or new, never torn."""
    path = ws.records_dir / "findings" / "F1.yaml"
    old = "id: F1\ntitle: before\n"
    path.write_text(old)
    writer = _python(
        """
        import sys
        from pathlib import Path
        from govkit.atomic import atomic_write_bytes
        atomic_write_bytes(Path(sys.argv[1]), b"id: F1\\ntitle: '" + b"x" * 120_000_000 + b"'\\n")
        """,
        str(path),
    )
    deadline = time.monotonic() + 60
    while True:  # wait until the new content is partly written (to whatever file)
        sizes = [e.stat().st_size for e in os.scandir(path.parent)]
        if max(sizes) > 1_000_000:
            break
        assert writer.poll() is None, "the writer finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.001)
    writer.send_signal(signal.SIGKILL)
    writer.communicate()
    assert path.read_text() == old
    assert store.load_kind(ws, "finding")[0].title == "before"  # type: ignore[attr-defined]
    assert check_workspace(ws).ok
    ops.add_record(ws, "finding", "F2")  # the next writer sweeps the leftover
    assert not [e for e in os.scandir(path.parent) if e.name.endswith(".tmp")]
