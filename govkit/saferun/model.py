"""What a safe-run is asked to do, and what happened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.evidence.outcome import Outcome

# Exit codes of the wrapper, as GNU timeout (and sysexits for "refused").
EXIT_TIMEOUT = 124
EXIT_WRAPPER = 125
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127
EXIT_REFUSED = 75  # EX_TEMPFAIL: try again when the machine has room
EXIT_INTERRUPTED = 130
EXIT_OOM = 128 + 9  # what a kernel OOM kill looks like to a shell


@dataclass(frozen=True)
class SafeRunSpec:
    """One command to run under slots, memory admission, timeout and tree kill."""

    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]  # the complete environment of the child
    log_dir: Path  # gets stdout.log and stderr.log, streamed
    timeout: float | None = None
    grace: float = 5.0  # TERM -> grace -> KILL
    heavy: bool = False
    slots: int = 1
    lock_dir: Path | None = None  # default: $GOVKIT_SLOT_DIR or /tmp/govkit-slots-<uid>
    mem_need: int | None = None  # bytes needed for admission
    admission_wait: float = 600.0
    mem_cap: int | None = None  # hard cap on the tree's RSS: exceeded -> kill, outcome oom
    tee: bool = False  # also copy output to our own stdout/stderr
    secrets: Sequence[str] = ()  # values replaced by *** in the logs
    label: str = ""  # shown to others waiting on the slot
    shell: bool = False  # argv is [one shell string] run by /bin/sh -c
    stdin: bool = False  # inherit our stdin (interactive use); otherwise /dev/null
    sample_interval: float = 0.1  # seconds between RSS samples of the tree


@dataclass(frozen=True)
class SafeRunResult:
    """What happened: outcome, codes, times, memory, admission figures, log paths."""

    outcome: Outcome
    exit_code: int | None
    signal: int | None
    wrapper_exit: int
    started_at: str
    ended_at: str
    duration_s: float
    peak_rss_bytes: int | None
    admission: dict[str, Any]
    stdout_path: Path
    stderr_path: Path
    message: str = ""
    leftovers_killed: int = 0  # descendants still alive after the command exited

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "outcome": self.outcome.value,
            "exit_code": self.exit_code,
            "signal": self.signal,
            "wrapper_exit": self.wrapper_exit,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_s": round(self.duration_s, 3),
            "peak_rss_bytes": self.peak_rss_bytes,
            "admission": dict(self.admission),
            "stdout_path": str(self.stdout_path),
            "stderr_path": str(self.stderr_path),
            "message": self.message,
            "leftovers_killed": self.leftovers_killed,
        }
