"""Perf gates: interleaved baseline/candidate rounds, median ratio, confirmation by a re-run.

The harness prints synthetic metrics read from a file in the repo, so "slower"
is deterministic; the run order is appended to a file outside the clones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from govkit import yamlio
from govkit.config import GateDef
from govkit.evidence.record import Outcome
from govkit.gates import add_gate
from govkit.perf import compare
from govkit.runner import run_gate
from govkit.tuples import add_repo, pin_tuple
from govkit.workspace import Workspace
from tests.helpers import commit, make_repo

HARNESS = """\
import json, os, pathlib
speed = float(pathlib.Path("speed.txt").read_text())
order = pathlib.Path(os.environ["ORDER_FILE"])
n = len(order.read_text().split()) if order.exists() else 0
with order.open("a") as fh:
    fh.write(f"{speed:g}\\n")
# FLAKY_UNTIL: candidate runs (odd positions) before this index are 50% slower,
# as if a noisy neighbour had hit only them.
if n < int(os.environ.get("FLAKY_UNTIL", "0")) and n % 2 == 1:
    speed *= 1.5
print("warming up")
print(json.dumps({"t_ms": speed, "ops_per_s": 1000 / speed}))
"""


@pytest.fixture
def bench(ws: Workspace, tmp_path: Path) -> Path:
    repo = ws.root.parent / "bench"
    make_repo(repo, {"bench.py": HARNESS, "speed.txt": "10\n"})
    add_repo(ws, "bench", str(repo))
    pin_tuple(ws, "canonical", ["bench=main"])
    order = tmp_path / "order.txt"
    add_gate(
        ws,
        GateDef(
            id="VG-PERF-1",
            title="perf",
            repo="bench",
            argv=(sys.executable, "bench.py"),
            parser="metrics-json",
            env={"ORDER_FILE": str(order)},
        ),
    )
    with ws.edit_config() as data:
        data["gates"]["VG-PERF-1"]["perf"] = yamlio.new_map(
            {
                "baseline": "canonical",
                "threshold": 0.10,
                "rounds": 3,
                "metrics": yamlio.new_map({"t_ms": "lower", "ops_per_s": "higher"}),
            }
        )
    return order


@pytest.mark.slow
def test_slower_candidate_is_a_confirmed_regression(
    ws: Workspace, bench: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(ws.root.parent / "bench", {"speed.txt": "15\n"})
    pin_tuple(ws, "candidate", ["bench=main"])
    rec = run_gate(ws, "VG-PERF-1", tuple_name="candidate")
    assert rec.outcome is Outcome.FAIL
    assert "t_ms regressed" in rec.message and "ops_per_s regressed" in rec.message
    assert rec.metrics is not None
    t = rec.metrics["perf"]["t_ms"]
    assert t["regressed"] and t["rerun"] and t["ratio"] == 1.5
    # Raw samples of both passes are kept: 2 x 3 rounds per side.
    assert t["baseline"] == [10.0] * 6 and t["candidate"] == [15.0] * 6
    # Interleaved B C B C …, and the confirming re-run happened.
    assert bench.read_text().split() == ["10", "15"] * 6
    assert rec.metrics["baseline"]["tuple"] == "canonical"
    assert rec.working_pin is not None and rec.tuple_name == "candidate"
    assert rec.claim_grade
    assert any(k.startswith("rounds.01-baseline") for k in rec.logs)


@pytest.mark.slow
def test_same_speed_candidate_is_not_flagged(ws: Workspace, bench: Path) -> None:
    commit(ws.root.parent / "bench", {"README.md": "docs only\n"})
    pin_tuple(ws, "candidate", ["bench=main"])
    rec = run_gate(ws, "VG-PERF-1", tuple_name="candidate")
    assert rec.outcome is Outcome.PASS, rec.message
    assert rec.metrics is not None
    assert rec.metrics["perf"]["t_ms"] == {
        "baseline": [10.0] * 3,
        "candidate": [10.0] * 3,
        "ratio": 1.0,
        "direction": "lower",
        "threshold": 0.1,
        "regressed": False,
        "rerun": False,
    }
    assert len(bench.read_text().split()) == 6  # no re-run without a suspected regression


@pytest.mark.slow
def test_unconfirmed_regression_is_not_reported(
    ws: Workspace, bench: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The candidate's runs of the first pass are slowed; the re-run is clean,
    # so the suspected regression is not confirmed and nothing is reported.
    commit(ws.root.parent / "bench", {"README.md": "docs only\n"})
    pin_tuple(ws, "candidate", ["bench=main"])
    with ws.edit_config() as data:
        data["gates"]["VG-PERF-1"]["env"]["FLAKY_UNTIL"] = "6"
    rec = run_gate(ws, "VG-PERF-1", tuple_name="candidate")
    assert rec.metrics is not None
    t = rec.metrics["perf"]["t_ms"]
    assert t["rerun"] is True and t["regressed"] is False
    assert rec.outcome is Outcome.PASS
    assert len(bench.read_text().split()) == 12
    assert t["candidate"] == [15.0] * 3 + [10.0] * 3  # both passes' samples kept


def test_compare_directions_and_threshold() -> None:
    v = {
        m.name: m
        for m in compare(
            {"t": ([10, 10, 10], [10.5, 11.5, 10.9]), "ops": ([100, 100, 100], [95, 80, 85])},
            {"t": "lower", "ops": "higher"},
            0.10,
        )
    }
    assert v["t"].ratio == 1.09 and not v["t"].regressed  # median of paired ratios
    assert v["ops"].ratio == 0.85 and v["ops"].regressed


def test_fewer_than_three_rounds_is_refused(ws: Workspace, bench: Path) -> None:
    from govkit.errors import ValidationError

    with ws.edit_config() as data:
        data["gates"]["VG-PERF-1"]["perf"]["rounds"] = 2
    with pytest.raises(ValidationError, match="at least 3"):
        run_gate(ws, "VG-PERF-1")
