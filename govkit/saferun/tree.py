"""The process tree of one run: find every descendant, sample its RSS, kill it all.

Descendants are found three ways, because commands escape in different ways:
- the child's process group (we setsid it: pgid == child pid);
- the child's descendants by parent pid, remembered once seen;
- a cookie variable in the environment every descendant inherits (as Jenkins'
  process-tree killer does), which finds daemons that called setsid and
  double-forked; with govkit as child subreaper they reparent to us, not init.

On Linux the process table is read from /proc directly: it is what psutil
would read, without its import cost on every `govkit safe-run`. Elsewhere
psutil does the reading.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

COOKIE_VAR = "GOVKIT_SAFE_RUN_ID"
_PR_SET_CHILD_SUBREAPER = 36
_HAVE_PROC = os.path.isdir("/proc/self") and sys.platform.startswith("linux")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

_subreaper_lock = threading.Lock()
_subreaper_users = 0


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


class ProcInfo:
    """One row of the process table (a slotted class: cheaper to define than a dataclass)."""

    __slots__ = ("pgid", "pid", "ppid", "start", "zombie")

    def __init__(self, pid: int, ppid: int, pgid: int, start: float, zombie: bool) -> None:
        self.pid = pid
        self.ppid = ppid
        self.pgid = pgid
        self.start = start  # with pid, identifies a process across pid reuse
        self.zombie = zombie


def _read_stat(pid: int) -> ProcInfo | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces or ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        return ProcInfo(
            pid=pid,
            ppid=int(fields[1]),
            pgid=int(fields[2]),
            start=float(fields[19]),
            zombie=fields[0] in (b"Z", b"X"),
        )
    except (IndexError, ValueError):
        return None


def process_table() -> dict[int, ProcInfo]:
    """Every process visible to us, by pid."""
    if not _HAVE_PROC:
        return _psutil_table()
    table: dict[int, ProcInfo] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = _read_stat(int(name))
            if info is not None:
                table[info.pid] = info
    return table


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                out.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return out


def descendant_table(pid: int) -> dict[int, ProcInfo]:
    """The processes below `pid` only, walking the kernel's children lists.

    While we are subreaper every process of a run stays below us, so this finds
    them all without reading every process on the machine.
    """
    table: dict[int, ProcInfo] = {}
    stack = [pid]
    while stack:
        for child in _children(stack.pop()):
            info = _read_stat(child)
            if info is not None and child not in table:
                table[child] = info
                stack.append(child)
    return table


def children_lists_available() -> bool:
    """Whether /proc exposes per-task children lists (CONFIG_PROC_CHILDREN)."""
    return _HAVE_PROC and os.path.exists(f"/proc/self/task/{os.getpid()}/children")


def _psutil_table() -> dict[int, ProcInfo]:
    import psutil

    table: dict[int, ProcInfo] = {}
    for p in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            table[p.pid] = ProcInfo(
                pid=p.pid,
                ppid=p.ppid(),
                pgid=os.getpgid(p.pid),
                start=p.create_time(),
                zombie=p.status() == psutil.STATUS_ZOMBIE,
            )
    return table


def has_cookie(pid: int, cookie: bytes) -> bool:
    """Whether the process's environment carries this run's cookie."""
    if _HAVE_PROC:
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                return cookie in fh.read()
        except OSError:
            return False
    import psutil

    name, _, value = cookie.decode().strip("\0").partition("=")
    try:
        return bool(psutil.Process(pid).environ().get(name) == value)
    except (psutil.Error, OSError):
        return False


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 when it is gone)."""
    if _HAVE_PROC:
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                return int(fh.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            return 0
    import psutil

    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


def _same_uid(pid: int) -> bool:
    try:
        return os.stat(f"/proc/{pid}").st_uid == os.getuid()
    except OSError:
        return False


class ProcessTree:
    """Everything one run started, for RSS sampling and for killing."""

    def __init__(self, root_pid: int, cookie: str, *, subreaper: bool) -> None:
        self.root_pid = root_pid
        self._cookie = f"\0{COOKIE_VAR}={cookie}\0".encode()
        self._subreaper = subreaper
        self._me = os.getpid()
        self.seen: dict[int, float] = {}  # pid -> start time, everything ever found
        self._cookie_checked: dict[tuple[int, float], bool] = {}
        self._walk = subreaper and children_lists_available()

    def _marked(self, info: ProcInfo) -> bool:
        key = (info.pid, info.start)
        if key not in self._cookie_checked:
            # Prefix a NUL so the cookie also matches as the first variable.
            self._cookie_checked[key] = has_cookie(info.pid, self._cookie) or has_cookie(
                info.pid, self._cookie[1:]
            )
        return self._cookie_checked[key]

    def members(self, *, full_scan: bool = False) -> list[ProcInfo]:
        """Live (non-zombie) processes of this run, the root included while it runs."""
        table = descendant_table(self._me) if self._walk and not full_scan else process_table()
        children: dict[int, list[int]] = {}
        for info in table.values():
            children.setdefault(info.ppid, []).append(info.pid)

        def descendants(pid: int) -> list[int]:
            out, stack = [], [pid]
            while stack:
                for c in children.get(stack.pop(), ()):
                    out.append(c)
                    stack.append(c)
            return out

        found: set[int] = set()
        root = table.get(self.root_pid)
        if root is not None and self.seen.get(self.root_pid, root.start) == root.start:
            found.add(self.root_pid)
            found.update(descendants(self.root_pid))
        for info in table.values():
            if info.pgid == self.root_pid:
                found.add(info.pid)
        # Orphans reparented to us (subreaper), recognised by the cookie.
        for pid in descendants(self._me):
            if pid not in found and self._marked(table[pid]):
                found.add(pid)
        if full_scan or not self._subreaper:
            for info in table.values():
                if (
                    info.pid not in found
                    and info.pid != self._me
                    and _same_uid(info.pid)
                    and self._marked(info)
                ):
                    found.add(info.pid)
        for pid, start in self.seen.items():
            if pid in table and table[pid].start == start:
                found.add(pid)
        alive = []
        for pid in found:
            row = table.get(pid)
            if row is None or row.zombie or pid == self._me:
                continue
            if self.seen.setdefault(pid, row.start) != row.start:
                continue  # pid reused by an unrelated process
            alive.append(row)
        return alive

    def rss(self, members: list[ProcInfo]) -> int:
        """Sum of resident set sizes (shared pages counted per process, as `ps` does)."""
        return sum(rss_bytes(p.pid) for p in members)

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
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(p.pid, sig)
        return len(targets)

    def leftovers(self) -> list[ProcInfo]:
        """Members still alive once the root has exited."""
        return [p for p in self.members(full_scan=not self._subreaper) if p.pid != self.root_pid]

    def reap(self) -> None:
        """Collect zombies of our orphaned descendants (only pids this run saw)."""
        for pid in list(self.seen):
            if pid == self.root_pid:
                continue  # the root's exit status belongs to the supervisor
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)


def kill_signal_name(sig: int) -> str:
    """'SIGKILL' for 9."""
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"
