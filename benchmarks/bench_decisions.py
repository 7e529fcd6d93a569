"""`govkit decision list/show` against adr-tools' `adr generate toc` on the same 200 decisions.

Run: python benchmarks/bench_decisions.py [--decisions 200] [--rounds 10] [--keep DIR]
Target (2 cores): `govkit decision list` (warm) >= 50x faster than `adr generate toc`.

Setup: adr-tools (Debian package `adr-tools`) is installed with apt-get when `adr` is not on
PATH and this process may install packages; otherwise its absence is reported and only
govkit is timed. `adr init` and `adr new` write the decisions (every tenth one supersedes
the one before it), then `govkit import adr` imports that same folder into a workspace, so
both tools read the same 200 decisions. Every figure is a whole process; the ratios are
against adr-tools and `python -c pass` measured in the same run, interleaved round by round,
in wall time and in CPU time (user + sys of the process and its children: adr-tools forks
several processes per decision), which a busy machine does not inflate as much.
"Cold" is the first list after the parse cache (.govkit/cache/) is removed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from process_timing import wall_seconds

CPU: dict[str, list[float]] = {}  # label -> CPU seconds (user + sys, with its children) per run


def timed(label: str, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Wall seconds of one whole process; its CPU seconds go to CPU[label]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = wall_seconds(argv, env=env, cwd=cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU.setdefault(label, []).append(cpu)
    return wall


ROOT = Path(__file__).resolve().parent.parent


def ensure_adr_tools() -> str | None:
    """The `adr` command, installing Debian's adr-tools when missing and possible."""
    found = shutil.which("adr")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("adr-tools not found: installing it with apt-get")
        subprocess.run(["apt-get", "install", "-y", "-q", "adr-tools"], check=False)
        return shutil.which("adr")
    return None


def write_adr_folder(adr: str | None, base: Path, n: int, env: dict[str, str]) -> Path:
    """n decisions in adr-tools' layout: by adr-tools itself when present."""
    adr_dir = base / "doc" / "adr"
    quiet = {**env, "VISUAL": "", "EDITOR": ""}  # adr new must not open an editor
    if adr is not None:
        subprocess.run(
            [adr, "init", "doc/adr"], cwd=base, env=quiet, check=True, capture_output=True
        )
        for i in range(2, n + 1):
            argv = [adr, "new"]
            if i % 10 == 0:
                argv += ["-s", str(i - 1)]
            argv.append(f"Bench decision {i} about the build of component {i % 17}")
            subprocess.run(argv, cwd=base, env=quiet, check=True, capture_output=True)
        return adr_dir
    # The same shape adr-tools' template writes (used only when it is absent).
    adr_dir.mkdir(parents=True)
    for i in range(1, n + 1):
        (adr_dir / f"{i:04d}-bench-decision-{i}.md").write_text(
            f"# {i}. Bench decision {i} about the build of component {i % 17}\n\n"
            "Date: 2026-11-21\n\n## Status\n\nAccepted\n\n## Context\n\nWhy.\n\n"
            "## Decision\n\nWhat.\n\n## Consequences\n\nSo.\n"
        )
    return adr_dir


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="build the folders here and keep them")
    args = parser.parse_args()

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    base = args.keep or Path(tempfile.mkdtemp(prefix="govkit-bench-decisions-"))
    base.mkdir(parents=True, exist_ok=True)
    # Compiled bytecode, as an installed package has (pip writes .pyc files at install),
    # even under PYTHONDONTWRITEBYTECODE; kept beside the data, not in the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(base / "pycache")
    for leftover in ("doc", "ws", ".adr-dir"):
        path = base / leftover
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    adr = ensure_adr_tools()
    adr_dir = write_adr_folder(adr, base, args.decisions, env)
    # The console script, as users run govkit (as adr-tools' `adr` script is run), when this
    # environment has one; else `python -m govkit`, which also pays for runpy (about 5 ms).
    script = Path(sys.executable).with_name("govkit")
    govkit = [str(script)] if script.is_file() else [sys.executable, "-m", "govkit"]
    ws = base / "ws"
    subprocess.run([*govkit, "init", str(ws)], env=env, check=True, capture_output=True)
    subprocess.run(
        [*govkit, "-C", str(ws), "import", "adr", str(adr_dir)],
        env=env,
        check=True,
        capture_output=True,
    )
    count = len(list((ws / "decisions").glob("D-*.md")))
    print(f"folder: {base}")
    print(f"adr-tools: {adr or 'not installed (apt-get install adr-tools); govkit timed alone'}")
    print(f"govkit: {' '.join(govkit)} (this checkout, through PYTHONPATH)")
    print(f"{args.decisions} decisions written, {count} imported into {ws}")
    if count != args.decisions:
        raise SystemExit(f"expected {args.decisions} imported decisions, got {count}")

    decision_list = [*govkit, "-C", str(ws), "decision", "list"]
    shutil.rmtree(ws / ".govkit" / "cache", ignore_errors=True)
    cold = timed("cold", decision_list, env)
    commands = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "govkit decision list": (decision_list, None),
        "govkit decision list --json": ([*decision_list, "--json"], None),
        "govkit decision show D-100": ([*govkit, "-C", str(ws), "decision", "show", "D-100"], None),
    }
    if adr is not None:
        commands["adr generate toc"] = ([adr, "generate", "toc"], base)
    wall_seconds(decision_list, env=env)  # warm-up
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        # Interleaved, so a busy machine slows every tool alike.
        for name, (argv, cwd) in commands.items():
            walls[name].append(timed(name, argv, env, cwd))
    wall = {name: statistics.median(samples) for name, samples in walls.items()}
    cpu = {name: statistics.median(samples) for name, samples in CPU.items()}
    wall["govkit decision list (cold)"], cpu["govkit decision list (cold)"] = cold, CPU["cold"][0]
    print(f"load average: {os.getloadavg()[0]:.2f} (wall times suffer when it exceeds the cores)")
    print(f"{'':31} {'wall':>9} {'cpu':>9}   adr-tools / govkit (wall, cpu)")
    order = ["python -c pass", "adr generate toc", "govkit decision list (cold)"]
    order += ["govkit decision list", "govkit decision list --json", "govkit decision show D-100"]
    for name in order:
        if name not in wall:
            continue
        ratio = ""
        if adr is not None and name.startswith("govkit"):
            ratio = (
                f"   {wall['adr generate toc'] / wall[name]:5.1f}x, "
                f"{cpu['adr generate toc'] / max(cpu[name], 1e-3):5.1f}x"
            )
            if name == "govkit decision list":
                ratio += "  (target >= 50x)"
        print(f"{name:<31} {wall[name] * 1000:7.1f}ms {cpu[name] * 1000:7.1f}ms{ratio}")
    if not args.keep:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
