"""Timing whole processes for the benchmark scripts (imported from benchmarks/ itself)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def wall_seconds(argv: list[str], *, env: dict[str, str], cwd: Path | None = None) -> float:
    """Wall time of one run of `argv` as a whole process; a failed run ends the benchmark."""
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}"
        )
    return elapsed
