"""safe_run: heavy slot, memory admission, launch, watch, kill, result (DESIGN.md §5)."""

from __future__ import annotations

import contextlib
import os
import select
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from govkit.evidence.outcome import Outcome
from govkit.saferun import memory
from govkit.saferun.model import (
    EXIT_CANNOT_RUN,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_OOM,
    EXIT_REFUSED,
    EXIT_TIMEOUT,
    EXIT_WRAPPER,
    SafeRunResult,
    SafeRunSpec,
)
from govkit.saferun.scrub import StreamScrubber
from govkit.saferun.slots import (
    SLOT_VAR,
    HeldSlot,
    acquire_slot,
    default_lock_dir,
    inherited_slot,
)
from govkit.saferun.tree import (
    COOKIE_VAR,
    ProcessTree,
    enter_subreaper,
    kill_signal_name,
    leave_subreaper,
)
from govkit.timeutil import rfc3339
from govkit.units import format_duration, format_size

EventSink = Callable[[str], None]

_CHUNK = 1 << 20
_F_SETPIPE_SZ = 1031  # Linux: bigger pipes mean fewer, larger reads
_DRAIN_LIMIT = 2.0  # seconds to wait for pipe EOF once every process is gone
_ADMISSION_REPORT_EVERY = 5.0


class _Interrupts:
    """Ctrl-C, SIGTERM or SIGHUP to govkit: remembered, and wakes the watch loop."""

    _SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.signum: int | None = None
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Interrupts:
        # Handlers can only be installed from the main thread; elsewhere the caller
        # (e.g. a gate runner's own handler) is responsible for stopping us.
        if threading.current_thread() is threading.main_thread():
            for sig in self._SIGNALS:
                with contextlib.suppress(ValueError, OSError):
                    self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        with contextlib.suppress(OSError):
            os.write(self.wfd, b"x")

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        os.close(self.rfd)
        os.close(self.wfd)

    @property
    def stopped(self) -> bool:
        return self.signum is not None

    def wait(self, seconds: float) -> None:
        """Sleep, but wake at once when a signal arrives."""
        if not self.stopped:
            select.select([self.rfd], [], [], seconds)

    def drain(self) -> None:
        with contextlib.suppress(OSError):
            while os.read(self.rfd, 64):
                pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class _Stream:
    """One output pipe of the child: read in chunks, scrubbed, to the log (and terminal)."""

    def __init__(self, fd: int, log_fd: int, tee_fd: int | None, secrets: list[str]) -> None:
        self.fd = fd
        self.log_fd = log_fd
        self.tee_fd = tee_fd
        self.scrubber = StreamScrubber(secrets)
        self.open = True
        os.set_blocking(fd, False)
        with contextlib.suppress(OSError, AttributeError):
            import fcntl

            fcntl.fcntl(fd, _F_SETPIPE_SZ, _CHUNK)

    def pump(self) -> None:
        """Move what is available now; close at EOF."""
        try:
            data = os.read(self.fd, _CHUNK)
        except BlockingIOError:
            return
        if not data:
            self.close()
            return
        self._emit(self.scrubber.feed(data))

    def close(self) -> None:
        if self.open:
            self._emit(self.scrubber.flush())
            os.close(self.fd)
            os.close(self.log_fd)
            self.open = False

    def _emit(self, data: bytes) -> None:
        if not data:
            return
        _write_all(self.log_fd, data)
        if self.tee_fd is not None:
            try:
                _write_all(self.tee_fd, data)
            except OSError:
                self.tee_fd = None  # terminal went away: keep logging


