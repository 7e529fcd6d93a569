"""Whole-process times of `govkit render status` and `govkit site` on a big synthetic workspace.

Run: python benchmarks/bench_render.py [--records 10000] [--runs 100000] [--gates 20] [--keep DIR]
Targets (2 cores): render status <= 1 s warm and <= 2.5 s cold; site <= 10 s.

The workspace has `--records` record files (tasks, findings, blockers, resolutions,
milestones, consumers) and a ledger of `--runs` runs with a valid hash chain.
Rendering is designed to need only the ledger plus the record.json of runs a page
shows in detail, so the benchmark writes record.json (and logs) only for the last
RECORDS_PER_GATE runs of each gate: `render status` opens none, `site` opens the
last 200 per gate (charts) and the runs its pages cite.
"Cold" is a render with .govkit/ caches removed (and the OS page cache dropped when this
process may write /proc/sys/vm/drop_caches), after one untimed render that compiles the
bytecode of the standard library and the dependencies, as installing them does;
"warm" is the median of repeated runs. The cold output is compared with a render in one
process (GOVKIT_JOBS=1, no caches): a cold load may fork (decision D-024).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDS_PER_GATE = 250
GENESIS = "0" * 64


CPU: list[float] = []  # CPU seconds (user + sys) of each timed child, in order


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of one whole process; its CPU seconds go to CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def median_of(argv: list[str], cwd: Path, env: dict[str, str], rounds: int) -> float:
    return statistics.median(timed(argv, cwd, env) for _ in range(rounds))


def cpu_note(rounds: int = 1) -> str:
    """The median CPU time of the last `rounds` timed processes (contention-proof)."""
    return f"cpu {statistics.median(CPU[-rounds:]):6.3f} s"


def write_config(ws: Path, gates: list[str]) -> None:
    lines = [
        "program: bench-program",
        "repos:",
        "  core: {url: ../core, ref: main}",
        "  agent: {url: ../agent, ref: main}",
        "tuples:",
        "  canonical: {core: " + "a" * 40 + ", agent: " + "b" * 40 + "}",
        "gates:",
    ]
    for i, g in enumerate(gates):
        lines += [
            f"  {g}:",
            f"    title: bench gate {i}",
            "    repo: core" if i % 2 == 0 else "    repo: agent",
            "    argv: [python, -m, pytest, -q]",
            "    parser: pytest",
            f"    weekly: {'true' if i < 5 else 'false'}",
        ]
    lines += ["safe_mode:", "  mode: Safe mode (bench)", "  heavy_slots: 1"]
    (ws / "govkit.yaml").write_text("\n".join(lines) + "\n")


def stamp(i: int) -> str:
    # One run every ~5 minutes from 2025-06-01, as RFC 3339 with milliseconds.
    t = time.gmtime(1748736000 + i * 300)
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", t)


def write_records(ws: Path, n: int, run_refs: list[str]) -> None:
    rec = ws / "records"
    kinds = {
        "milestones": n // 100,
        "consumers": n // 200,
        "findings": n // 10,
        "blockers": n // 20,
        "resolutions": n // 20,
    }
    kinds["tasks"] = n - sum(kinds.values())
    for kind in kinds:
        (rec / kind).mkdir(parents=True, exist_ok=True)
    created = "2026-01-05T10:00:00.000Z"
    for i in range(kinds["milestones"]):
        (rec / "milestones" / f"M{i + 1}.yaml").write_text(
            f"id: M{i + 1}\nstatus: active\ntitle: Milestone {i + 1}\ncreated: '{created}'\nupdated: '{created}'\n"
        )
    per = max(1, kinds["tasks"] // max(1, kinds["milestones"]))
    for i in range(kinds["tasks"]):
        m = i // per + 1 if i // per < kinds["milestones"] else kinds["milestones"]
        status = "done" if i % 3 else "todo"
        history = (
            f"history:\n  - at: '2026-02-0{1 + i % 9}T10:00:00.000Z'\n    from_status: in-progress\n    to_status: done\n"
            if status == "done"
            else ""
        )
        (rec / "tasks" / f"M{m}-T{i + 1:05d}.yaml").write_text(
            f"id: M{m}-T{i + 1:05d}\nstatus: {status}\nmilestone: M{m}\ntitle: Task {i + 1} of the bench program\n"
            f"created: '{created}'\nupdated: '{created}'\n{history}"
        )
    for i in range(kinds["findings"]):
        (rec / "findings" / f"F{i + 1}.yaml").write_text(
            f"id: F{i + 1}\nstatus: {'resolved' if i % 2 else 'open'}\ntitle: Finding {i + 1}\n"
            f"evidence_summary: seen in run logs\nmilestone: M1\ncreated: '{created}'\nupdated: '{created}'\n"
        )
    for i in range(kinds["blockers"]):
        (rec / "blockers" / f"B{i + 1}.yaml").write_text(
            f"id: B{i + 1}\nstatus: {'active' if i % 5 == 0 else 'resolved'}\ntitle: Blocker {i + 1}\n"
            f"impact: slows the lane\nexit_condition: fixed upstream\ncreated: '{created}'\nupdated: '{created}'\n"
        )
    for i in range(kinds["resolutions"]):
        ref = run_refs[i % len(run_refs)]
        (rec / "resolutions" / f"R{i + 1}.yaml").write_text(
            f"id: R{i + 1}\nstatus: recorded\nsummary: Resolution {i + 1}\nevidence: [{ref}]\n"
            f"created: '{created}'\nupdated: '{created}'\n"
        )
    for i in range(kinds["consumers"]):
        (rec / "consumers" / f"consumer-{i + 1}.yaml").write_text(
            f"id: consumer-{i + 1}\nstatus: tracked\ncoupling: runtime\nreadiness: medium\nrisk: drift\n"
            f"created: '{created}'\nupdated: '{created}'\n"
        )
    queue = "".join(
        f"- id: M1-T{i + 1:05d}\n  priority: P{i % 3}\n  description: queued task {i + 1}\n"
        for i in range(0, 30, 3)
    )
    (rec / "queue.yaml").write_text(queue)


def write_runs(ws: Path, n: int, gates: list[str]) -> list[str]:
    """Ledger lines for n runs (valid chain); record.json + logs for the newest per gate."""
    ev = ws / "evidence"
    (ev / "runs").mkdir(parents=True, exist_ok=True)
    outcomes = ["pass"] * 17 + ["fail", "timeout", "error"]
    newest: dict[str, int] = {}
    for i in range(n):
        newest[gates[i % len(gates)]] = i
    with_record = {
        i for i in range(n) if i > newest[gates[i % len(gates)]] - RECORDS_PER_GATE * len(gates)
    }
    prev = GENESIS
    cited: list[str] = []
    log = b"===== 930 passed, 6 skipped in 61.20s =====\n"
    log_sha = hashlib.sha256(log).hexdigest()
    with (ev / "ledger.jsonl").open("w") as ledger:
        for i in range(n):
            gate = gates[i % len(gates)]
            started = stamp(i)
            # Each gate sees a fail/timeout/error about once in 20 runs, at varying places.
            outcome = outcomes[(i // len(gates) * 7 + i) % len(outcomes)]
            run_id = f"{started[:19].replace('-', '').replace(':', '')}Z-{gate}-{i % 65536:04x}"
            counts = (
                {
                    "passed": 930,
                    "failed": 1 if outcome == "fail" else 0,
                    "skipped": 6,
                    "errors": 0,
                    "xfailed": 0,
                    "xpassed": 0,
                    "warnings": 0,
                }
                if outcome in ("pass", "fail")
                else None
            )
            pins = {"core": "a" * 40, "agent": "b" * 40}
            rel = f"runs/{started[:10]}/{run_id}/record.json"
            record_sha = "0" * 64
            if i in with_record:
                run_dir = ev / rel
                run_dir.parent.mkdir(parents=True, exist_ok=True)
                (run_dir.parent / "stdout.log").write_bytes(log)
                body = {
                    "schema": "govkit.evidence/1",
                    "run_id": run_id,
                    "gate_id": gate,
                    "gate_hash": "c" * 64,
                    "outcome": outcome,
                    "started_at": started,
                    "ended_at": started,
                    "duration_s": 60.0 + (i % 13),
                    "argv": ["python", "-m", "pytest"],
                    "cwd": ".",
                    "exit_code": 0 if outcome == "pass" else 1,
                    "signal": None,
                    "shell": False,
                    "tuple_name": "canonical",
                    "repos": [
                        {
                            "name": r,
                            "url": f"../{r}",
                            "ref": "canonical",
                            "commit": c,
                            "tree": None,
                            "dirty": False,
                        }
                        for r, c in pins.items()
                    ],
                    "source": "clean-clone",
                    "claim_grade": True,
                    "not_claim_grade_because": [],
                    "env": {},
                    "env_redacted": [],
                    "parser": "pytest",
                    "counts": counts,
                    "metrics": None,
                    "peak_rss_bytes": 1 << 29,
                    "admission": {},
                    "logs": {"stdout": {"path": "stdout.log", "sha256": log_sha, "size": len(log)}},
                    "artifacts": [],
                    "host": {},
                    "govkit_version": "bench",
                    "message": "",
                }
                data = (json.dumps(body, sort_keys=True, indent=2) + "\n").encode()
                run_dir.write_bytes(data)
                record_sha = hashlib.sha256(data).hexdigest()
                if len(cited) < 200 and i % 97 == 0:
                    cited.append(run_id)
            entry = {
                "seq": i + 1,
                "run_id": run_id,
                "record": rel,
                "record_sha256": record_sha,
                "gate_id": gate,
                "outcome": outcome,
                "started_at": started,
                "claim_grade": True,
                "tuple_name": "canonical",
                "commit": pins["core"],
                "pins": pins,
                "gate_hash": "c" * 64,
                "counts": counts,
                "prev": prev,
            }
            entry["hash"] = hashlib.sha256(
                json.dumps(
                    entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                ).encode()
            ).hexdigest()
            prev = entry["hash"]
            ledger.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
    return cited


def drop_os_cache() -> bool:
    with contextlib.suppress(OSError):
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--gates", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    parser.add_argument(
        "--keep-os-cache",
        action="store_true",
        help="cold = govkit's caches removed only (dropping the page cache slows a shared machine)",
    )
    args = parser.parse_args()

    base_dir = args.keep or Path(tempfile.mkdtemp(prefix="govkit-bench-render-"))
    ws = base_dir / "ws"
    if ws.exists():
        shutil.rmtree(ws)
    ws.mkdir(parents=True)
    gates = [f"VG-BENCH-{i:03d}" for i in range(1, args.gates + 1)]
    t0 = time.perf_counter()
    write_config(ws, gates)
    (ws / "decisions").mkdir()
    for i in range(1, 31):
        (ws / "decisions" / f"D-{i:03d}-bench-decision-{i}.md").write_text(
            f"---\nid: D-{i:03d}\ntitle: Bench decision {i}\nstatus: accepted\ndate: '2026-01-{1 + i % 28:02d}'\n---\n"
            f"# D-{i:03d}: Bench decision {i}\n\n## Context\n\nWhy.\n\n## Decision\n\nWhat.\n\n## Consequences\n\nSo.\n"
        )
    cited = write_runs(ws, args.runs, gates)
    write_records(ws, args.records, cited)
    build = time.perf_counter() - t0
    print(f"workspace: {ws}")
    print(
        f"built {args.records} records, {args.runs} runs ({args.gates} gates; record.json for the "
        f"last {RECORDS_PER_GATE} runs per gate) in {build:.1f} s"
    )

    # This checkout first; an existing PYTHONPATH stays after it (e.g. to try a C YAML loader).
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    # Compiled bytecode, as an installed package has (pip writes .pyc files at install),
    # even under PYTHONDONTWRITEBYTECODE; kept beside the data, not in the source tree.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(base_dir / "pycache")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "govkit")], env=env, check=True
    )
    govkit = [sys.executable, "-m", "govkit"]
    base = median_of([sys.executable, "-c", "pass"], ws, env, args.rounds)
    print(
        f"load average before timing: {os.getloadavg()[0]:.2f} (wall times suffer when it exceeds the cores)"
    )
    print(f"python -c pass              {base:7.3f} s  {cpu_note(args.rounds)}")

    # PYTHONPYCACHEPREFIX hides the .pyc files installed beside the standard library and the
    # dependencies too; one untimed render writes theirs, so "cold" is govkit's own cold
    # start (no .govkit/ caches), not Python compiling Jinja, Click and ruamel afresh.
    subprocess.run([*govkit, "render", "status"], cwd=ws, env=env, check=True, capture_output=True)
    shutil.rmtree(ws / ".govkit" / "cache", ignore_errors=True)
    dropped = False if args.keep_os_cache else drop_os_cache()
    cold = timed([*govkit, "render", "status"], ws, env)
    print(
        f"render status cold          {cold:7.3f} s  {cpu_note()}  ({cold / base:5.1f}x baseline; "
        f"target <= 2.5 s{'' if dropped else '; OS page cache not dropped'})"
    )
    # The cold render may fork (D-024): its output must be what one process renders.
    one = {**env, "GOVKIT_JOBS": "1", "GOVKIT_NO_CACHE": "1"}
    alone = ws / "STATUS-one-process.md"  # beside STATUS.md: the same relative links
    subprocess.run([*govkit, "render", "status", "-o", str(alone)], cwd=ws, env=one, check=True)
    if alone.read_bytes() != (ws / "STATUS.md").read_bytes():
        sys.exit("render status cold differs from a render in one process (GOVKIT_JOBS=1)")
    alone.unlink()
    warm = median_of([*govkit, "render", "status"], ws, env, args.rounds)
    print(
        f"render status warm (median) {warm:7.3f} s  {cpu_note(args.rounds)}  ({warm / base:5.1f}x baseline; target <= 1 s)"
    )
    check = median_of([*govkit, "render", "status", "--check"], ws, env, args.rounds)
    print(
        f"render status --check       {check:7.3f} s  {cpu_note(args.rounds)}  ({check / base:5.1f}x baseline)"
    )
    site = timed([*govkit, "site", "-o", str(base_dir / "site")], ws, env)
    pages = sum(1 for _ in (base_dir / "site").rglob("*.html"))
    print(
        f"site ({pages} pages)          {site:7.3f} s  {cpu_note()}  ({site / base:5.1f}x baseline; target <= 10 s)"
    )
    if not args.keep:
        shutil.rmtree(base_dir)


if __name__ == "__main__":
    main()
