"""Kernel OOM kills and cgroup headroom, in a real memory cgroup made for the test.

Needs a writable memory cgroup (root, or a delegated cgroup v2 subtree); where there is
none the tests are skipped and say so, since a cgroup limit cannot be faked honestly.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govkit.evidence.record import Outcome
from govkit.saferun import SafeRunSpec, safe_run
from govkit.saferun.memory import memory_cgroups
from tests.helpers import govkit_env

LIMIT = 64 * 1024 * 1024


def _make_child(own: Path, limit_files: list[str]) -> Path | None:
    child = own / f"govkit-test-{os.getpid()}-{time.time_ns() % 10**9}"
    try:
        child.mkdir()
    except OSError:
        return None
    try:
        for name in limit_files:  # memory first: v1 wants memsw >= memory
            if (child / name).exists():
                (child / name).write_text(str(LIMIT))
        return child
    except OSError:
        child.rmdir()
        return None


@pytest.fixture
def memory_cgroup() -> Iterator[Path]:
    """A child of our own memory cgroup limited to 64 MiB (memory and swap)."""
    child = None
    for version, dirs in memory_cgroups():
        own = dirs[0]
        if version == "v1" and (own / "memory.limit_in_bytes").exists():
            child = _make_child(own, ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"])
        elif version == "v2" and "memory" in _read(own / "cgroup.subtree_control"):
            child = _make_child(own, ["memory.max", "memory.swap.max"])
        if child is not None:
            break
    if child is None:
        pytest.skip("no writable memory cgroup here (needs root or a delegated cgroup)")
    yield child
    for _ in range(50):  # the cgroup can be removed once its last process is gone
        with contextlib.suppress(OSError):
            child.rmdir()
            return
        time.sleep(0.1)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def test_kernel_oom_kill_is_outcome_oom(tmp_path: Path, memory_cgroup: Path) -> None:
    hog = f"{sys.executable} -c 'x = bytearray(400 * 1024 * 1024)'"
    script = f"echo $$ > {memory_cgroup}/cgroup.procs && exec {hog}"
    spec = SafeRunSpec(
        argv=["sh", "-c", script], cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "l"
    )
    r = safe_run(spec)
    assert (r.outcome, r.wrapper_exit, r.signal) == (Outcome.OOM, 137, 9)
    assert "OOM killer" in r.message


def govkit_in_cgroup(cgroup: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """Run `govkit safe-run --json ARGS` as a process that first moves into the cgroup."""
    inner = " ".join([sys.executable, "-m", "govkit", "safe-run", "--json", *args])
    env = govkit_env()
    proc = subprocess.run(
        ["sh", "-c", f"echo $$ > {cgroup}/cgroup.procs && exec {inner}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.slow
def test_admission_uses_the_cgroup_limit_and_headroom(memory_cgroup: Path) -> None:
    code, data = govkit_in_cgroup(memory_cgroup, "--mem", "100M", "--", "true")
    assert code == 75
    assert data["outcome"] == "refused" and "cgroup limit is 64M" in data["message"]
    code, data = govkit_in_cgroup(memory_cgroup, "--mem", "1M", "--", "true")
    assert code == 0
    admission = data["admission"]
    assert 0 < admission["cgroup_headroom"] <= LIMIT
    assert admission["available"] == admission["cgroup_headroom"]
