"""gate add/list/show: options land in govkit.yaml (comments kept) and read back the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.tuples import add_repo
from govkit.workspace import Workspace
from tests.helpers import invoke, make_repo


@pytest.fixture
def two_repos(ws: Workspace) -> Workspace:
    for name in ("core", "agent"):
        make_repo(ws.root.parent / name)
        add_repo(ws, name, str(ws.root.parent / name))
    return ws


def test_gate_add_writes_every_option(two_repos: Workspace, runner: CliRunner) -> None:
    ws = two_repos
    code, out = invoke(
        runner, ws, "gate", "add", "VG-LA-002", "--title", "agent suite", "--repo", "agent",
        "--also", "core", "--tuple", "candidate", "--parser", "pytest", "--timeout", "45m",
        "--heavy", "--mem", "4G", "--min-tests", "900", "--max-failures", "2",
        "--env", "PYTHONHASHSEED=0", "--env", "MODE=ci", "--artifact", "junit.xml",
        "--weekly", "--cwd", "tests", "--", "python", "-m", "pytest", "-q", "-x",
    )  # fmt: skip
    assert code == 0, out
    g = ws.config.gates["VG-LA-002"]
    assert (g.repo, g.also, g.tuple_name, g.parser) == ("agent", ("core",), "candidate", "pytest")
    assert g.argv == ("python", "-m", "pytest", "-q", "-x") and g.shell is None
    assert (g.timeout, g.heavy, g.mem) == (2700.0, True, 4 * 1024**3)
    assert (g.min_tests, g.max_failures, g.weekly, g.cwd) == (900, 2, True, "tests")
    assert g.env == {"PYTHONHASHSEED": "0", "MODE": "ci"} and g.artifacts == ("junit.xml",)
    text = ws.config_path.read_text()
    assert "# govkit workspace configuration" in text and "timeout: 45m" in text
    assert "mem: 4G" in text


def test_gate_add_shell_and_errors(two_repos: Workspace, runner: CliRunner) -> None:
    ws = two_repos
    code, out = invoke(
        runner, ws, "gate", "add", "VG-SH-1", "--title", "t", "--repo", "core", "--shell",
        "--", "make test | tee out.txt",
    )  # fmt: skip
    assert code == 0, out
    assert ws.config.gates["VG-SH-1"].shell == "make test | tee out.txt"
    code, out = invoke(
        runner, ws, "gate", "add", "VG-SH-1", "--title", "t", "--repo", "core", "--", "x"
    )
    assert code == 2 and "already exists" in out
    code, out = invoke(
        runner, ws, "gate", "add", "VG-X-1", "--title", "t", "--repo", "nope", "--", "x"
    )
    assert code == 2 and "needs repo 'nope'" in out
    code, out = invoke(
        runner, ws, "gate", "add", "bad id", "--title", "t", "--repo", "core", "--", "x"
    )
    assert code == 2 and "gate id" in out
    code, out = invoke(runner, ws, "gate", "add", "VG-X-1", "--title", "t", "--repo", "core", "--timeout", "soon", "--", "x")  # fmt: skip
    assert code == 2 and "not a duration" in out
    code, out = invoke(runner, ws, "gate", "add", "VG-X-1", "--title", "t", "--repo", "core", "--env", "NOEQUALS", "--", "x")  # fmt: skip
    assert code == 2 and "K=V" in out


def test_gate_list_and_show(two_repos: Workspace, runner: CliRunner) -> None:
    ws = two_repos
    for gid in ("VG-A-10", "VG-A-2"):
        invoke(
            runner, ws, "gate", "add", gid, "--title", f"t {gid}", "--repo", "core", "--", "true"
        )
    code, out = invoke(runner, ws, "gate", "list", "--json")
    data = json.loads(out)
    assert [g["id"] for g in data] == ["VG-A-2", "VG-A-10"]  # natural order
    assert data[0]["hash"] == ws.config.gates["VG-A-2"].definition_hash()
    code, out = invoke(runner, ws, "gate", "show", "VG-A-2")
    assert code == 0 and "title: t VG-A-2" in out and 'argv: ["true"]' in out
    code, out = invoke(runner, ws, "gate", "show", "VG-NONE-1")
    assert code == 2 and "unknown gate" in out


def test_gate_run_usage_errors(two_repos: Workspace, runner: CliRunner, tmp_path: Path) -> None:
    ws = two_repos
    code, out = invoke(runner, ws, "gate", "run")
    assert code == 2 and "--all" in out
    code, out = invoke(runner, ws, "gate", "run", "--weekly", "VG-A-1")
    assert code == 2
    code, out = invoke(runner, ws, "gate", "run", "--all", "--weekly")
    assert code == 2 and "no gates to run" in out


def test_gate_add_perf_options(two_repos: Workspace, runner: CliRunner) -> None:
    ws = two_repos
    code, out = invoke(
        runner, ws, "gate", "add", "VG-PERF-001", "--title", "timings", "--repo", "core",
        "--parser", "metrics-json", "--perf-baseline", "baseline", "--perf-threshold", "0.2",
        "--perf-rounds", "5", "--perf-metric", "latency_ms=lower",
        "--perf-metric", "ops_per_s=higher", "--", "python", "bench.py",
    )  # fmt: skip
    assert code == 0, out
    perf = ws.config.gates["VG-PERF-001"].perf
    assert perf is not None
    assert (perf.baseline, perf.threshold, perf.rounds) == ("baseline", 0.2, 5)
    assert perf.metrics == {"latency_ms": "lower", "ops_per_s": "higher"}
    code, out = invoke(
        runner, ws, "gate", "add", "VG-PERF-002", "--title", "t", "--repo", "core",
        "--perf-baseline", "baseline", "--perf-metric", "x=sideways", "--", "true",
    )  # fmt: skip
    assert code == 2 and "lower or higher" in out
    assert "VG-PERF-002" not in ws.config.gates


def test_perf_gate_options_are_checked(two_repos: Workspace, runner: CliRunner) -> None:
    ws = two_repos
    base = [
        "gate",
        "add",
        "VG-P-1",
        "--title",
        "p",
        "--repo",
        "core",
        "--perf-baseline",
        "canonical",
    ]
    code, out = invoke(
        runner, ws, *base, "--parser", "metrics-json", "--perf-rounds", "2", "--", "x"
    )
    assert code == 2 and "at least 3 rounds" in out
    code, out = invoke(runner, ws, *base, "--", "x")
    assert code == 2 and "metrics-json" in out
    assert "VG-P-1" not in ws.config.gates
