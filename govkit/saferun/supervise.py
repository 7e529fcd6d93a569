"""safe_run: heavy slot, memory admission, launch, watch, kill, result (DESIGN.md §5).

One run goes through these steps, each a function below that returns a result to stop
with, or hands on to the next:

    _take_slot -> _admit -> _launch -> _watch -> (_stop_tree | _kill_leftovers) -> verdict

What the result reports is gathered in `_Facts` as the run goes; the launched command
is a `_Child` (its process, its tree, its reaped status), and `_Pipes` is the selector
over the child's output, its pidfd and the interrupt pipe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govkit.evidence.outcome import Outcome
from govkit.saferun import memory
from govkit.saferun.interrupts import Interrupts
from govkit.saferun.model import (
    EXIT_CANNOT_RUN,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_REFUSED,
    EXIT_WRAPPER,
    SafeRunResult,
    SafeRunSpec,
)
from govkit.saferun.slots import (
    SLOT_VAR,
    HeldSlot,
    acquire_slot,
    default_lock_dir,
    inherited_slot,
)
from govkit.saferun.streams import OutputStream
from govkit.saferun.tree import (
    COOKIE_VAR,
    ProcessTree,
    enter_subreaper,
    kill_signal_name,
    leave_subreaper,
)
from govkit.saferun.verdict import Ending, verdict
from govkit.timeutil import rfc3339
from govkit.units import format_duration, format_size

EventSink = Callable[[str], None]

_DRAIN_LIMIT = 2.0  # seconds to wait for pipe EOF once every process is gone
_ADMISSION_REPORT_EVERY = 5.0


def safe_run(spec: SafeRunSpec, *, on_event: EventSink | None = None) -> SafeRunResult:
    """Run one command under slot, admission, timeout and tree kill; never raises for it."""
    with Interrupts() as intr:
        facts = _Facts.begin(spec)
        try:
            return _run(spec, facts, intr, on_event)
        except Exception as exc:  # the wrapper itself broke: exit 125, like GNU timeout
            return facts.result(
                Outcome.ERROR, EXIT_WRAPPER, f"safe-run failed: {type(exc).__name__}: {exc}"
            )


@dataclass
class _Facts:
    """What the result reports, gathered as the run goes."""

    spec: SafeRunSpec
    started_at: str = field(default_factory=rfc3339)
    t0: float = field(default_factory=time.monotonic)
    peak_rss: int | None = None
    admission: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def begin(cls, spec: SafeRunSpec) -> _Facts:
        admission = {
            "need": spec.mem_need,
            "available": None,
            "mem_available": None,
            "cgroup_headroom": None,
            "waited_s": 0.0,
            "slot": None,
            "slots": spec.slots if spec.heavy else None,
            "holder_seen": None,
        }
        return cls(spec, admission=admission)

    def restart_clock(self) -> None:
        """The command starts now: its start time and duration count from here."""
        self.started_at = rfc3339()
        self.t0 = time.monotonic()

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
            stdout_path=self.spec.log_dir / "stdout.log",
            stderr_path=self.spec.log_dir / "stderr.log",
            message=message,
            leftovers_killed=leftovers,
        )


def _run(
    spec: SafeRunSpec, facts: _Facts, intr: Interrupts, on_event: EventSink | None
) -> SafeRunResult:
    spec.log_dir.mkdir(parents=True, exist_ok=True)
    for name in ("stdout.log", "stderr.log"):
        (spec.log_dir / name).write_bytes(b"")  # the logs exist whatever happens next
    slot: HeldSlot | None = None
    try:
        slot, stop = _take_slot(spec, facts, intr, on_event)
        if stop is None:
            stop = _admit(spec, facts, intr, on_event)
        return stop if stop is not None else _launch(spec, facts, intr, slot)
    finally:
        if slot is not None:
            slot.release()


# -- before the launch -------------------------------------------------------------


def _interrupted_before_start(facts: _Facts, intr: Interrupts) -> SafeRunResult:
    name = kill_signal_name(intr.signum or signal.SIGINT)
    return facts.result(
        Outcome.INTERRUPTED, EXIT_INTERRUPTED, f"interrupted by {name} before the start"
    )


def _take_slot(
    spec: SafeRunSpec, facts: _Facts, intr: Interrupts, on_event: EventSink | None
) -> tuple[HeldSlot | None, SafeRunResult | None]:
    """A heavy slot when asked (none needed inside a heavy run); a result if interrupted."""
    if not spec.heavy:
        return None, None
    lock_dir = spec.lock_dir or default_lock_dir()
    nested = inherited_slot(lock_dir)
    if nested is not None:
        facts.admission.update(slot="inherited", inherited_from=str(nested))
        return None, None
    slot = acquire_slot(
        lock_dir,
        spec.slots,
        label=spec.label,
        on_event=on_event,
        should_stop=lambda: intr.stopped,
        nap=intr.wait,
    )
    if slot is None:
        return None, _interrupted_before_start(facts, intr)
    facts.admission.update(slot=slot.index, holder_seen=slot.holder_seen, slot_wait_s=slot.waited_s)
    return slot, None


def _admit(
    spec: SafeRunSpec, facts: _Facts, intr: Interrupts, on_event: EventSink | None
) -> SafeRunResult | None:
    """Memory admission: wait for the memory the command needs; None means go."""
    need = spec.mem_need
    start = time.monotonic()
    delay = 0.25
    last_report = -_ADMISSION_REPORT_EVERY
    while True:
        snap = memory.snapshot()
        facts.admission.update(
            available=snap.available,
            mem_available=snap.mem_available,
            cgroup_headroom=snap.cgroup_headroom,
            waited_s=round(time.monotonic() - start, 3),
        )
        if need is None or snap.available is None or snap.available >= need:
            return None
        if snap.ceiling is not None and need > snap.ceiling:
            what = "cgroup limit" if snap.ceiling == snap.cgroup_limit else "total memory"
            return facts.result(
                Outcome.REFUSED,
                EXIT_REFUSED,
                f"needs {format_size(need)} but the {what} is {format_size(snap.ceiling)}",
            )
        waited = time.monotonic() - start
        if waited >= spec.admission_wait:
            return facts.result(
                Outcome.REFUSED,
                EXIT_REFUSED,
                f"needs {format_size(need)}, {format_size(snap.available)} "
                f"available after waiting {format_duration(waited)}",
            )
        if intr.stopped:
            return _interrupted_before_start(facts, intr)
        if on_event is not None and time.monotonic() - last_report >= _ADMISSION_REPORT_EVERY:
            on_event(
                f"waiting for memory: need {format_size(need)}, "
                f"available {format_size(snap.available)}"
            )
            last_report = time.monotonic()
        intr.wait(min(delay, max(0.0, spec.admission_wait - waited)))
        delay = min(delay * 2, 5.0)


# -- the launch ---------------------------------------------------------------------


def _launch(
    spec: SafeRunSpec, facts: _Facts, intr: Interrupts, slot: HeldSlot | None
) -> SafeRunResult:
    """Start the command in a new session, its output to the logs, then watch it to the end."""
    if not spec.cwd.is_dir():
        return facts.result(
            Outcome.ERROR, EXIT_WRAPPER, f"working directory {spec.cwd} does not exist"
        )
    if not spec.argv:
        return facts.result(Outcome.ERROR, EXIT_WRAPPER, "no command given")
    argv = ["/bin/sh", "-c", *spec.argv] if spec.shell else list(spec.argv)
    cookie = os.urandom(8).hex()
    env = {**spec.env, COOKIE_VAR: cookie}
    if slot is not None:
        env[SLOT_VAR] = str(slot.path)
    secrets = [s for s in spec.secrets if s]
    direct = not spec.tee and not secrets  # child writes straight into the log files
    flags = os.O_WRONLY | os.O_TRUNC | os.O_CREAT
    out_fd = os.open(spec.log_dir / "stdout.log", flags, 0o644)
    err_fd = os.open(spec.log_dir / "stderr.log", flags, 0o644)
    subreaper = enter_subreaper()
    child: _Child | None = None
    try:
        oom_before = memory.oom_kill_count()
        facts.restart_clock()
        try:
            proc = subprocess.Popen(
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
            return facts.result(Outcome.ERROR, EXIT_NOT_FOUND, f"command not found: {argv[0]}")
        except OSError as exc:
            os.close(out_fd)
            os.close(err_fd)
            return facts.result(
                Outcome.ERROR, EXIT_CANNOT_RUN, f"cannot run {argv[0]}: {exc.strerror}"
            )
        streams: list[OutputStream] = []
        if direct:
            os.close(out_fd)
            os.close(err_fd)
        else:
            assert proc.stdout is not None and proc.stderr is not None
            tee = spec.tee
            streams = [
                OutputStream(proc.stdout.fileno(), out_fd, 1 if tee else None, secrets),
                OutputStream(proc.stderr.fileno(), err_fd, 2 if tee else None, secrets),
            ]
        child = _Child(proc, ProcessTree(proc.pid, cookie, subreaper=subreaper))
        end = _watch(spec, facts, intr, child, streams)
        oom_rose = end.returncode == -signal.SIGKILL and end.reason is None
        if oom_rose:  # read the kernel's count only when it can matter
            oom_rose = memory.oom_kill_count() > oom_before
        got = verdict(
            dataclasses.replace(end, oom_kills_rose=oom_rose),
            timeout=spec.timeout,
            mem_cap=spec.mem_cap,
        )
        return facts.result(
            got.outcome,
            got.wrapper_exit,
            got.message,
            exit_code=got.exit_code,
            sig=got.signal,
            leftovers=end.leftovers,
        )
    except Exception:
        if child is not None:
            child.abort()  # the wrapper broke mid-run: nothing of the command may survive us
        raise
    finally:
        if child is not None:
            if child.proc.returncode is None:
                child.abort()
            child.tree.reap()
        if subreaper:
            leave_subreaper()


class _Child:
    """The launched command: its Popen, its process tree, and its wait status once reaped."""

    def __init__(self, proc: subprocess.Popen[bytes], tree: ProcessTree) -> None:
        self.proc = proc
        self.tree = tree
        self._status = 0

    def wait_root(self, block: bool = False) -> int | None:
        """Reap the root; its wait status, or None while it runs.

        Not via Popen.wait: its 50 ms polling would add latency to every short command,
        and ru_maxrss is no use (after vfork+exec it reports govkit's own peak).
        """
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

    @property
    def gone(self) -> bool:
        """The root is reaped and no member of its tree is left."""
        return self.wait_root() is not None and not self.tree.leftovers()

    def abort(self) -> None:
        """Kill the whole tree at once and reap the root."""
        self.tree.signal_all(signal.SIGKILL, full_scan=True)
        with contextlib.suppress(Exception):
            self.wait_root(block=True)


# -- the watch ------------------------------------------------------------------------


def _watch(
    spec: SafeRunSpec,
    facts: _Facts,
    intr: Interrupts,
    child: _Child,
    streams: list[OutputStream],
) -> Ending:
    """Pump output and sample memory until the command exits or must be stopped."""
    pipes = _Pipes(child, streams, intr)
    deadline = facts.t0 + spec.timeout if spec.timeout is not None else None
    reason: Outcome | None = None
    capped_rss = 0
    next_sample = time.monotonic()
    try:
        while child.wait_root() is None:
            now = time.monotonic()
            if intr.stopped:
                reason = Outcome.INTERRUPTED
                break
            if deadline is not None and now >= deadline:
                reason = Outcome.TIMEOUT
                break
            if now >= next_sample:
                members = child.tree.members()
                rss = child.tree.rss(members)
                if members:
                    facts.peak_rss = max(facts.peak_rss or 0, rss)
                if spec.mem_cap is not None and rss > spec.mem_cap:
                    reason, capped_rss = Outcome.OOM, rss
                    break
                next_sample = now + spec.sample_interval
            wait = next_sample - now
            if deadline is not None:
                wait = min(wait, deadline - now)
            pipes.pump(max(0.0, wait))
        killed = _stop_tree(child, pipes, spec.grace) if reason is not None else 0
        leftovers = _kill_leftovers(child, pipes, spec.grace) if child.tree.leftovers() else 0
        pipes.drain()
    finally:
        pipes.close()
    assert child.proc.returncode is not None
    return Ending(
        returncode=child.proc.returncode,
        reason=reason,
        killed=killed,
        leftovers=leftovers,
        capped_rss=capped_rss,
        interrupt_signal=intr.signum,
    )


def _stop_tree(child: _Child, pipes: _Pipes, grace: float) -> int:
    """TERM the group and every descendant, grace, then KILL what is left."""
    count = child.tree.signal_all(signal.SIGTERM)
    if not pipes.settle(grace):
        count = max(count, child.tree.signal_all(signal.SIGKILL, full_scan=True))
        pipes.settle(5.0)
    child.wait_root(block=True)
    return count


def _kill_leftovers(child: _Child, pipes: _Pipes, grace: float) -> int:
    """The command exited but left processes behind: they go too."""
    count = child.tree.signal_all(signal.SIGTERM, exclude_root=True)
    if not pipes.settle(min(grace, 2.0)):
        child.tree.signal_all(signal.SIGKILL, full_scan=True, exclude_root=True)
        pipes.settle(5.0)
    return count


class _Pipes:
    """One selector over the child's output pipes, its pidfd and the interrupt pipe."""

    def __init__(self, child: _Child, streams: list[OutputStream], intr: Interrupts) -> None:
        self.child = child
        self.streams = streams
        self.intr = intr
        self.sel = selectors.DefaultSelector()
        self.pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            self.pidfd = os.pidfd_open(child.proc.pid)  # wakes us the moment the child exits
            self.sel.register(self.pidfd, selectors.EVENT_READ, None)
        self.sel.register(intr.rfd, selectors.EVENT_READ, None)
        for s in streams:
            self.sel.register(s.fd, selectors.EVENT_READ, s)

    def pump(self, timeout: float) -> None:
        """Wait up to `timeout` for output, an exit or a signal, and handle what came."""
        for key, _ in self.sel.select(timeout):
            stream = key.data
            if isinstance(stream, OutputStream):
                stream.pump()
                if not stream.open:
                    self.sel.unregister(key.fd)
            elif key.fd == self.intr.rfd:
                self.intr.drain()
            elif self.child.wait_root() is not None:
                # Exited: the pidfd stays readable, stop listening to it.
                self.sel.unregister(key.fd)

    def settle(self, seconds: float) -> bool:
        """Keep pumping until the root and every member are gone; True if they are."""
        end = time.monotonic() + seconds
        quiet = 0
        while True:
            gone = self.child.gone
            # Gone twice in a row, 50 ms apart: a process that was mid-fork when we
            # looked (setsid -f, a daemon's second fork) has shown up by then.
            quiet = quiet + 1 if gone else 0
            if quiet >= 2:
                return True
            if time.monotonic() >= end:
                return gone
            self.pump(0.05)

    def drain(self) -> None:
        """Read what the pipes still hold, for at most _DRAIN_LIMIT seconds."""
        end = time.monotonic() + _DRAIN_LIMIT
        while any(s.open for s in self.streams) and time.monotonic() < end:
            self.pump(0.05)

    def close(self) -> None:
        self.sel.close()
        if self.pidfd is not None:
            os.close(self.pidfd)
        for s in self.streams:
            s.close()
