"""Run outcomes, in a module of their own so `govkit safe-run` can import them cheaply."""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    """What happened to a run. Never conflated: a timeout is not a failure."""

    PASS = "pass"
    FAIL = "fail"
    TIMEOUT = "timeout"
    OOM = "oom"
    ERROR = "error"  # infrastructure: clone failed, wrapper broke
    REFUSED = "refused"  # memory admission said no
    INTERRUPTED = "interrupted"  # Ctrl-C / SIGTERM to govkit
