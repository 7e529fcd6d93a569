"""The workspace lock: one mutating govkit process at a time per workspace.

flock(2) on `.govkit/lock`: the kernel releases it when the holder dies, so a
crashed govkit never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from govkit.errors import LockTimeout

DEFAULT_LOCK_TIMEOUT = 60.0
WAIT_NOTICE_AFTER = 1.0

# Told once when a lock has been busy for WAIT_NOTICE_AFTER seconds, so a waiting command does
# not look hung. The CLI sets it (stderr, terminals only); the core itself never prints.
on_wait: Callable[[str], None] | None = None

# Locks this thread already holds (resolved path -> depth): a core function that
# takes the workspace lock can be called by code that holds it already.
_held = threading.local()


@contextmanager
def file_lock(
    path: Path, *, timeout: float = DEFAULT_LOCK_TIMEOUT, what: str = "lock"
) -> Iterator[None]:
    """Hold an exclusive flock on `path` for the duration of the block (reentrant per thread)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    held: dict[str, int] = _held.__dict__.setdefault("depth", {})
    key = str(path.resolve())
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        start = time.monotonic()
        deadline = start + timeout
        delay = 0.005
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if not told and on_wait is not None and now - start >= WAIT_NOTICE_AFTER:
                    told = True
                    on_wait(f"waiting for the {what} ({_read_holder(fd)}), up to {timeout:.0f}s")
                if now >= deadline:
                    holder = _read_holder(fd)
                    raise LockTimeout(
                        f"another govkit process holds the {what} ({holder})",
                        path=path,
                        hint="wait for it to finish, or check that it is not stuck",
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)
        held[key] = 1
        try:
            yield
        finally:
            held.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 100, 0).decode(errors="replace").strip() or "unknown pid"
    except OSError:
        return "unknown pid"
