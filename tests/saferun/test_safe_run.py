"""safe_run with real processes: exit codes, timeouts, tree kill, memory, secrets."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest

from govkit.evidence.record import Outcome
from govkit.saferun import SafeRunResult, SafeRunSpec, safe_run
from tests.helpers import REPO_ROOT


def run(tmp_path: Path, argv: list[str], **kw: Any) -> SafeRunResult:
    spec = SafeRunSpec(
        argv=argv, cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "logs", **kw
    )
    return safe_run(spec)


def dead(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_pass_and_logs(tmp_path: Path) -> None:
    r = run(tmp_path, ["sh", "-c", "echo out; echo err >&2"])
    assert (r.outcome, r.wrapper_exit, r.exit_code) == (Outcome.PASS, 0, 0)
    assert r.stdout_path.read_text() == "out\n"
    assert r.stderr_path.read_text() == "err\n"
    assert r.started_at.endswith("Z") and r.ended_at >= r.started_at
    assert r.admission["mem_available"] > 0


def test_child_exit_code_passes_through(tmp_path: Path) -> None:
    r = run(tmp_path, ["sh", "-c", "exit 3"])
    assert (r.outcome, r.wrapper_exit, r.exit_code) == (Outcome.FAIL, 3, 3)
    assert r.message == "exit code 3"


def test_timeout_is_124(tmp_path: Path) -> None:
    r = run(tmp_path, ["sleep", "30"], timeout=0.3, grace=0.5)
    assert (r.outcome, r.wrapper_exit) == (Outcome.TIMEOUT, 124)
    assert r.duration_s < 5


@pytest.mark.slow
def test_timeout_escalates_to_kill_when_term_is_ignored(tmp_path: Path) -> None:
    # sh sets SIGTERM to ignored within milliseconds of starting, and sleep inherits it.
    # (A Python child took longer than the 0.5 s timeout to start on a loaded machine,
    # so TERM arrived before it was ignored and the run ended by SIGTERM, not SIGKILL.)
    script = "trap '' TERM; echo ready; sleep 30"
    r = run(tmp_path, ["sh", "-c", script], timeout=1.0, grace=0.3)
    assert (r.outcome, r.wrapper_exit, r.signal) == (Outcome.TIMEOUT, 124, signal.SIGKILL)


def test_not_found_is_127_and_not_executable_is_126(tmp_path: Path) -> None:
    r = run(tmp_path, ["govkit-no-such-command-xyz"])
    assert (r.outcome, r.wrapper_exit) == (Outcome.ERROR, 127)
    assert "not found" in r.message
    plain = tmp_path / "plain.txt"
    plain.write_text("not a program\n")
    r = run(tmp_path, [str(plain)])
    assert (r.outcome, r.wrapper_exit) == (Outcome.ERROR, 126)


def test_missing_cwd_is_a_wrapper_error(tmp_path: Path) -> None:
    spec = SafeRunSpec(
        argv=["true"], cwd=tmp_path / "nope", env=dict(os.environ), log_dir=tmp_path / "l"
    )
    r = safe_run(spec)
    assert (r.outcome, r.wrapper_exit) == (Outcome.ERROR, 125)


def test_sigkilled_child_is_137(tmp_path: Path) -> None:
    r = run(tmp_path, ["sh", "-c", "kill -9 $$"])
    assert (r.outcome, r.wrapper_exit, r.signal, r.exit_code) == (
        Outcome.FAIL,
        137,
        signal.SIGKILL,
        None,
    )
    assert "SIGKILL" in r.message


def test_memory_need_above_total_is_refused_at_once(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    r = run(tmp_path, ["touch", str(marker)], mem_need=1 << 50, admission_wait=60)
    assert (r.outcome, r.wrapper_exit) == (Outcome.REFUSED, 75)
    assert r.duration_s < 5 and not marker.exists()
    assert r.admission["need"] == 1 << 50


def test_memory_cap_kills_the_tree_as_oom(tmp_path: Path) -> None:
    script = "x = bytearray(300 * 1024 * 1024); import time; time.sleep(30)"
    r = run(tmp_path, [sys.executable, "-c", script], mem_cap=100 * 1024 * 1024, grace=0.5)
    assert (r.outcome, r.wrapper_exit) == (Outcome.OOM, 137)
    assert r.peak_rss_bytes is not None and r.peak_rss_bytes > 100 * 1024 * 1024
    assert "memory cap" in r.message


def test_peak_rss_covers_grandchildren(tmp_path: Path) -> None:
    script = "x = bytearray(80 * 1024 * 1024); import time; time.sleep(0.6)"
    r = run(tmp_path, ["sh", "-c", f"{sys.executable} -c '{script}'; true"])
    assert r.outcome is Outcome.PASS
    assert r.peak_rss_bytes is not None and r.peak_rss_bytes > 80 * 1024 * 1024


ESCAPER = textwrap.dedent(
    """
    import os, subprocess, sys, time
    pids, marker = sys.argv[1], sys.argv[2]
    a = subprocess.Popen(["sleep", "300"])                                # plain grandchild
    b = subprocess.Popen(["sleep", "300"], start_new_session=True)       # setsid'ed
    c = subprocess.Popen(["setsid", "-f", "sleep", marker])               # setsid(1), forked
    c.wait()                                                               # it has forked
    r, w = os.pipe()
    if os.fork() == 0:                                                    # double-forked daemon
        os.setsid()
        if os.fork() == 0:
            os.write(w, str(os.getpid()).encode())
            os.close(w)
            time.sleep(300)
            os._exit(0)
        os._exit(0)
    os.close(w)
    daemon = os.read(r, 100).decode()
    with open(pids, "w") as fh:
        fh.write(f"{a.pid} {b.pid} {daemon}")
    print("spawned", flush=True)
    time.sleep(300)
    """
)


def _sleepers(arg: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        if p.info["cmdline"] == ["sleep", arg] and not dead(p.pid):
            found.append(p)
    return found


@pytest.mark.slow
def test_timeout_kills_grandchildren_that_escaped_the_group(tmp_path: Path) -> None:
    pids_file = tmp_path / "pids"
    # A sleep length unique to this test run: other checkouts may run this suite meanwhile.
    marker = f"3000.{os.getpid()}{time.time_ns() % 10**6}"
    argv = [sys.executable, "-c", ESCAPER, str(pids_file), marker]
    r = run(tmp_path, argv, timeout=2.0, grace=0.5)
    assert r.outcome is Outcome.TIMEOUT
    pids = [int(p) for p in pids_file.read_text().split()]
    assert len(pids) == 3
    time.sleep(0.2)
    assert [p for p in pids if not dead(p)] == []
    assert _sleepers(marker) == []


def test_finished_command_leaves_no_daemon(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    # The command exits only once its daemon exists: this test is about daemons left
    # behind, not about a fork still in flight at the moment the command exits.
    script = (
        f"(setsid sleep 300 & echo $! > {pid_file}) ; "
        f"while [ ! -s {pid_file} ]; do sleep 0.01; done; sleep 0.1; echo done"
    )
    r = run(tmp_path, ["sh", "-c", script], grace=0.5)
    assert r.outcome is Outcome.PASS
    assert r.leftovers_killed >= 1 and "leftover" in r.message
    assert dead(int(pid_file.read_text()))


def test_planted_secret_is_scrubbed_even_when_split(tmp_path: Path) -> None:
    secret = "tok-9f8e7d6c5b4a"
    script = (
        f"printf 'key={secret}\\n'; printf 'tok-9f8e'; sleep 0.1; printf '7d6c5b4a\\n'; "
        f"echo {secret} >&2; printf 'tok-9f8e7'"
    )
    r = run(tmp_path, ["sh", "-c", script], secrets=[secret])
    assert r.outcome is Outcome.PASS
    out = r.stdout_path.read_bytes()
    assert out == b"key=***\n***\ntok-9f8e7"
    assert r.stderr_path.read_bytes() == b"***\n"


def test_need_above_available_waits_then_refuses(tmp_path: Path) -> None:
    from govkit.saferun.memory import snapshot

    snap = snapshot()
    assert snap.available is not None and snap.ceiling is not None
    # All of the memory: possible in principle (not refused at once), never available
    # (the kernel always holds some), whatever else the machine is doing meanwhile.
    need = snap.ceiling
    events: list[str] = []
    spec = SafeRunSpec(
        argv=["true"],
        cwd=tmp_path,
        env=dict(os.environ),
        log_dir=tmp_path / "logs",
        mem_need=need,
        admission_wait=0.6,
    )
    r = safe_run(spec, on_event=events.append)
    assert (r.outcome, r.wrapper_exit) == (Outcome.REFUSED, 75)
    assert r.admission["waited_s"] >= 0.6
    assert "after waiting" in r.message
    assert events and events[0].startswith("waiting for memory: need")


def test_need_within_available_is_admitted(tmp_path: Path) -> None:
    r = run(tmp_path, ["true"], mem_need=1024 * 1024)
    assert r.outcome is Outcome.PASS
    assert r.admission["available"] >= 1024 * 1024 and r.admission["waited_s"] < 1


def test_slots_bound_concurrency_across_threads(tmp_path: Path) -> None:
    stamper = "import sys,time; s=time.time(); time.sleep(0.3); open(sys.argv[1],'w').write(f'{s} {time.time()}')"
    events: list[str] = []

    def one(i: int) -> SafeRunResult:
        spec = SafeRunSpec(
            argv=[sys.executable, "-c", stamper, str(tmp_path / f"t{i}")],
            cwd=tmp_path,
            env=dict(os.environ),
            log_dir=tmp_path / f"logs{i}",
            heavy=True,
            slots=2,
            lock_dir=tmp_path / "locks",
            label=f"job{i}",
        )
        return safe_run(spec, on_event=events.append)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(4)))
    assert all(r.outcome is Outcome.PASS for r in results)
    assert {r.admission["slot"] for r in results} <= {0, 1}
    spans = [tuple(map(float, (tmp_path / f"t{i}").read_text().split())) for i in range(4)]
    for start, _ in spans:  # at any start, at most two runs are inside their span
        assert sum(1 for s, e in spans if s <= start < e) <= 2, spans
    assert any(e.startswith("waiting for heavy slot: held by job") for e in events)


def test_nested_heavy_run_inherits_its_ancestors_slot(tmp_path: Path) -> None:
    # A heavy gate whose command runs heavy gates itself (govkit's own suite runs the demo):
    # with one slot, the inner run waiting for the outer one's slot would never start.
    slots = tmp_path / "slots"
    inner = (
        f"{sys.executable} -m govkit safe-run --heavy --slots 1 --json "
        f"--log-dir {tmp_path / 'inner'} -- true > {tmp_path / 'inner.json'}"
    )
    env = {**os.environ, "GOVKIT_SLOT_DIR": str(slots), "PYTHONPATH": str(REPO_ROOT)}
    spec = SafeRunSpec(
        argv=[inner], shell=True, cwd=tmp_path, env=env, log_dir=tmp_path / "outer",
        heavy=True, slots=1, lock_dir=slots, timeout=60,
    )  # fmt: skip
    outer = safe_run(spec)
    assert outer.outcome is Outcome.PASS, outer.stderr_path.read_text()
    assert outer.admission["slot"] == 0
    nested = json.loads((tmp_path / "inner.json").read_text())
    assert nested["admission"]["slot"] == "inherited"
    # A sibling (not nested) heavy run in the same lock dir still takes a slot of its own.
    sibling = safe_run(
        SafeRunSpec(
            argv=["true"], cwd=tmp_path, env=dict(os.environ), log_dir=tmp_path / "sib",
            heavy=True, slots=1, lock_dir=slots,
        )
    )  # fmt: skip
    assert sibling.admission["slot"] == 0
