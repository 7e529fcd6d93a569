"""Benchmark: `govkit task list --json` and `govkit check` on a workspace of 10,000 records.

Builds the workspace in a temp dir (records written directly as YAML, for speed),
then times whole govkit processes (median of several runs) next to a baseline
`python -c pass` measured in the same run. Targets on 2 cores: list <= 1 s,
check <= 2 s. "warm" runs use the parse cache in .govkit/cache; "cold" runs
disable it (GOVKIT_NO_CACHE=1), as on a first run after a fresh clone.

    python benchmarks/bench_records.py [--records 10000] [--reps 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from process_timing import wall_seconds  # noqa: E402

from govkit.workspace import init_workspace  # noqa: E402

STAMP = "'2026-11-01T10:00:00.000Z'"


def build(root: Path, total: int) -> dict[str, int]:
    """Write `total` records of every kind with valid cross-references."""
    ws = init_workspace(root, name="bench")
    milestones = max(1, total // 200)
    consumers = max(1, total // 200)
    rest = total - milestones - consumers
    tasks, findings, blockers = rest * 60 // 100, rest * 15 // 100, rest * 10 // 100
    resolutions = rest - tasks - findings - blockers
    head = f"status: {{status}}\ncreated: {STAMP}\nupdated: {STAMP}\nhistory:\n  - at: {STAMP}\n    to_status: {{status}}\n"

    def write(plural: str, rid: str, body: str, status: str) -> None:
        text = f"id: {rid}\n{body}" + head.format(status=status)
        (ws.records_dir / plural / f"{rid}.yaml").write_text(text)

    for m in range(1, milestones + 1):
        write("milestones", f"M{m}", f"title: Milestone {m}\nnotes: ''\n", "active")
    task_ids = []
    for t in range(tasks):
        m = t % milestones + 1
        tid = f"M{m}-T{t // milestones + 1:02d}"
        task_ids.append(tid)
        body = (
            f"milestone: M{m}\ntitle: 'Task {t}: fix the thing # {t}'\n"
            f"evidence:\n  - evidence/runs/2026-11-01/run-{t}/record.json\nnotes: ''\n"
        )
        write("tasks", tid, body, "done" if t % 3 else "in-progress")
    for f in range(1, findings + 1):
        body = (
            f"title: Finding {f}\nevidence_summary: Resolved by {task_ids[f % tasks]}\n"
            f"milestone: M{f % milestones + 1}\nresolved_by:\n  - {task_ids[f % tasks]}\n"
        )
        write("findings", f"F{f}", body, "resolved")
    for b in range(1, blockers + 1):
        body = f"title: Blocker {b}\nimpact: Can lose work\nexit_condition: wrapper used\nresolution: ''\n"
        write("blockers", f"B{b}", body, "active")
    for r in range(1, resolutions + 1):
        body = f"summary: Closed {task_ids[r % tasks]}\nresolves:\n  - {task_ids[r % tasks]}\nevidence:\n  - evidence/x-{r}.md\n"
        write("resolutions", f"R{r}", body, "recorded")
    for c in range(1, consumers + 1):
        body = f"coupling: runtime\nreadiness: medium\nrisk: drift {c}\n"
        write("consumers", f"consumer-{c}", body, "tracked")
    return {
        "milestones": milestones,
        "tasks": tasks,
        "findings": findings,
        "blockers": blockers,
        "resolutions": resolutions,
        "consumers": consumers,
    }


def timed(argv: list[str], cwd: Path, env: dict[str, str], reps: int) -> list[float]:
    """Wall times of `reps` runs of a whole process."""
    return [wall_seconds(argv, env=env, cwd=cwd) for _ in range(reps)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        t0 = time.perf_counter()
        counts = build(root, args.records)
        print(f"built {sum(counts.values())} records in {time.perf_counter() - t0:.1f} s: {counts}")
        # Files changed in the last few seconds are never cached (racy-clean rule); let them age.
        time.sleep(3.2)
        extra = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), extra]))}
        parser = subprocess.run(
            [
                sys.executable,
                "-c",
                "from govkit.yamlio import _safe; print(_safe().Parser.__name__)",
            ],
            env=env,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(
            f"YAML parser for plain loads: {parser} ({'C, ruamel.yaml.clib' if parser == 'CParser' else 'pure Python'})"
        )
        cold = {**env, "GOVKIT_NO_CACHE": "1"}
        gk = [sys.executable, "-m", "govkit"]
        cases = [
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"], env, args.reps),
            ("govkit --version", [*gk, "--version"], env, args.reps),
            ("task list --json, cold (no cache)", [*gk, "task", "list", "--json"], cold, 1),
            ("check, cold (no cache)", [*gk, "check"], cold, 1),
            ("task list --json (first run fills cache)", [*gk, "task", "list", "--json"], env, 1),
            ("task list --json, warm", [*gk, "task", "list", "--json"], env, args.reps),
            ("check, warm", [*gk, "check"], env, args.reps),
        ]
        results = {}
        for label, argv, case_env, reps in cases:
            results[label] = statistics.median(timed(argv, root, case_env, reps))
        base = results["python -c pass (baseline)"]
        print(f"\n{'case':45} {'median s':>9} {'x baseline':>11}")
        for label, value in results.items():
            print(f"{label:45} {value:9.3f} {value / base:11.1f}")
        print(
            f"\ntargets (2 cores): task list <= 1 s: {results['task list --json, warm']:.3f} s; "
            f"check <= 2 s: {results['check, warm']:.3f} s  (cpus: {os.cpu_count()})"
        )


if __name__ == "__main__":
    main()
