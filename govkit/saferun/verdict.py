"""How a supervised command ended, turned into its outcome, wrapper exit code and message."""

from __future__ import annotations

import signal
from dataclasses import dataclass

from govkit.evidence.outcome import Outcome
from govkit.saferun.model import EXIT_INTERRUPTED, EXIT_OOM, EXIT_TIMEOUT
from govkit.saferun.tree import kill_signal_name
from govkit.units import format_duration, format_size


@dataclass(frozen=True)
class Ending:
    """What the watch saw: why it stopped the tree (if it did) and what it killed."""

    returncode: int  # Popen style: negative for a signal
    reason: Outcome | None  # TIMEOUT, INTERRUPTED or OOM when safe-run stopped the tree
    killed: int = 0  # processes signalled when stopping the tree
    leftovers: int = 0  # processes killed after the command itself exited
    capped_rss: int = 0  # the tree's RSS when it exceeded the memory cap
    interrupt_signal: int | None = None  # what interrupted safe-run
    oom_kills_rose: bool = False  # the kernel's OOM-kill count rose during the run


@dataclass(frozen=True)
class Verdict:
    """The result fields that follow from an Ending."""

    outcome: Outcome
    wrapper_exit: int
    message: str
    exit_code: int | None
    signal: int | None


def verdict(end: Ending, *, timeout: float | None, mem_cap: int | None) -> Verdict:
    """Outcome, exit code like GNU timeout, and a message that says why."""
    code = end.returncode
    exit_code, sig = (None, -code) if code < 0 else (code, None)

    def made(outcome: Outcome, wrapper_exit: int, message: str) -> Verdict:
        return Verdict(
            outcome, wrapper_exit, message + _leftover_note(end.leftovers), exit_code, sig
        )

    tree = f"the process tree ({end.killed} process{'es' if end.killed != 1 else ''})"
    if end.reason is Outcome.TIMEOUT:
        return made(
            Outcome.TIMEOUT,
            EXIT_TIMEOUT,
            f"timed out after {format_duration(timeout)}; killed {tree}",
        )
    if end.reason is Outcome.INTERRUPTED:
        name = kill_signal_name(end.interrupt_signal or signal.SIGINT)
        return made(Outcome.INTERRUPTED, EXIT_INTERRUPTED, f"interrupted by {name}; killed {tree}")
    if end.reason is Outcome.OOM:
        return made(
            Outcome.OOM,
            EXIT_OOM,
            f"process tree RSS {format_size(end.capped_rss)} exceeded the memory cap "
            f"{format_size(mem_cap)}; killed",
        )
    if sig is not None:
        if sig == signal.SIGKILL and end.oom_kills_rose:
            return made(
                Outcome.OOM,
                EXIT_OOM,
                "killed by the kernel OOM killer (SIGKILL while the OOM-kill count rose)",
            )
        return made(Outcome.FAIL, 128 + sig, f"killed by {kill_signal_name(sig)}")
    if code == 0:
        return Verdict(Outcome.PASS, 0, _leftover_note(end.leftovers).lstrip("; "), exit_code, sig)
    return made(Outcome.FAIL, code, f"exit code {code}")


def _leftover_note(leftovers: int) -> str:
    if not leftovers:
        return ""
    return (
        f"; killed {leftovers} leftover process{'es' if leftovers != 1 else ''} "
        "after the command exited"
    )
