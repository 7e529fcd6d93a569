"""Time of `evidence ingest` on N bundles, against recording the same N runs locally.

Run: python benchmarks/bench_ingest.py [--bundles 200]
Target (2 cores): ingesting a bundle costs at most ~5x recording the same run locally
(it verifies every file's hash, copies the run and appends one ledger line), so a
collect job with hundreds of bundles stays a matter of seconds. The baseline, measured
in the same run, copies each run directory into the workspace and writes its record
and ledger line with `write_record`: the bookkeeping of a local `gate run`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govkit.config import GateDef  # noqa: E402
from govkit.evidence.bundle import ingest_bundles, write_bundle  # noqa: E402
from govkit.evidence.store import run_dir, write_record  # noqa: E402
from govkit.gates import add_gate  # noqa: E402
from govkit.runner import run_gate_at  # noqa: E402
from govkit.tuples import add_repo, pin_tuple  # noqa: E402
from govkit.workspace import Workspace, init_workspace  # noqa: E402


def workspace(root: Path) -> Workspace:
    repo = root / "core"
    repo.mkdir(parents=True)
    env = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    (repo / "README.md").write_text("bench\n")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), *env, "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), *env, "commit", "-q", "-m", "x"], check=True)
    ws = init_workspace(root / "ws", name="bench")
    add_repo(ws, "core", str(repo))
    pin_tuple(ws, "canonical", ["core=main"])
    add_gate(ws, GateDef(id="VG-BENCH-1", title="bench", repo="core", argv=("true",)))
    return ws


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", type=int, default=200)
    n = parser.parse_args().bundles
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = workspace(root)
        run = run_gate_at(ws, "VG-BENCH-1", staging=root / "staging")
        gate = ws.config.gates["VG-BENCH-1"]
        # N runs like the real one, each with its own id and start time.
        runs = []
        for i in range(n):
            rec = replace(
                run.record,
                run_id=f"{run.record.run_id}-{i:05d}",
                started_at=f"{run.record.started_at[:17]}{i % 60:02d}.{i // 60:03d}Z",
            )
            directory = root / "runs" / rec.run_id
            shutil.copytree(run.path.parent, directory)
            (directory / "record.json").write_text(rec.to_json())
            runs.append((rec, directory))
        out = root / "bundles"
        for rec, directory in runs:
            write_bundle(ws, gate, rec, directory, out)

        local = init_workspace(root / "local", name="bench")
        start = time.perf_counter()
        for rec, directory in runs:
            target = run_dir(local, rec.run_id, rec.date)
            shutil.copytree(directory, target, ignore=shutil.ignore_patterns("record.json"))
            write_record(local, rec)
        baseline = time.perf_counter() - start

        start = time.perf_counter()
        results = ingest_bundles(ws, [out])
        ingest = time.perf_counter() - start
        assert [r.status for r in results] == ["ingested"] * n, results[:3]

    print(f"bundles: {n}")
    print(
        f"local record + ledger line (baseline): {baseline:.3f} s ({baseline / n * 1000:.2f} ms/run)"
    )
    print(
        f"evidence ingest:                        {ingest:.3f} s ({ingest / n * 1000:.2f} ms/bundle)"
    )
    print(f"ratio ingest / baseline: {ingest / baseline:.2f}x")


if __name__ == "__main__":
    main()
