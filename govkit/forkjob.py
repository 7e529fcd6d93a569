"""Work done in a forked child while this process goes on: the second core on a cold load.

A cold `render status` reads 10,000 record files and scans an 86 MB ledger, one after
the other, on one core. A `ForkJob` computes one of them in a child made by `os.fork`
(which starts at once, with every module already imported) and hands back its value,
marshalled through a pipe. A job is only an optimisation: where forking is not
possible or not wise (no fork, one core, other threads running, `GOVKIT_JOBS=1`) none
is started, and a child that fails for any reason gives None, so the caller does the
work itself, exactly as it would without one (D-024).
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

JOBS_ENV = "GOVKIT_JOBS"


def cores() -> int:
    """How many processes may work at once: GOVKIT_JOBS, else the cores this process may use."""
    raw = os.environ.get(JOBS_ENV, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True when a child may be forked here: Linux, several cores, no other threads."""
    # macOS and others: fork after some system libraries have started threads is unsafe.
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and cores() > 1
        and threading.active_count() == 1
    )


class ForkJob:
    """`fn(*args)` computed in a forked child; `result()` gives its value, or None."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd

    @classmethod
    def start(cls, fn: Callable[..., Any], *args: Any) -> ForkJob | None:
        """Fork a child that computes `fn(*args)`; None when forking is not done here.

        The value must be something `marshal` writes (None, bool, int, float, str,
        bytes, and lists, tuples and dicts of them).
        """
        if not can_fork():
            return None
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # the child: compute, write, and leave without running any cleanup
            code = 1
            try:
                os.close(read_fd)
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it quietly
                gc.disable()  # a short life: what it makes is freed by its exit
                blob = marshal.dumps(fn(*args))
                view = memoryview(blob)
                while view:
                    view = view[os.write(write_fd, view) :]
                code = 0
            except BaseException:  # any failure: the parent does the work itself
                code = 1
            finally:
                os._exit(code)  # no atexit handlers, no flush of the parent's stdio buffers
        os.close(write_fd)
        return cls(pid, read_fd)

    def result(self) -> Any:
        """The child's value (waits for it); None when the child failed."""
        if self._fd < 0:
            return None
        chunks = []
        try:
            while chunk := os.read(self._fd, 1 << 20):
                chunks.append(chunk)
        except OSError:
            chunks = []
        finally:
            os.close(self._fd)
            self._fd = -1
        _, status = os.waitpid(self._pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or not chunks:
            return None
        try:
            return marshal.loads(b"".join(chunks))
        except (EOFError, ValueError, TypeError):
            return None

    def cancel(self) -> None:
        """Stop a child whose value is no longer wanted (no-op once `result` was called)."""
        if self._fd < 0:
            return
        os.close(self._fd)
        self._fd = -1
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)

    def __enter__(self) -> ForkJob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()
