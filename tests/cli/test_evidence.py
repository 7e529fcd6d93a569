"""evidence list/show/verify over records written through the real evidence store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.errors import ValidationError
from govkit.evidence.record import Counts, EvidenceRecord, Outcome, RepoPin
from govkit.evidence.store import iter_ledger_newest_first, read_ledger, write_record
from govkit.workspace import Workspace
from tests.helpers import invoke


def _write(ws: Workspace, n: int, gate: str, outcome: str) -> EvidenceRecord:
    started = f"2026-11-21T05:{n:02d}:00.000Z"
    rec = EvidenceRecord(
        run_id=f"20261121T05{n:02d}00Z-{gate}-{n:04x}",
        gate_id=gate,
        gate_hash="h",
        outcome=Outcome(outcome),
        started_at=started,
        ended_at=started,
        duration_s=1.5,
        argv=["pytest", "-q"],
        cwd="core",
        exit_code=0,
        tuple_name="canonical",
        repos=[RepoPin("core", "../core", "canonical", "a" * 40)],
        claim_grade=True,
        counts=Counts(passed=n),
    )
    write_record(ws, rec)
    return rec


def test_list_filters_and_orders_newest_first(ws: Workspace, runner: CliRunner) -> None:
    _write(ws, 1, "VG-A-1", "pass")
    _write(ws, 2, "VG-B-1", "fail")
    _write(ws, 3, "VG-A-1", "fail")
    res = runner.invoke(cli, ["-C", str(ws.root), "evidence", "list", "--json"])
    assert [e["gate_id"] for e in json.loads(res.output)] == ["VG-A-1", "VG-B-1", "VG-A-1"]
    res = runner.invoke(
        cli,
        ["-C", str(ws.root), "evidence", "list", "--gate", "VG-A-1", "--outcome", "fail", "--json"],
    )
    assert [e["counts"]["passed"] for e in json.loads(res.output)] == [3]
    res = runner.invoke(cli, ["-C", str(ws.root), "evidence", "list", "--limit", "1"])
    assert "3 passed" in res.output and "VG-B-1" not in res.output


def test_show_by_prefix(ws: Workspace, runner: CliRunner) -> None:
    rec = _write(ws, 4, "VG-A-1", "pass")
    res = runner.invoke(cli, ["-C", str(ws.root), "evidence", "show", rec.run_id[:22]])
    assert res.exit_code == 0, res.output
    assert "4 passed" in res.output and "core@aaaaaaaaaaaa" in res.output
    res = runner.invoke(cli, ["-C", str(ws.root), "evidence", "show", rec.run_id, "--json"])
    assert json.loads(res.output)["run_id"] == rec.run_id
    res = runner.invoke(cli, ["-C", str(ws.root), "evidence", "show", "nope"])
    assert res.exit_code == 2 and "no run 'nope'" in res.output


def test_verify_detects_edited_record_and_broken_chain(ws: Workspace, runner: CliRunner) -> None:
    rec = _write(ws, 5, "VG-A-1", "pass")
    _write(ws, 6, "VG-A-1", "pass")
    res = runner.invoke(cli, ["-C", str(ws.root), "evidence", "verify"])
    assert res.exit_code == 0 and "evidence ok" in res.output
    path = ws.runs_dir / rec.date / rec.run_id / "record.json"
    path.write_text(path.read_text().replace('"pass"', '"fail"'))
    res = runner.invoke(cli, ["-C", str(ws.root), "evidence", "verify"])
    assert res.exit_code == 1 and "changed since it was recorded" in res.output
    lines = ws.ledger_path.read_text().splitlines()
    ws.ledger_path.write_text(lines[1] + "\n")  # first entry deleted
    res = runner.invoke(cli, ["-C", str(ws.root), "evidence", "verify", "--json"])
    assert res.exit_code == 1 and json.loads(res.output)["ok"] is False


def test_reverse_ledger_reader_matches_forward_reader(ws: Workspace) -> None:
    for n in range(7):
        _write(ws, n, "VG-A-1", "pass")
    forward = read_ledger(ws)
    for block in (7, 64, 1 << 20):  # blocks that cut lines anywhere
        assert list(iter_ledger_newest_first(ws, block=block)) == forward[::-1]


def test_a_ledger_line_that_is_not_utf8_is_a_clean_error_everywhere(
    ws: Workspace, runner: CliRunner
) -> None:
    _write(ws, 1, "VG-A-1", "pass")
    with ws.ledger_path.open("ab") as fh:
        fh.write(b'{"seq": 2, "run_id": "\xff"}\n')
    # One parser for every reader: each names the problem instead of crashing.
    for args in (["evidence", "list"], ["render", "status"], ["evidence", "verify"]):
        code, out = invoke(runner, ws, *args)
        assert code in (1, 2) and "malformed ledger line" in out, (args, out)
    with pytest.raises(ValidationError, match="malformed ledger line"):
        read_ledger(ws)
