"""A realistic fixture workspace for rendering tests, written through the real stores.

Program "harbor": a core library (`corelib`) and two consumers (`relay-agent`,
`mesh-io`). Records, decisions, config and evidence are all written through
govkit's own writers; every run directory holds real log files whose digests
are in its record.json. Timestamps are fixed, so renders are reproducible.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from govkit.decisions import Decision, default_body, save_decision
from govkit.evidence.record import Counts, EvidenceRecord, FileDigest, Outcome, RepoPin
from govkit.evidence.store import run_dir, write_record
from govkit.records.model import (
    Blocker,
    Consumer,
    Finding,
    Learning,
    Milestone,
    QueueItem,
    Resolution,
    Task,
    Transition,
)
from govkit.records.store import save_queue, save_record
from govkit.timeutil import compact_stamp
from govkit.workspace import Workspace

SHA = {
    "corelib": "3c1f9a7be2d4c58a91e07f6b2d9c4a1e8f5b7d20",
    "relay-agent": "8e2b47d1c9a03f5e6b18d72c4a9f0e3b5d61c7a4",
    "mesh-io": "b41d8c2e7f9a0563d1c4e8b2a7f6d09c3e5a1b88",
}
OLD_CORE = "7a90c3e1d5b2f48a6c1e9d07b3f2a5c8e4d6b913"
GATE_HASH = {
    "VG-CORE-001": "a" * 64,
    "VG-RELAY-002": "b" * 64,
    "VG-MESH-001": "c" * 64,
    "VG-PERF-001": "d" * 64,
}


def _t(day: int, hour: int, minute: int = 0) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00.000Z"


def configure(ws: Workspace) -> None:
    """govkit.yaml: repos, tuples, gates, safe-mode policy, cadence."""
    with ws.edit_config() as data:
        data["repos"] = {
            "corelib": {"url": "../corelib", "ref": "main"},
            "relay-agent": {"url": "../relay-agent", "ref": "main"},
            "mesh-io": {"url": "../mesh-io", "ref": "main"},
        }
        data["tuples"] = {
            "canonical": dict(SHA),
            "candidate": {**SHA, "corelib": OLD_CORE},
        }
        data["gates"] = {
            "VG-CORE-001": {
                "title": "corelib unit suite",
                "repo": "corelib",
                "argv": ["python", "-m", "pytest", "-q"],
                "parser": "pytest",
                "heavy": True,
                "mem": "2G",
                "weekly": True,
                "required": True,
                "artifacts": ["reports/junit.xml"],
            },
            "VG-RELAY-002": {
                "title": "relay-agent full suite against corelib",
                "repo": "relay-agent",
                "also": ["corelib"],
                "argv": ["python", "-m", "pytest", "-q", "tests"],
                "parser": "pytest",
                "min_tests": 400,
                "weekly": True,
                "required": True,
            },
            "VG-MESH-001": {
                "title": "mesh-io interop compile check",
                "repo": "mesh-io",
                "also": ["corelib"],
                "shell": "make check",
                "weekly": True,
            },
            "VG-PERF-001": {
                "title": "startup and batch throughput",
                "repo": "corelib",
                "argv": ["python", "bench/run.py", "--json"],
                "parser": "metrics-json",
                "weekly": True,
                "perf": {
                    "baseline": "candidate",
                    "metrics": {"startup_ms": "lower", "batch_per_s": "higher"},
                },
            },
            "VG-DOCS-001": {
                "title": "docs link check",
                "repo": "corelib",
                "argv": ["make", "linkcheck"],
            },
        }
        data["safe_mode"]["mode"] = "Safe mode: one heavy suite at a time behind memory admission"
        data["safe_mode"]["default_mem"] = "1G"
        data["safe_mode"]["control_docs"] = ["docs/RUNBOOK.md", "docs/LANES.md"]
        data["safe_mode"]["notes"] = ["Heavy suites never run in parallel after the 2026-10 OOM."]


# task id -> (owner, lane); the program runs by lanes
OWNERS = {
    "M2-T01": ("ana", "relay"),
    "M2-T02": ("ana", "relay"),
    "M2-T03": ("raj", "mesh"),
    "M2-T04": ("", "compat"),
}


def _history(*steps: tuple[str, str | None, str]) -> tuple[Transition, ...]:
    return tuple(Transition(at=at, from_status=a, to_status=b) for at, a, b in steps)


def write_records(ws: Workspace, runs: dict[str, EvidenceRecord]) -> None:
    """Milestones, tasks, findings, blockers, resolutions, consumers and the queue."""
    records = [
        Milestone(
            id="M1",
            status="complete",
            title="Core build health",
            created=_t(2, 9),
            updated=_t(9, 17),
            history=_history((_t(2, 9), "planned", "active"), (_t(9, 17), "active", "complete")),
        ),
        Milestone(
            id="M2",
            status="active",
            title="Consumer contracts",
            created=_t(10, 9),
            updated=_t(10, 9),
            notes="relay seam first",
        ),
        Milestone(
            id="M3",
            status="planned",
            title="Performance budget",
            created=_t(12, 9),
            updated=_t(12, 9),
        ),
    ]
    tasks = [
        ("M1-T01", "M1", "done", "Fix the corelib default build", _t(3, 11)),
        ("M1-T02", "M1", "done", "Feature-matrix CI job", _t(5, 15)),
        ("M1-T03", "M1", "done", "Repair the flaky scheduler test", _t(9, 16)),
        ("M2-T01", "M2", "done", "Define the relay seam contract", _t(17, 10)),
        ("M2-T02", "M2", "in-progress", "Relay full suite on the canonical tuple", ""),
        ("M2-T03", "M2", "blocked", "mesh-io schema version policy", ""),
        ("M2-T04", "M2", "todo", "Cross-repo compatibility script", ""),
    ]
    for tid, mid, status, title, done_at in tasks:
        history: tuple[Transition, ...] = ()
        updated = _t(10, 9)
        if done_at:
            history = _history((done_at, "in-progress", "done"))
            updated = done_at
        elif status == "blocked":
            history = _history((_t(18, 14), "todo", "blocked"))
            updated = _t(18, 14)
        records.append(
            Task(
                id=tid,
                status=status,
                milestone=mid,
                title=title,
                created=_t(2, 9),
                updated=updated,
                history=history,
                owner=OWNERS.get(tid, ("", ""))[0],
                lane=OWNERS.get(tid, ("", ""))[1],
            )
        )
    records += [
        Finding(
            id="F1",
            status="resolved",
            title="corelib default build fails on a clean checkout",
            evidence_summary="feature inference fixed in M1-T01",
            milestone="M1",
            resolved_by=("M1-T01",),
            created=_t(2, 10),
            updated=_t(3, 11),
        ),
        Finding(
            id="F2",
            status="open",
            title="relay-agent vendors a pinned corelib copy",
            evidence_summary="vendored copy lags the canonical tuple | by two releases",
            milestone="M2",
            created=_t(10, 12),
            updated=_t(10, 12),
            owner="ana",
            lane="relay",
        ),
        Finding(
            id="F3",
            status="open",
            title="Parallel suites exhausted memory once",
            evidence_summary="safe mode serializes heavy suites",
            milestone="Program-wide",
            created=_t(2, 10),
            updated=_t(2, 10),
        ),
        Blocker(
            id="B1",
            status="active",
            title="mesh-io schema version is unpinned",
            impact="interop claims cannot be reproduced",
            exit_condition="schema version pinned in D-003",
            conditions=("task M2-T01 done", "gate VG-MESH-001 passes 2 on canonical"),
            owner="raj",
            lane="mesh",
            created=_t(18, 14),
            updated=_t(18, 14),
        ),
        Blocker(
            id="B2",
            status="resolved",
            title="CI runner out of disk",
            impact="weekly gates could not run",
            exit_condition="runner disk cleaned",
            resolution="cache moved to tmpfs",
            conditions=("finding F1 resolved",),
            created=_t(16, 8),
            updated=_t(19, 10),
            history=(
                Transition(
                    at=_t(19, 10),
                    from_status="active",
                    to_status="resolved",
                    note="conditions met: finding F1 resolved (F1 is resolved)",
                ),
            ),
        ),
        Resolution(
            id="R1",
            status="recorded",
            summary="corelib default build fixed (M1-T01)",
            resolves=("F1", "M1-T01"),
            evidence=(runs["core-1"].run_id,),
            created=_t(3, 12),
            updated=_t(3, 12),
        ),
        Resolution(
            id="R2",
            status="recorded",
            summary="relay seam contract defined and its suite is green (M2-T01)",
            resolves=("M2-T01",),
            evidence=("VG-RELAY-002", "docs/relay-seam.md"),
            created=_t(17, 12),
            updated=_t(17, 12),
        ),
        Resolution(
            id="R3",
            status="recorded",
            summary="CI disk blocker cleared",
            resolves=("B2",),
            evidence=(runs["mesh-2"].run_id,),
            created=_t(19, 11),
            updated=_t(19, 11),
        ),
        Learning(
            id="L1",
            status="recorded",
            title="Relay seam contract suite",
            problem="the relay suite imported corelib internals the seam does not export",
            change="tests go through the seam module only; two fixtures moved to corelib",
            files=("relay/seam.py", "tests/test_seam.py"),
            verification=(runs["relay-5"].run_id, "make contract-check"),
            next_steps=("pin the mesh-io schema (M2-T03)", "script the compatibility run"),
            tasks=("M2-T01",),
            owner="ana",
            lane="relay",
            created=_t(19, 12),
            updated=_t(19, 12),
        ),
        Consumer(
            id="relay-agent",
            status="tracked",
            coupling="runtime import + vendored copy",
            readiness="medium",
            risk="vendored copy drifts from canonical",
            created=_t(2, 9),
            updated=_t(2, 9),
        ),
        Consumer(
            id="mesh-io",
            status="tracked",
            coupling="wire-format contract",
            readiness="low",
            risk="schema version unpinned (B1)",
            created=_t(2, 9),
            updated=_t(2, 9),
        ),
        Consumer(
            id="old-cli",
            status="retired",
            coupling="none",
            readiness="low",
            risk="",
            created=_t(2, 9),
            updated=_t(2, 9),
        ),
    ]
    with ws.lock():
        for r in records:
            save_record(ws, r)
        save_queue(
            ws,
            [
                QueueItem("M2-T02", "P0", "Relay full suite green three times on canonical"),
                QueueItem("M2-T03", "P1", "Pin the mesh-io schema version"),
                QueueItem("M2-T04", "P2", "Script the cross-repo compatibility run"),
            ],
        )


def write_decisions(ws: Workspace) -> None:
    """Three decisions: one superseded by another, one still proposed."""
    decisions = [
        Decision(
            id="D-001",
            slug="serialize-heavy-suites",
            title="Serialize heavy suites",
            status="superseded",
            date="2026-11-02",
            deciders=("harbor maintainers",),
            superseded_by=("D-002",),
            body=default_body(
                "Serialize heavy suites",
                "D-001",
                "Two suites at once ran out of memory.",
                "Run heavy suites one at a time.",
                "Slower weekly runs.",
            ),
        ),
        Decision(
            id="D-002",
            slug="safe-run-admission",
            title="Heavy suites go through safe-run admission",
            status="accepted",
            date="2026-11-18",
            deciders=("harbor maintainers",),
            supersedes=("D-001",),
            body=default_body(
                "Heavy suites go through safe-run admission",
                "D-002",
                "Serializing alone did not check free memory.",
                "Every heavy gate runs under `govkit safe-run` with a memory need.",
                "A run can be *refused*; refusals are reported, not hidden.",
            ),
        ),
        Decision(
            id="proposed-pin-mesh-schema",
            slug="pin-mesh-schema",
            title="Pin the mesh-io schema version",
            status="proposed",
            date="2026-11-19",
            deciders=("harbor maintainers",),
            body=default_body("Pin the mesh-io schema version", "proposed", "", "", ""),
        ),
    ]
    with ws.lock():
        for d in decisions:
            save_decision(ws, d)


def _digest(directory: Path, name: str, text: str) -> FileDigest:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return FileDigest.of(path, directory)


def _pins(tuple_name: str, core: str = SHA["corelib"]) -> list[RepoPin]:
    commits = {**SHA, "corelib": core}
    return [RepoPin(n, f"../{n}", tuple_name, c, None) for n, c in commits.items()]


def make_run(
    ws: Workspace,
    key: str,
    gate_id: str,
    started_at: str,
    outcome: Outcome,
    *,
    counts: Counts | None = None,
    metrics: dict[str, float] | None = None,
    duration: float = 60.0,
    tuple_name: str = "canonical",
    core: str = SHA["corelib"],
    claim_grade: bool = True,
    artifacts: dict[str, str] | None = None,
) -> EvidenceRecord:
    """Write one run with real log files; the run id is derived from `key` (stable)."""
    run_id = f"{compact_stamp(started_at)}-{gate_id}-{hashlib.sha256(key.encode()).hexdigest()[:4]}"
    directory = run_dir(ws, run_id, started_at[:10])
    directory.mkdir(parents=True, exist_ok=True)
    summary = counts.summary() if counts else outcome.value
    stdout = f"collected tests for {gate_id}\n...\n===== {summary} in {duration:.2f}s =====\n"
    pins = _pins(tuple_name, core)
    working = {"VG-RELAY-002": "relay-agent", "VG-MESH-001": "mesh-io"}.get(gate_id, "corelib")
    pins.sort(key=lambda p: p.name != working)
    rec = EvidenceRecord(
        run_id=run_id,
        gate_id=gate_id,
        gate_hash=GATE_HASH.get(gate_id, "e" * 64),
        outcome=outcome,
        started_at=started_at,
        ended_at=started_at[:17] + "59.000Z",
        duration_s=duration,
        argv=["python", "-m", "pytest", "-q"],
        cwd=".",
        exit_code=0 if outcome is Outcome.PASS else 1,
        tuple_name=tuple_name,
        repos=pins,
        source="clean-clone" if claim_grade else "worktree",
        claim_grade=claim_grade,
        not_claim_grade_because=[] if claim_grade else ["run from a working tree"],
        parser="metrics-json" if metrics else "pytest",
        counts=counts,
        metrics=metrics,
        peak_rss_bytes=512 * 1024 * 1024,
        logs={
            "stdout": _digest(directory, "stdout.log", stdout),
            "stderr": _digest(directory, "stderr.log", ""),
        },
        artifacts=[
            _digest(directory, f"artifacts/{name}", text)
            for name, text in (artifacts or {}).items()
        ],
        host={"os": "Linux", "cpus": 2},
        govkit_version="0.1.0",
        message="" if outcome is Outcome.PASS else f"{gate_id} did not pass",
    )
    write_record(ws, rec)
    return rec


def write_runs(ws: Workspace) -> dict[str, EvidenceRecord]:
    """A history per gate: passes, a failure then a fix, a timeout, a worktree run, perf metrics."""
    C = Counts
    plan: list[tuple[str, str, str, Outcome, dict[str, object]]] = [
        (
            "core-1",
            "VG-CORE-001",
            _t(3, 11, 30),
            Outcome.PASS,
            {"counts": C(passed=212, skipped=3), "duration": 41.5},
        ),
        (
            "core-2",
            "VG-CORE-001",
            _t(9, 15),
            Outcome.FAIL,
            {"counts": C(passed=214, failed=2, skipped=3), "duration": 44.0},
        ),
        (
            "core-3",
            "VG-CORE-001",
            _t(9, 16, 40),
            Outcome.PASS,
            {"counts": C(passed=216, skipped=3), "duration": 43.2},
        ),
        (
            "core-4",
            "VG-CORE-001",
            _t(17, 9),
            Outcome.PASS,
            {"counts": C(passed=216, skipped=3), "duration": 42.8},
        ),
        (
            "core-5",
            "VG-CORE-001",
            _t(18, 9),
            Outcome.PASS,
            {
                "counts": C(passed=216, skipped=3),
                "duration": 45.1,
                "artifacts": {"reports/junit.xml": '<testsuite tests="219"/>\n'},
            },
        ),
        (
            "relay-1",
            "VG-RELAY-002",
            _t(10, 13),
            Outcome.FAIL,
            {"counts": C(passed=431, failed=5), "duration": 610.0},
        ),
        ("relay-2", "VG-RELAY-002", _t(16, 13), Outcome.TIMEOUT, {"duration": 1800.0}),
        (
            "relay-3",
            "VG-RELAY-002",
            _t(17, 11),
            Outcome.PASS,
            {"counts": C(passed=436), "duration": 598.0},
        ),
        ("relay-4", "VG-RELAY-002", _t(18, 11), Outcome.REFUSED, {"duration": 0.5}),
        (
            "relay-5",
            "VG-RELAY-002",
            _t(19, 11),
            Outcome.PASS,
            {"counts": C(passed=436), "duration": 602.3},
        ),
        ("mesh-1", "VG-MESH-001", _t(12, 10), Outcome.ERROR, {"duration": 3.0}),
        (
            "mesh-2",
            "VG-MESH-001",
            _t(19, 10, 30),
            Outcome.PASS,
            {"counts": C(passed=1), "duration": 95.0},
        ),
        (
            "mesh-3",
            "VG-MESH-001",
            _t(20, 8),
            Outcome.PASS,
            {"counts": C(passed=1), "duration": 93.0, "claim_grade": False},
        ),
        (
            "perf-1",
            "VG-PERF-001",
            _t(11, 14),
            Outcome.PASS,
            {"metrics": {"startup_ms": 182.0, "batch_per_s": 940.0}, "duration": 120.0},
        ),
        (
            "perf-2",
            "VG-PERF-001",
            _t(18, 14),
            Outcome.PASS,
            {"metrics": {"startup_ms": 171.5, "batch_per_s": 1012.0}, "duration": 118.0},
        ),
    ]
    out: dict[str, EvidenceRecord] = {}
    for key, gate_id, at, outcome, extra in plan:
        out[key] = make_run(ws, key, gate_id, at, outcome, **extra)  # type: ignore[arg-type]
    return out


def build_workspace(ws: Workspace) -> dict[str, EvidenceRecord]:
    """Fill `ws` with the whole fixture; returns the runs by key (core-1, relay-3, …)."""
    configure(ws)
    write_decisions(ws)
    runs = write_runs(ws)
    write_records(ws, runs)
    (ws.root / "docs").mkdir(exist_ok=True)
    (ws.root / "docs" / "relay-seam.md").write_text("# Relay seam contract\n")
    return runs


def make_record_like(*, metrics: dict[str, object]) -> EvidenceRecord:
    """A minimal in-memory record carrying `metrics` (for pure chart-data tests)."""
    return EvidenceRecord(
        run_id="20261118T140000Z-VG-PERF-001-0000",
        gate_id="VG-PERF-001",
        gate_hash=None,
        outcome=Outcome.PASS,
        started_at="2026-11-18T14:00:00.000Z",
        ended_at="2026-11-18T14:02:00.000Z",
        duration_s=120.0,
        argv=["python", "bench.py"],
        cwd=".",
        exit_code=0,
        metrics=metrics,
    )
