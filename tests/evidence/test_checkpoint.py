"""evidence checkpoint / verify --checkpoint over a real ledger, signed with a real key."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.evidence.checkpoint import verify_checkpoint, write_checkpoint
from govkit.workspace import Workspace
from tests.audit.evidence import make_run
from tests.evidence.keys import signing_workspace
from tests.helpers import invoke

# Real ssh-keygen / git subprocesses per test.
pytestmark = pytest.mark.slow


def _runs(ws: Workspace, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        make_run(ws, started_at=f"2026-11-20T10:{i:02d}:00.000Z")


def test_checkpoint_is_signed_and_the_grown_ledger_extends_it(
    ws: Workspace, tmp_path: Path, runner: CliRunner
) -> None:
    signing_workspace(ws, tmp_path)
    _runs(ws, 3)
    code, out = invoke(runner, ws, "evidence", "checkpoint", "--json")
    assert code == 0, out
    info = json.loads(out)
    assert info["length"] == 3 and info["signer"]["principal"] == "alice@example.org"
    cp_path = ws.root / info["path"]
    assert cp_path.is_file() and (ws.root / info["signature"]).is_file()
    # Stock ssh-keygen verifies the checkpoint too.
    verify = ["ssh-keygen", "-Y", "verify", "-f", "allowed_signers", "-I", "alice@example.org"]
    proc = subprocess.run(
        [*verify, "-n", "govkit", "-s", info["signature"]],
        stdin=cp_path.open("rb"),
        cwd=ws.root,
        capture_output=True,
    )
    assert proc.returncode == 0, proc.stderr
    _runs(ws, 2, start=10)
    code, out = invoke(runner, ws, "evidence", "verify", "--checkpoint", str(cp_path))
    assert code == 0, out
    assert "checkpoint ok" in out and "3 -> 5 entries" in out


def test_a_truncated_ledger_fails_the_checkpoint(ws: Workspace) -> None:
    _runs(ws, 3)
    done = write_checkpoint(ws, out=ws.root / "cp.json")
    assert done.signature is None and done.checkpoint.signer is None  # no key: unsigned
    lines = ws.ledger_path.read_text().splitlines(keepends=True)
    ws.ledger_path.write_text("".join(lines[:2]))  # chain still intact, but shorter
    verdict = verify_checkpoint(ws, done.path)
    assert not verdict.ok and "entries were removed" in verdict.problems[0]


def test_a_rechained_ledger_fails_the_checkpoint(ws: Workspace, runner: CliRunner) -> None:
    from tests.evidence.forgery import rewrite_record_and_rechain

    _runs(ws, 3)
    write_checkpoint(ws, out=ws.root / "cp.json")
    rewrite_record_and_rechain(ws, line=2)
    code, out = invoke(runner, ws, "evidence", "verify")
    assert code == 0, out  # the forgery is consistent: plain verify cannot see it
    code, out = invoke(runner, ws, "evidence", "verify", "--checkpoint", str(ws.root / "cp.json"))
    assert code == 1 and "head hash differs" in out


def test_a_tampered_checkpoint_signature_fails(
    ws: Workspace, tmp_path: Path, runner: CliRunner
) -> None:
    signing_workspace(ws, tmp_path)
    _runs(ws, 2)
    done = write_checkpoint(ws, out=ws.root / "cp.json")
    data = json.loads(done.path.read_text())
    done.path.write_text(json.dumps({**data, "length": 1}))
    code, out = invoke(
        runner, ws, "evidence", "verify", "--checkpoint", str(ws.root / "cp.json"), "--json"
    )
    assert code == 1
    assert json.loads(out)["checkpoint"]["signature"] == "bad-signature"


def test_not_a_checkpoint_names_the_file(ws: Workspace, runner: CliRunner) -> None:
    (ws.root / "cp.json").write_text("{}")
    code, out = invoke(runner, ws, "evidence", "verify", "--checkpoint", str(ws.root / "cp.json"))
    assert code == 2 and "cp.json" in out and "not a govkit checkpoint" in out
