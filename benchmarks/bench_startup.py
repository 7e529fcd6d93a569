"""Startup time of `govkit --version` and `govkit --help` against `python -c pass`.

Run: python benchmarks/bench_startup.py [--rounds 30]
Target (2 cores): each govkit command ≤ 80 ms wall.
Uses the installed `govkit` console script when it is on PATH, else `python -m govkit`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

from process_timing import wall_seconds

ROOT = Path(__file__).resolve().parent.parent


def wall(argv: list[str], rounds: int, env: dict[str, str]) -> float:
    """Median wall time in seconds of running argv `rounds` times (after one warm-up)."""
    wall_seconds(argv, env=env)
    return statistics.median(wall_seconds(argv, env=env) for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = shutil.which("govkit")
    govkit = [script] if script else [sys.executable, "-m", "govkit"]
    base = wall([sys.executable, "-c", "pass"], args.rounds, env)
    print(f"govkit command: {' '.join(govkit)}")
    print(f"python -c pass      {base * 1000:7.1f} ms")
    for extra in (["--version"], ["--help"]):
        t = wall([*govkit, *extra], args.rounds, env)
        print(
            f"govkit {extra[0]:<12} {t * 1000:7.1f} ms  ({t / base:.2f}x python -c pass; target <= 80 ms)"
        )


if __name__ == "__main__":
    main()
