"""The demo's script: every govkit command a maintainer would type, in order.

`demo_steps()` is a generator of steps. The CLI (govkit/cli/demo.py) runs each
step's command in-process and prints it, so the demo shows the real commands
and their real output. Between steps the generator may read the workspace (to
cite the run ids a gate run just produced) or prepare files, never print.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from govkit.demo.repos import build_demo_repos
from govkit.errors import ConflictError
from govkit.evidence.query import runs_for_gate
from govkit.evidence.store import read_ledger
from govkit.workspace import Workspace

MARKER = ".govkit-demo"


@dataclass(frozen=True)
class Section:
    """A heading in the demo's output."""

    title: str
    text: str = ""


@dataclass(frozen=True)
class Step:
    """One govkit command (arguments after `govkit -C WORKSPACE`)."""

    argv: tuple[str, ...]
    show: bool = True  # print the command's output (else only the command line)
    expect: int = 0  # the exit code the demo expects (the failing gate expects 1)
    in_workspace: bool = True  # prefix with -C WORKSPACE


@dataclass(frozen=True)
class DemoLayout:
    """Where the demo puts things."""

    root: Path

    @property
    def repos(self) -> Path:
        return self.root / "repos"

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"


def prepare_directory(root: Path, *, force: bool) -> DemoLayout:
    """Refuse an existing directory unless --force and it is an earlier demo (or empty)."""
    root = root.resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        if not force:
            raise ConflictError(
                f"{root} already exists", hint="pass --force to rebuild it, or choose another DIR"
            )
        if not (root / MARKER).is_file():
            raise ConflictError(
                f"{root} exists and was not made by govkit demo; refusing to delete it",
                hint="choose another DIR",
            )
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / MARKER).write_text("made by govkit demo; `govkit demo --force` may delete it\n")
    return DemoLayout(root)


def latest_run(ws: Workspace, gate_id: str) -> str:
    """The id of the newest run of a gate (to cite it as evidence)."""
    return runs_for_gate(read_ledger(ws), gate_id)[-1].run_id


