"""Heavy slots: at most N heavy commands at once per machine, by flock on slot files."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from govkit.timeutil import rfc3339

_POLL = 0.2  # seconds between tries while every slot is taken
_REPORT_EVERY = 5.0  # seconds between "waiting for heavy slot" events


# Set in a heavy command's environment: the slot file it holds. A heavy safe-run
# started inside it (a test suite that runs gates) is part of the same heavy job
# and must not wait for a slot its own ancestor holds: with one slot, it never frees.
SLOT_VAR = "GOVKIT_HEAVY_SLOT"


def inherited_slot(lock_dir: Path) -> Path | None:
    """The slot an enclosing heavy command holds in `lock_dir`, if we run inside one."""
    held = os.environ.get(SLOT_VAR)
    if not held:
        return None
    path = Path(held)
    if path.parent.resolve() != lock_dir.resolve() or not path.is_file():
        return None
    return path


def default_lock_dir() -> Path:
    """$GOVKIT_SLOT_DIR, else /tmp/govkit-slots-<uid> (machine-wide for this user)."""
    env = os.environ.get("GOVKIT_SLOT_DIR")
    if env:
        return Path(env)
    return Path("/tmp") / f"govkit-slots-{os.getuid()}"


@dataclass
class HeldSlot:
    """An acquired slot; the flock lives as long as `fd` is open (in us or in the child)."""

    index: int
    path: Path
    fd: int
    waited_s: float
    holder_seen: str | None

    def release(self) -> None:
        """Clear the holder line and drop the lock."""
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        os.close(self.fd)  # closing our descriptor releases the flock (if no child holds it)
        self.fd = -1


def read_holder(path: Path) -> str:
    """The holder line written into a slot file ('' when unknown)."""
    try:
        return path.read_text(errors="replace").strip()
    except OSError:
        return ""


def acquire_slot(
    lock_dir: Path,
    slots: int,
    *,
    label: str,
    on_event: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    nap: Callable[[float], None] = time.sleep,
) -> HeldSlot | None:
    """Take one of `slots` slot files, waiting as long as it takes; None if stopped.

    `nap` sleeps between tries; the supervisor passes one that wakes on Ctrl-C.
    """
    lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    paths = [lock_dir / f"slot-{i}.lock" for i in range(max(1, slots))]
    start = time.monotonic()
    last_report = -_REPORT_EVERY
    holder_seen: str | None = None
    while True:
        for index, path in enumerate(paths):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            info = f"{label or 'govkit safe-run'} pid {os.getpid()} since {rfc3339()}\n"
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode("utf-8"), 0)
            return HeldSlot(index, path, fd, time.monotonic() - start, holder_seen)
        holders = [h for h in (read_holder(p) for p in paths) if h]
        if holders:
            holder_seen = "; ".join(holders)
        now = time.monotonic()
        if on_event is not None and now - last_report >= _REPORT_EVERY:
            on_event(f"waiting for heavy slot: held by {holder_seen or 'unknown holder'}")
            last_report = now
        if should_stop():
            return None
        nap(_POLL)
