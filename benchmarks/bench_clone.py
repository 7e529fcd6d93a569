"""Clean clone of a two-repo tuple: govkit's clone code against raw git, same commits, same run.

Builds two repos (a few hundred files, a few hundred commits each) in a temp
dir, then per round:
  raw:    git clone --local --no-checkout + git checkout --detach <sha>, repo after repo
  govkit: govkit.clone.clone_tuple (the same, plus HEAD/tree/status verification,
          .git/info/exclude, stale-clone sweep; repos cloned concurrently)
and prints the medians and the ratio govkit/raw. Goal: <= 1.3x.

    python benchmarks/bench_clone.py [--rounds 15] [--files 300] [--commits 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=ENV
    ).stdout.strip()


def build_repo(path: Path, files: int, commits: int) -> str:
    """A repo with `files` files and `commits` commits (fast-import: seconds, not minutes)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    stream: list[str] = []
    for c in range(commits):
        stream.append("commit refs/heads/main")
        stream.append(f"committer Bench <bench@example.invalid> {1700000000 + c} +0000")
        msg = f"commit {c}"
        stream.append(f"data {len(msg)}\n{msg}")
        touched = range(files) if c == 0 else [(c * 7 + k) % files for k in range(5)]
        for f in touched:
            body = f"# file {f} at commit {c}\n" + "x = 1\n" * 40
            stream.append(
                f"M 100644 inline pkg/mod{f // 50}/file{f}.py\ndata {len(body.encode())}\n{body}"
            )
        stream.append("")
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"],
        input="\n".join(stream) + "\n",
        text=True,
        check=True,
        env=ENV,
    )
    git(path, "checkout", "-q", "main")
    return git(path, "rev-parse", "main~3")  # pin a commit that is not the tip


def raw_clone(sources: dict[str, Path], pins: dict[str, str], dest: Path) -> None:
    for name, source in sources.items():
        target = dest / name
        subprocess.run(
            ["git", "clone", "--local", "--no-checkout", "--quiet", str(source), str(target)],
            check=True,
            env=ENV,
        )
        subprocess.run(
            ["git", "-C", str(target), "checkout", "--quiet", "--detach", pins[name]],
            check=True,
            env=ENV,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--files", type=int, default=300)
    ap.add_argument("--commits", type=int, default=300)
    args = ap.parse_args()

    from govkit import git as gitadapter
    from govkit.clone import clone_tuple
    from govkit.tuples import add_repo, set_tuple
    from govkit.workspace import init_workspace

    with tempfile.TemporaryDirectory(prefix="bench-clone-") as tmp:
        base = Path(tmp)
        sources = {name: base / name for name in ("core", "agent")}
        pins = {name: build_repo(path, args.files, args.commits) for name, path in sources.items()}
        ws = init_workspace(base / "ws", name="bench")
        for name, path in sources.items():
            add_repo(ws, name, str(path))
        set_tuple(ws, "canonical", pins, replace=True)
        raw_dir = ws.state_dir / "raw"
        raw_dir.mkdir(parents=True)

        def raw() -> None:
            dest = Path(tempfile.mkdtemp(dir=raw_dir))
            raw_clone(sources, pins, dest)
            shutil.rmtree(dest)

        def govkit_tuple() -> None:
            co = clone_tuple(
                ws, pins, ["core", "agent"], tuple_name="canonical", exclude=gitadapter.TOOL_CACHES
            )
            assert [r.pin.commit for r in co.repos] == [pins["core"], pins["agent"]]
            co.cleanup()

        def govkit_one_at_a_time() -> None:
            # The same code, one repo per call: the cost of verification without concurrency.
            for n in ("core", "agent"):
                clone_tuple(
                    ws, pins, [n], tuple_name="canonical", exclude=gitadapter.TOOL_CACHES
                ).cleanup()

        variants = [raw, govkit_tuple, govkit_one_at_a_time]
        times: dict[str, list[float]] = {v.__name__: [] for v in variants}
        for i in range(args.rounds + 1):  # round 0 warms caches for all
            # Rotate the order each round so no variant always runs on warm caches.
            for v in variants[i % 3 :] + variants[: i % 3]:
                t0 = time.perf_counter()
                v()
                if i:
                    times[v.__name__].append(time.perf_counter() - t0)
        raw_times = times["raw"]
        gk_times = times["govkit_tuple"]
        seq_times = times["govkit_one_at_a_time"]

        raw_med = statistics.median(raw_times)
        gk_med = statistics.median(gk_times)
        print(
            f"two-repo tuple, {args.files} files x {args.commits} commits each, "
            f"{args.rounds} rounds (median)"
        )
        print(f"raw git clone --local --no-checkout + checkout --detach: {raw_med * 1000:7.1f} ms")
        print(f"govkit clean clone (verified):                          {gk_med * 1000:7.1f} ms")
        seq_med = statistics.median(seq_times)
        print(f"govkit clean clone, one repo at a time:                 {seq_med * 1000:7.1f} ms")
        print(f"ratio govkit/raw: {gk_med / raw_med:.2f}x (goal <= 1.3x)")
        print(f"ratio govkit one-at-a-time/raw: {seq_med / raw_med:.2f}x")


if __name__ == "__main__":
    main()