def demo_steps(layout: DemoLayout, python: str) -> Iterator[Section | Step]:
    """The whole demo, as sections and commands."""
    pytest_argv = (python, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    tags = build_demo_repos(layout.repos)
    yield Section(
        "Three repositories",
        f"Built offline under {layout.repos}: core-lib (a library with a pytest suite), "
        "consumer-app (imports core-lib, has its own suite), perf-harness (prints metrics JSON). "
        f"core-lib has tags {', '.join(tags['core-lib'])}; v3-experimental breaks its suite.",
    )

    yield Section("A workspace: repos, tuples, gates")
    yield Step(("init", str(layout.workspace), "--name", "Demo program"), in_workspace=False)
    for repo in ("core-lib", "consumer-app", "perf-harness"):
        yield Step(("repo", "add", repo, str(layout.repos / repo)), show=False)
    for name, core, app in (
        ("baseline", "v1", "v1"),
        ("canonical", "v1", "v1"),
        ("candidate", "v2", "v2"),
        ("experimental", "v3-experimental", "v2"),
    ):
        yield Step(
            ("tuple", "pin", name, f"core-lib={core}", f"consumer-app={app}", "perf-harness=v1"),
            show=name == "candidate",
        )
    yield Step(
        ("gate", "add", "VG-CORE-001", "--title", "Core unit suite", "--repo", "core-lib")
        + ("--parser", "pytest", "--min-tests", "10", "--timeout", "2m", "--weekly", "--")
        + pytest_argv
    )
    yield Step(
        ("gate", "add", "VG-APP-001", "--title", "Consumer suite against core")
        + ("--repo", "consumer-app", "--also", "core-lib", "--parser", "pytest", "--min-tests", "3")
        + ("--heavy", "--mem", "256M", "--timeout", "2m", "--weekly", "--")
        + pytest_argv
    )
    yield Step(
        ("gate", "add", "VG-PERF-001", "--title", "Core timings vs baseline")
        + ("--repo", "perf-harness", "--also", "core-lib", "--parser", "metrics-json")
        + ("--perf-baseline", "baseline", "--perf-threshold", "0.5", "--perf-rounds", "3")
        + ("--perf-metric", "checksum_ms=lower", "--perf-metric", "parse_version_us=lower")
        + ("--timeout", "2m", "--weekly", "--", python, "bench.py")
    )

    yield Section("Records: milestones, tasks, findings, blockers, consumers, decisions, queue")
    records: list[tuple[str, ...]] = [
        ("milestone", "add", "M1", "--title", "Core foundation", "--status", "active"),
        ("milestone", "add", "M2", "--title", "Consumer rollout", "--status", "active"),
        ("milestone", "add", "M3", "--title", "Performance budget"),
        (
            "task",
            "add",
            "M1-T01",
            "--milestone",
            "M1",
            "--title",
            "Version parsing",
            "--status",
            "done",
        ),
        ("task", "add", "M1-T02", "--milestone", "M1", "--title", "Checksum", "--status", "done"),
        ("task", "add", "M2-T01", "--milestone", "M2", "--title", "Batch helper for the consumer"),
        ("task", "add", "M2-T02", "--milestone", "M2", "--title", "Chunked report in consumer-app"),
        ("task", "add", "M2-T03", "--milestone", "M2", "--title", "Weekly cadence on canonical"),
        ("task", "add", "M3-T01", "--milestone", "M3", "--title", "Perf gate against baseline"),
        ("finding", "add", "F1", "--title", "consumer-app needs batching the core lacks")
        + ("--milestone", "M2", "--summary", "chunked report re-implements batching"),
        ("blocker", "add", "B1", "--title", "Parallel heavy suites can exhaust memory")
        + ("--impact", "a crashed machine loses the session")
        + ("--exit-condition", "every heavy gate runs through safe-run admission"),
        ("consumer", "add", "consumer-app", "--coupling", "runtime import of core-lib")
        + ("--readiness", "medium", "--risk", "batch API drift"),
        ("consumer", "add", "perf-harness", "--coupling", "benchmark harness")
        + ("--readiness", "high", "--risk", "noisy timings on shared machines"),
        ("decision", "new", "Claims come only from clean clones of committed tuples")
        + ("--context", "Runs from dirty working trees were reported as if they described commits.")
        + ("--decision", "Every claim cites a claim-grade run: a fresh clone of pinned commits.")
        + ("--consequences", "Claims are reproducible; quick local checks stay unclaimable."),
        ("decision", "accept", "claims-come-only"),
        ("decision", "new", "Promote a candidate after three consecutive green runs")
        + ("--context", "Candidates were promoted on one lucky green run.")
        + ("--decision", "A candidate becomes canonical after 3 claim-grade passes of every gate.")
        + ("--consequences", "Promotion takes longer; flaky suites surface before they land."),
        ("decision", "accept", "promote-a-candidate"),
        ("decision", "new", "Adopt the faster experimental batch implementation")
        + ("--context", "v3-experimental claims a faster batch.")
        + ("--decision", "Use it once its gates pass."),
        ("queue", "add", "M2-T02", "--priority", "P0", "--description", "Land chunked report"),
        ("queue", "add", "M2-T03", "--priority", "P1", "--description", "First weekly packet"),
        ("queue", "add", "M3-T01", "--priority", "P1", "--description", "Tighten perf budget"),
    ]
    for argv in records:
        yield Step(argv, show=argv[0] == "decision" and argv[1] == "accept")
    yield Step(("task", "set", "M2-T01", "--status", "in-progress"), show=False)

    yield Section(
        "Gates in clean clones, through safe-run",
        "Each run clones the tuple's commits afresh, runs under safe-run (heavy slot, memory "
        "admission, timeout), parses the counts and writes an evidence record to the ledger.",
    )
    for _ in range(3):
        yield Step(("gate", "run", "--all", "--tuple", "candidate"))

    yield Section("Promotion: three consecutive claim-grade passes")
    gates = ("--gate", "VG-CORE-001", "--gate", "VG-APP-001", "--gate", "VG-PERF-001")
    yield Step(("promote", "candidate", "--into", "canonical", "--streak", "3", *gates, "--check"))
    yield Step(("promote", "candidate", "--into", "canonical", "--streak", "3", *gates, "--apply"))

    yield Section("A candidate that fails", "v3-experimental drops the last partial batch.")
    yield Step(("gate", "run", "VG-CORE-001", "--tuple", "experimental"), expect=1)
    ws = Workspace(layout.workspace)
    failed = latest_run(ws, "VG-CORE-001")
    yield Step(
        ("finding", "add", "F2", "--title", "Experimental batch drops the last partial batch")
        + ("--milestone", "M2", "--summary", f"VG-CORE-001 fails on experimental (run {failed})")
    )
    yield Step(("decision", "reject", "adopt-the-faster"))

    yield Section("Records cite the evidence")
    app = latest_run(ws, "VG-APP-001")
    passing_core = runs_for_gate(read_ledger(ws), "VG-CORE-001")[-2].run_id
    for argv in (
        ("task", "set", "M1-T01", "--evidence", passing_core),
        ("task", "set", "M1-T02", "--evidence", passing_core),
        ("task", "set", "M2-T01", "--status", "done", "--evidence", app),
        ("task", "set", "M2-T02", "--status", "done", "--evidence", app),
        ("milestone", "set", "M1", "--status", "complete"),
        ("finding", "resolve", "F1", "--by", "M2-T01"),
        ("resolution", "add", "R1", "--summary", "Batch helper landed; consumer suite runs it")
        + ("--resolves", "F1,M2-T01", "--evidence", app),
        ("blocker", "add", "B2", "--title", "Experimental core breaks batching")
        + ("--impact", "cannot adopt v3", "--exit-condition", "VG-CORE-001 passes on it"),
        ("queue", "remove", "M2-T02"),
    ):
        yield Step(argv, show=False)

    yield Section("Rendered from records and evidence")
    yield Step(("render", "status", "-o", str(layout.workspace / "STATUS.md")))
    yield Step(("cadence", "run", "--no-run"))
    yield Step(("handoff", "-o", str(layout.workspace / "HANDOFF.md")))
    yield Step(("site", "-o", str(layout.workspace / "site")))

    yield Section(
        "Audit: every claim backed by evidence",
        "STATUS.md cites each count with a link to its record; audit re-hashes the ledger, "
        "records and logs and recomputes the counts from the stored logs.",
    )
    yield Step(("audit",))
    notes = layout.workspace / "NOTES.md"
    notes.write_text(
        "# Notes from a hurried session\n\n- All tests pass on the candidate.\n"
        "- VG-APP-001: 7 passed, no regressions.\n",
        encoding="utf-8",
    )
    yield Section("…and a hand-written note that audit rejects")
    yield Step(("audit", str(notes)), expect=1)