class _Run:
    """The state of one safe_run call."""

    def __init__(self, spec: SafeRunSpec, on_event: EventSink | None, intr: _Interrupts) -> None:
        self.spec = spec
        self.on_event = on_event
        self.intr = intr
        self.stdout_path = spec.log_dir / "stdout.log"
        self.stderr_path = spec.log_dir / "stderr.log"
        self.started_at = rfc3339()
        self.t0 = time.monotonic()
        self.peak_rss: int | None = None
        self.admission: dict[str, Any] = {
            "need": spec.mem_need,
            "available": None,
            "mem_available": None,
            "cgroup_headroom": None,
            "waited_s": 0.0,
            "slot": None,
            "slots": spec.slots if spec.heavy else None,
            "holder_seen": None,
        }
        self.tree: ProcessTree | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._status = 0  # the root's wait status once reaped

    def event(self, text: str) -> None:
        if self.on_event is not None:
            self.on_event(text)

    def result(
        self,
        outcome: Outcome,
        wrapper_exit: int,
        message: str = "",
        *,
        exit_code: int | None = None,
        sig: int | None = None,
        leftovers: int = 0,
    ) -> SafeRunResult:
        return SafeRunResult(
            outcome=outcome,
            exit_code=exit_code,
            signal=sig,
            wrapper_exit=wrapper_exit,
            started_at=self.started_at,
            ended_at=rfc3339(),
            duration_s=time.monotonic() - self.t0,
            peak_rss_bytes=self.peak_rss,
            admission=self.admission,
            stdout_path=self.stdout_path,
            stderr_path=self.stderr_path,
            message=message,
            leftovers_killed=leftovers,
        )

    # -- before the launch -------------------------------------------------------------

    def execute(self) -> SafeRunResult:
        self.spec.log_dir.mkdir(parents=True, exist_ok=True)
        for path in (self.stdout_path, self.stderr_path):
            path.write_bytes(b"")  # the logs exist whatever happens next
        slot: HeldSlot | None = None
        try:
            lock_dir = self.spec.lock_dir or default_lock_dir()
            nested = inherited_slot(lock_dir) if self.spec.heavy else None
            if nested is not None:
                self.admission.update(slot="inherited", inherited_from=str(nested))
            elif self.spec.heavy:
                slot = acquire_slot(
                    lock_dir,
                    self.spec.slots,
                    label=self.spec.label,
                    on_event=self.on_event,
                    should_stop=lambda: self.intr.stopped,
                    nap=self.intr.wait,
                )
                if slot is None:
                    return self._interrupted_before_start()
                self.admission.update(
                    slot=slot.index, holder_seen=slot.holder_seen, slot_wait_s=slot.waited_s
                )
            refusal = self._admit()
            if refusal is not None:
                return refusal
            return self._launch_and_watch(slot)
        finally:
            if slot is not None:
                slot.release()

    def _interrupted_before_start(self) -> SafeRunResult:
        name = kill_signal_name(self.intr.signum or signal.SIGINT)
        return self.result(
            Outcome.INTERRUPTED, EXIT_INTERRUPTED, f"interrupted by {name} before the start"
        )

    def _admit(self) -> SafeRunResult | None:
        """Memory admission; None means go."""
        need = self.spec.mem_need
        start = time.monotonic()
        delay = 0.25
        last_report = -_ADMISSION_REPORT_EVERY
        while True:
            snap = memory.snapshot()
            self.admission.update(
                available=snap.available,
                mem_available=snap.mem_available,
                cgroup_headroom=snap.cgroup_headroom,
                waited_s=round(time.monotonic() - start, 3),
            )
            if need is None or snap.available is None or snap.available >= need:
                return None
            if snap.ceiling is not None and need > snap.ceiling:
                what = "cgroup limit" if snap.ceiling == snap.cgroup_limit else "total memory"
                return self.result(
                    Outcome.REFUSED,
                    EXIT_REFUSED,
                    f"needs {format_size(need)} but the {what} is {format_size(snap.ceiling)}",
                )
            waited = time.monotonic() - start
            if waited >= self.spec.admission_wait:
                return self.result(
                    Outcome.REFUSED,
                    EXIT_REFUSED,
                    f"needs {format_size(need)}, {format_size(snap.available)} "
                    f"available after waiting {format_duration(waited)}",
                )
            if self.intr.stopped:
                return self._interrupted_before_start()
            if time.monotonic() - last_report >= _ADMISSION_REPORT_EVERY:
                self.event(
                    f"waiting for memory: need {format_size(need)}, "
                    f"available {format_size(snap.available)}"
                )
                last_report = time.monotonic()
            self.intr.wait(min(delay, max(0.0, self.spec.admission_wait - waited)))
            delay = min(delay * 2, 5.0)

    # -- the run ---------------------------------------------------------------------

    def _launch_and_watch(self, slot: HeldSlot | None) -> SafeRunResult:
        spec = self.spec
        if not spec.cwd.is_dir():
            return self.result(
                Outcome.ERROR, EXIT_WRAPPER, f"working directory {spec.cwd} does not exist"
            )
        if not spec.argv:
            return self.result(Outcome.ERROR, EXIT_WRAPPER, "no command given")
        argv = ["/bin/sh", "-c", *spec.argv] if spec.shell else list(spec.argv)
        cookie = os.urandom(8).hex()
        env = {**spec.env, COOKIE_VAR: cookie}
        if slot is not None:
            env[SLOT_VAR] = str(slot.path)
        secrets = [s for s in spec.secrets if s]
        direct = not spec.tee and not secrets  # child writes straight into the log files
        out_fd = os.open(self.stdout_path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)
        err_fd = os.open(self.stderr_path, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)
        subreaper = enter_subreaper()
        try:
            oom_before = memory.oom_kill_count()
            self.started_at = rfc3339()
            self.t0 = time.monotonic()
            try:
                self.proc = subprocess.Popen(
                    argv,
                    cwd=spec.cwd,
                    env=env,
                    stdin=None if spec.stdin else subprocess.DEVNULL,
                    stdout=out_fd if direct else subprocess.PIPE,
                    stderr=err_fd if direct else subprocess.PIPE,
                    start_new_session=True,
                    # The child holds the slot lock too: if govkit dies, the slot stays
                    # taken until the heavy command itself is gone.
                    pass_fds=(slot.fd,) if slot is not None else (),
                )
            except FileNotFoundError:
                os.close(out_fd)
                os.close(err_fd)
                return self.result(Outcome.ERROR, EXIT_NOT_FOUND, f"command not found: {argv[0]}")
            except OSError as exc:
                os.close(out_fd)
                os.close(err_fd)
                return self.result(
                    Outcome.ERROR, EXIT_CANNOT_RUN, f"cannot run {argv[0]}: {exc.strerror}"
                )
            streams: list[_Stream] = []
            if direct:
                os.close(out_fd)
                os.close(err_fd)
            else:
                assert self.proc.stdout is not None and self.proc.stderr is not None
                tee = spec.tee
                streams = [
                    _Stream(self.proc.stdout.fileno(), out_fd, 1 if tee else None, secrets),
                    _Stream(self.proc.stderr.fileno(), err_fd, 2 if tee else None, secrets),
                ]
            self.tree = ProcessTree(self.proc.pid, cookie, subreaper=subreaper)
            return self._watch(streams, oom_before)
        finally:
            if self.proc is not None and self.proc.returncode is None:
                self._abort()
            if self.tree is not None:
                self.tree.reap()
            if subreaper:
                leave_subreaper()

    def _wait_root(self, block: bool = False) -> int | None:
        """Reap the root; its wait status, or None while it runs.

        Not via Popen.wait: its 50 ms polling would add latency to every short command,
        and ru_maxrss is no use (after vfork+exec it reports govkit's own peak).
        """
        assert self.proc is not None
        if self.proc.returncode is not None:
            return self._status
        try:
            pid, status = os.waitpid(self.proc.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            pid, status = self.proc.pid, 0
        if pid == 0:
            return None
        # Tell Popen the child is reaped, so it never waits for it again.
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self._status = status
        return status

    def _sample(self) -> int:
        assert self.tree is not None
        members = self.tree.members()
        rss = self.tree.rss(members)
        if members:
            self.peak_rss = max(self.peak_rss or 0, rss)
        return rss

    def _watch(self, streams: list[_Stream], oom_before: int) -> SafeRunResult:
        assert self.proc is not None and self.tree is not None
        spec = self.spec
        sel = selectors.DefaultSelector()
        pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            pidfd = os.pidfd_open(self.proc.pid)  # wakes us the moment the child exits
            sel.register(pidfd, selectors.EVENT_READ, None)
        sel.register(self.intr.rfd, selectors.EVENT_READ, None)
        for s in streams:
            sel.register(s.fd, selectors.EVENT_READ, s)
        deadline = self.t0 + spec.timeout if spec.timeout is not None else None
        reason: Outcome | None = None
        capped_rss = 0
        next_sample = time.monotonic()
        try:
            while self._wait_root() is None:
                now = time.monotonic()
                if self.intr.stopped:
                    reason = Outcome.INTERRUPTED
                    break
                if deadline is not None and now >= deadline:
                    reason = Outcome.TIMEOUT
                    break
                if now >= next_sample:
                    rss = self._sample()
                    if spec.mem_cap is not None and rss > spec.mem_cap:
                        reason, capped_rss = Outcome.OOM, rss
                        break
                    next_sample = now + spec.sample_interval
                wait = next_sample - now
                if deadline is not None:
                    wait = min(wait, deadline - now)
                self._pump(sel, max(0.0, wait))
            killed = 0
            if reason is not None:
                killed = self._kill_tree(sel)
            leftovers = 0
            if self.tree.leftovers():
                leftovers = self._kill_leftovers(sel)
            self._drain(sel, streams)
        finally:
            sel.close()
            if pidfd is not None:
                os.close(pidfd)
            for s in streams:
                s.close()
        return self._verdict(reason, killed, leftovers, capped_rss, oom_before)

    def _pump(self, sel: selectors.BaseSelector, timeout: float) -> None:
        for key, _ in sel.select(timeout):
            stream = key.data
            if isinstance(stream, _Stream):
                stream.pump()
                if not stream.open:
                    sel.unregister(key.fd)
            elif key.fd == self.intr.rfd:
                self.intr.drain()
            elif self._wait_root() is not None:
                # Exited: the pidfd stays readable, stop listening to it.
                sel.unregister(key.fd)

    def _settle(self, sel: selectors.BaseSelector, seconds: float) -> bool:
        """Keep pumping until the root and every member are gone; True if they are."""
        assert self.tree is not None
        end = time.monotonic() + seconds
        quiet = 0
        while True:
            gone = self._wait_root() is not None and not self.tree.leftovers()
            # Gone twice in a row, 50 ms apart: a process that was mid-fork when we
            # looked (setsid -f, a daemon's second fork) has shown up by then.
            quiet = quiet + 1 if gone else 0
            if quiet >= 2:
                return True
            if time.monotonic() >= end:
                return gone
            self._pump(sel, 0.05)

    def _kill_tree(self, sel: selectors.BaseSelector) -> int:
        """TERM the group and every descendant, grace, then KILL what is left."""
        assert self.tree is not None
        count = self.tree.signal_all(signal.SIGTERM)
        if not self._settle(sel, self.spec.grace):
            count = max(count, self.tree.signal_all(signal.SIGKILL, full_scan=True))
            self._settle(sel, 5.0)
        self._wait_root(block=True)
        return count

    def _kill_leftovers(self, sel: selectors.BaseSelector) -> int:
        """The command exited but left processes behind: they go too."""
        assert self.tree is not None
        count = self.tree.signal_all(signal.SIGTERM, exclude_root=True)
        if not self._settle(sel, min(self.spec.grace, 2.0)):
            self.tree.signal_all(signal.SIGKILL, full_scan=True, exclude_root=True)
            self._settle(sel, 5.0)
        return count

    def _drain(self, sel: selectors.BaseSelector, streams: list[_Stream]) -> None:
        end = time.monotonic() + _DRAIN_LIMIT
        while any(s.open for s in streams) and time.monotonic() < end:
            self._pump(sel, 0.05)

    def _abort(self) -> None:
        """Wrapper failure mid-run: nothing of the command may survive us."""
        if self.tree is not None:
            self.tree.signal_all(signal.SIGKILL, full_scan=True)
        if self.proc is not None:
            with contextlib.suppress(Exception):
                self._wait_root(block=True)

    def _verdict(
        self, reason: Outcome | None, killed: int, leftovers: int, capped_rss: int, oom_before: int
    ) -> SafeRunResult:
        assert self.proc is not None and self.proc.returncode is not None
        code = self.proc.returncode
        exit_code, sig = (None, -code) if code < 0 else (code, None)
        note = (
            f"; killed {leftovers} leftover process{'es' if leftovers != 1 else ''} "
            "after the command exited"
            if leftovers
            else ""
        )
        kw: dict[str, Any] = {"exit_code": exit_code, "sig": sig, "leftovers": leftovers}
        tree = f"the process tree ({killed} process{'es' if killed != 1 else ''})"
        if reason is Outcome.TIMEOUT:
            msg = f"timed out after {format_duration(self.spec.timeout)}; killed {tree}"
            return self.result(Outcome.TIMEOUT, EXIT_TIMEOUT, msg + note, **kw)
        if reason is Outcome.INTERRUPTED:
            name = kill_signal_name(self.intr.signum or signal.SIGINT)
            msg = f"interrupted by {name}; killed {tree}"
            return self.result(Outcome.INTERRUPTED, EXIT_INTERRUPTED, msg + note, **kw)
        if reason is Outcome.OOM:
            msg = (
                f"process tree RSS {format_size(capped_rss)} exceeded the memory cap "
                f"{format_size(self.spec.mem_cap)}; killed"
            )
            return self.result(Outcome.OOM, EXIT_OOM, msg + note, **kw)
        if sig is not None:
            if sig == signal.SIGKILL and memory.oom_kill_count() > oom_before:
                msg = "killed by the kernel OOM killer (SIGKILL while the OOM-kill count rose)"
                return self.result(Outcome.OOM, EXIT_OOM, msg + note, **kw)
            msg = f"killed by {kill_signal_name(sig)}"
            return self.result(Outcome.FAIL, 128 + sig, msg + note, **kw)
        if code == 0:
            return self.result(Outcome.PASS, 0, note.lstrip("; "), **kw)
        return self.result(Outcome.FAIL, code, f"exit code {code}" + note, **kw)


def safe_run(spec: SafeRunSpec, *, on_event: EventSink | None = None) -> SafeRunResult:
    """Run one command under slot, admission, timeout and tree kill; never raises for it."""
    with _Interrupts() as intr:
        run = _Run(spec, on_event, intr)
        try:
            return run.execute()
        except Exception as exc:  # the wrapper itself broke: exit 125, like GNU timeout
            run._abort()
            return run.result(
                Outcome.ERROR, EXIT_WRAPPER, f"safe-run failed: {type(exc).__name__}: {exc}"
            )
