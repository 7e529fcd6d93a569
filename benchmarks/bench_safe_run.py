"""Wall time of `govkit safe-run -- true` against bare `true` and against `in-toto-run`.

Run: python benchmarks/bench_safe_run.py [--rounds 40]
Goal: govkit safe-run takes at most half of in-toto-run's wall time for the same command.
Each command runs as a whole process; rounds are interleaved so that machine load hits all
three alike; the figure is the median. in-toto-run is used when it is on PATH (it needs a
signing key: one ed25519 key is made with openssl in the temp dir, outside the timing).
Bytecode is cached (in the temp dir) as for an installed package, even under
PYTHONDONTWRITEBYTECODE, so neither side pays for compiling its sources on every start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from process_timing import wall_seconds

ROOT = Path(__file__).resolve().parent.parent


def in_toto_argv(work: Path) -> tuple[list[str] | None, str]:
    """The in-toto-run command line, or None and why it is not measured."""
    exe = shutil.which("in-toto-run")
    if exe is None:
        return None, "in-toto-run is not on PATH (pip install in-toto to compare)"
    openssl = shutil.which("openssl")
    if openssl is None:
        return None, "in-toto-run needs a signing key and openssl is not on PATH to make one"
    key = work / "key.pem"
    subprocess.run(
        [openssl, "genpkey", "-algorithm", "ed25519", "-out", str(key)],
        check=True,
        capture_output=True,
    )
    return [exe, "--step-name", "bench", "--signing-key", str(key), "--", "true"], ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = shutil.which("govkit")
    govkit = [script] if script else [sys.executable, "-m", "govkit"]
    true = shutil.which("true") or "/bin/true"
    with tempfile.TemporaryDirectory(prefix="bench-safe-run-") as tmp:
        work = Path(tmp)
        # Compiled bytecode, as an installed package has (pip writes .pyc files at install);
        # kept in the temp dir so the source tree is not touched.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        logs = work / "logs"
        commands: dict[str, list[str]] = {
            "true": [true],
            "govkit safe-run -- true": [*govkit, "safe-run", "--log-dir", str(logs), "--", true],
        }
        toto, why_not = in_toto_argv(work)
        if toto is not None:
            commands["in-toto-run -- true"] = toto
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # warm-up: page cache, .pyc files
            wall_seconds(argv, env=env, cwd=work)
        for _ in range(args.rounds):
            for name, argv in commands.items():
                samples[name].append(wall_seconds(argv, env=env, cwd=work))
    med = {name: statistics.median(s) for name, s in samples.items()}
    print(f"govkit command: {' '.join(govkit)}; {args.rounds} interleaved rounds, median wall")
    for name, value in med.items():
        print(f"  {name:<26} {value * 1000:8.1f} ms  ({value / med['true']:6.1f}x true)")
    ours = med["govkit safe-run -- true"]
    print(f"  overhead of safe-run over bare true: {(ours - med['true']) * 1000:.1f} ms")
    if toto is None:
        print(f"  in-toto-run: not measured: {why_not}")
        return
    ratio = ours / med["in-toto-run -- true"]
    verdict = "meets" if ratio <= 0.5 else "misses"
    print(f"  govkit safe-run / in-toto-run = {ratio:.2f} ({verdict} the goal of <= 0.50)")


if __name__ == "__main__":
    main()
