"""The process tree of one run: find every descendant, sample its RSS, kill it all.

Descendants are found three ways, because commands escape in different ways:
- the child's process group (setsid'ed by us: pgid == child pid);
- the child's descendants by parent pid, remembered as they are seen;
- a cookie variable in the environment every descendant inherits (as Jenkins'
  process-tree killer does), which finds daemons that called setsid and
  double-forked; with govkit as child subreaper they reparent to us, not init.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

COOKIE_VAR = "GOVKIT_SAFE_RUN_ID"
_PR_SET_CHILD_SUBREAPER = 36

_subreaper_lock = threading.Lock()
_subreaper_users = 0
_HAVE_PROC = os.path.isdir("/proc/self")


def _prctl_subreaper(on: bool) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def enter_subreaper() -> bool:
    """Make this process the child subreaper while a run is active (reference-counted)."""
    global _subreaper_users
    with _subreaper_lock:
        if _subreaper_users == 0 and not _prctl_subreaper(True):
            return False
        _subreaper_users += 1
        return True


def leave_subreaper() -> None:
    """Undo enter_subreaper when the last run ends."""
    global _subreaper_users
    with _subreaper_lock:
        _subreaper_users -= 1
        if _subreaper_users == 0:
            _prctl_subreaper(False)


def _has_cookie(proc: psutil.Process, cookie: bytes) -> bool:
    if _HAVE_PROC:
        # Raw /proc/<pid>/environ: cheaper than psutil's parsed dict, and exact.
        try:
            with open(f"/proc/{proc.pid}/environ", "rb") as fh:
                return cookie in fh.read()
        except OSError:
            return False
    import psutil

    name, _, value = cookie.decode().rstrip("\0").partition("=")
    try:
        return bool(proc.environ().get(name) == value)
    except (psutil.Error, OSError):
        return False


class ProcessTree:
    """Everything one run started, for RSS sampling and for killing."""

    def __init__(self, root_pid: int, cookie: str, *, subreaper: bool) -> None:
        import psutil

        self._psutil = psutil
        self.root_pid = root_pid
        self._cookie = f"{COOKIE_VAR}={cookie}\0".encode()
        self._subreaper = subreaper
        self._me = psutil.Process()
        self.seen: dict[int, psutil.Process] = {}
        try:
            self._root: psutil.Process | None = psutil.Process(root_pid)
            self.seen[root_pid] = self._root
        except psutil.Error:
            self._root = None

    def members(self, *, full_scan: bool = False) -> list[psutil.Process]:
        """Live processes of this run (root included while it is alive)."""
        ps = self._psutil
        found: dict[int, psutil.Process] = {}
        if self._root is not None:
            with contextlib.suppress(ps.Error):
                if self._root.is_running():
                    found[self.root_pid] = self._root
                    for p in self._root.children(recursive=True):
                        found[p.pid] = p
        # Orphans reparented to us (subreaper) carry the cookie.
        with contextlib.suppress(ps.Error):
            for p in self._me.children(recursive=True):
                if p.pid not in found and (p.pid in self.seen or _has_cookie(p, self._cookie)):
                    found[p.pid] = p
        if full_scan or not self._subreaper:
            uid = os.getuid()
            for p in ps.process_iter():
                with contextlib.suppress(ps.Error):
                    if (
                        p.pid not in found
                        and p.pid != self._me.pid
                        and p.uids().real == uid
                        and _has_cookie(p, self._cookie)
                    ):
                        found[p.pid] = p
        for pid, old in list(self.seen.items()):
            if pid not in found:
                with contextlib.suppress(ps.Error):
                    if old.is_running() and old.status() != ps.STATUS_ZOMBIE:
                        found[pid] = old
        alive: list[psutil.Process] = []
        for pid, p in found.items():
            with contextlib.suppress(ps.Error):
                if p.status() != ps.STATUS_ZOMBIE:
                    alive.append(p)
                    self.seen.setdefault(pid, p)
        return alive

    def rss(self, members: list[psutil.Process]) -> int:
        """Sum of resident set sizes (shared pages counted per process, as `ps` does)."""
        total = 0
        for p in members:
            with contextlib.suppress(self._psutil.Error):
                total += p.memory_info().rss
        return total

    def signal_all(self, sig: int, *, full_scan: bool = False, exclude_root: bool = False) -> int:
        """Send sig to the process group and every member; how many processes got it."""
        targets = [
            p
            for p in self.members(full_scan=full_scan)
            if not (exclude_root and p.pid == self.root_pid)
        ]
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.root_pid, sig)
        for p in targets:
            with contextlib.suppress(self._psutil.Error):
                p.send_signal(sig)
        return len(targets)

    def leftovers(self) -> list[psutil.Process]:
        """Members still alive once the root has exited."""
        return [p for p in self.members(full_scan=not self._subreaper) if p.pid != self.root_pid]

    def reap(self) -> None:
        """Collect zombies of our orphaned descendants (only pids this run saw)."""
        for pid in list(self.seen):
            if pid == self.root_pid:
                continue  # Popen owns the root's exit status
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)


def kill_signal_name(sig: int) -> str:
    """'SIGKILL' for 9."""
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
