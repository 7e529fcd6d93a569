"""safe-run: run a command so that it cannot take the machine down (DESIGN.md §5).

Heavy slots by flock, memory admission, a new session, logs streamed to files,
peak RSS of the whole tree, timeout that kills the group and escaped
descendants, exit codes like GNU timeout.
"""

from __future__ import annotations

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
from govkit.saferun.scrub import (
    env_for_record,
    looks_secret,
    scrub_secrets_from_env,
    scrub_text,
)
from govkit.saferun.supervise import safe_run

__all__ = [
    "EXIT_CANNOT_RUN",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OOM",
    "EXIT_REFUSED",
    "EXIT_TIMEOUT",
    "EXIT_WRAPPER",
    "SafeRunResult",
    "SafeRunSpec",
    "env_for_record",
    "looks_secret",
    "safe_run",
    "scrub_secrets_from_env",
    "scrub_text",
]
