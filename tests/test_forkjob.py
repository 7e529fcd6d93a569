"""Forked jobs: a value from another process, or None, never a hang or a stray child."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from govkit import forkjob
from govkit.forkjob import ForkJob

needs_fork = pytest.mark.skipif(
    not forkjob.can_fork(), reason="forked jobs run on Linux with two cores or more"
)


def _pid_and(value: Any) -> tuple[int, Any]:
    return os.getpid(), value


def _fail() -> None:
    raise RuntimeError("a bug in the job")


def _not_marshallable() -> object:
    return object()


def _exit_hard() -> None:
    os._exit(3)


def _sleep() -> None:
    time.sleep(60)


def _big() -> bytes:
    return b"x" * (5 << 20)  # far more than a pipe holds: the parent must drain it


@needs_fork
def test_the_value_is_computed_in_another_process() -> None:
    job = ForkJob.start(_pid_and, {"a": [1, 2.5, None, True, "é"]})
    assert job is not None
    pid, value = job.result()
    assert pid != os.getpid()
    assert value == {"a": [1, 2.5, None, True, "é"]}
    assert job.result() is None  # given once; the child is reaped


@needs_fork
def test_a_big_value_comes_through_the_pipe_whole() -> None:
    job = ForkJob.start(_big)
    assert job is not None
    assert job.result() == b"x" * (5 << 20)


@needs_fork
@pytest.mark.parametrize("fn", [_fail, _not_marshallable, _exit_hard])
def test_a_child_that_fails_gives_none(fn: Any) -> None:
    job = ForkJob.start(fn)
    assert job is not None
    assert job.result() is None


@needs_fork
def test_cancel_stops_a_child_at_once() -> None:
    job = ForkJob.start(_sleep)
    assert job is not None
    pid = job._pid
    t0 = time.monotonic()
    with job:
        pass  # leaving the block without asking for the value cancels it
    assert time.monotonic() - t0 < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left behind


def test_no_fork_with_one_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(forkjob.JOBS_ENV, "1")
    assert forkjob.cores() == 1
    assert not forkjob.can_fork()
    assert ForkJob.start(_pid_and, 1) is None


@needs_fork
def test_no_fork_while_another_thread_runs() -> None:
    # A fork copies only the calling thread: a lock held by another would stay held.
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert ForkJob.start(_pid_and, 1) is None
    finally:
        stop.set()
        other.join()
    job = ForkJob.start(_pid_and, 1)
    assert job is not None and job.result()[1] == 1


def test_jobs_setting_is_read_as_a_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(forkjob.JOBS_ENV, "3")
    assert forkjob.cores() == 3
    for bad in ("0", "two", ""):
        monkeypatch.setenv(forkjob.JOBS_ENV, bad)
        assert forkjob.cores() == len(os.sched_getaffinity(0))
