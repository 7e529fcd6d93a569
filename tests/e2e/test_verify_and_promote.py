"""verify and promote over real gate runs (real clones, real processes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.config import GateDef
from govkit.evidence.record import Outcome
from govkit.gates import add_gate
from govkit.reproduce import reproduce_run
from govkit.runner import run_gate
from govkit.tuples import add_repo, pin_tuple
from govkit.workspace import Workspace
from tests.helpers import commit, make_repo

# Passes while the flag file (outside the repo) exists: lets a test flip the outcome.
CHECK = (
    "import os, sys\nprint('1 passed')\nsys.exit(0 if os.path.exists(os.environ['FLAG']) else 1)\n"
)


@pytest.fixture
def flagged(ws: Workspace, tmp_path: Path) -> Path:
    repo = ws.root.parent / "core"
    make_repo(repo, {"check.py": CHECK})
    add_repo(ws, "core", str(repo))
    pin_tuple(ws, "canonical", ["core=main"])
    commit(repo, {"README.md": "candidate\n"})
    pin_tuple(ws, "candidate", ["core=main"])
    flag = tmp_path / "flag"
    flag.touch()
    add_gate(
        ws,
        GateDef(
            id="VG-CORE-1",
            title="core",
            repo="core",
            argv=(sys.executable, "check.py"),
            env={"FLAG": str(flag)},
        ),
    )
    return flag


def test_verify_reproduces_and_detects_a_changed_outcome(
    ws: Workspace, flagged: Path, runner: CliRunner
) -> None:
    rec = run_gate(ws, "VG-CORE-1", tuple_name="candidate")
    assert rec.outcome is Outcome.PASS
    res = runner.invoke(cli, ["-C", str(ws.root), "verify", rec.run_id])
    assert res.exit_code == 0, res.output
    assert "reproduced" in res.output and "NOT" not in res.output
    rep = reproduce_run(ws, rec.run_id)
    assert rep.reproduced and not rep.gate_changed
    rerun_pin = rep.rerun.record.working_pin
    assert rerun_pin is not None and rerun_pin.commit == rec.repos[0].commit
    flagged.unlink()
    res = runner.invoke(cli, ["-C", str(ws.root), "verify", rec.run_id, "--json"])
    assert res.exit_code == 1
    data = json.loads(res.output)
    assert data["reproduced"] is False and data["outcome"] == ["pass", "fail"]


def test_verify_warns_when_the_gate_changed(ws: Workspace, flagged: Path) -> None:
    rec = run_gate(ws, "VG-CORE-1")
    with ws.edit_config() as data:
        data["gates"]["VG-CORE-1"]["timeout"] = "5m"
    rep = reproduce_run(ws, rec.run_id)
    assert rep.gate_changed and "changed since the run" in rep.warnings[0]
    assert rep.reproduced


def test_promotion_over_real_runs_with_a_reset(
    ws: Workspace, flagged: Path, runner: CliRunner
) -> None:
    def run() -> str:
        return run_gate(ws, "VG-CORE-1", tuple_name="candidate").run_id

    run()
    flagged.unlink()
    reset = run()
    flagged.touch()
    first, second = run(), run()
    base = ["-C", str(ws.root), "promote", "candidate", "--into", "canonical"]
    res = runner.invoke(cli, [*base, "--streak", "3", "--check", "--json"])
    assert res.exit_code == 1
    (row,) = json.loads(res.output)["gates"]
    assert row["streak"] == 2 and row["missing"] == 1 and row["last_reset"] == reset
    res = runner.invoke(cli, [*base, "--streak", "3", "--apply"])
    assert res.exit_code == 1  # not promotable: nothing applied
    assert ws.config.tuples["canonical"] != ws.config.tuples["candidate"]
    res = runner.invoke(cli, [*base, "--streak", "2", "--apply", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["applied"] and out["gates"][0]["runs"] == [first, second]
    ws.reload()
    assert ws.config.tuples["canonical"] == ws.config.tuples["candidate"]
    promo = (ws.root / out["record"]).read_text()
    assert first in promo and second in promo
