"""Flipping any single byte of any record, log, artifact or ledger line is detected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govkit.audit.integrity import check_integrity
from govkit.evidence.record import Counts
from govkit.workspace import Workspace
from tests.audit.evidence import make_run


@pytest.fixture
def evidence_ws(ws: Workspace) -> Workspace:
    make_run(ws, counts=Counts(passed=3))
    make_run(ws, gate_id="VG-MIX-001", counts=Counts(passed=4, failed=1), artifact=b"<xml/>\n")
    make_run(ws, started_at="2026-11-21T09:00:00.000Z")
    return ws


def _files(ws: Workspace) -> list[Path]:
    files = [ws.ledger_path]
    for p in sorted(ws.runs_dir.rglob("*")):
        if p.is_file() and p.stat().st_size:
            files.append(p)
    return files


def _positions(size: int) -> list[int]:
    # Every byte of small files; a dense stride plus both ends of bigger ones.
    if size <= 256:
        return list(range(size))
    return sorted({*range(0, size, 3), size - 1, size - 2})


def test_clean_evidence_has_no_findings(evidence_ws: Workspace) -> None:
    findings, index = check_integrity(evidence_ws)
    assert findings == []
    assert len(index.by_id) == 3


@pytest.mark.slow
def test_every_single_byte_flip_is_detected(evidence_ws: Workspace) -> None:
    files = _files(evidence_ws)
    assert {p.name for p in files} >= {"ledger.jsonl", "record.json", "stdout.log", "report.xml"}
    checked = 0
    for path in files:
        original = path.read_bytes()
        for pos in _positions(len(original)):
            flipped = bytearray(original)
            flipped[pos] ^= 0x01
            path.write_bytes(bytes(flipped))
            findings, _ = check_integrity(evidence_ws, workers=1)
            assert findings, f"flip of byte {pos} in {path.name} went undetected"
            checked += 1
        path.write_bytes(original)
    assert checked > 1000
    assert check_integrity(evidence_ws)[0] == []


@pytest.mark.parametrize("what", ["record", "ledger-line", "stderr-append"])
def test_codes_name_the_damage(evidence_ws: Workspace, what: str) -> None:
    ws = evidence_ws
    rec = next(p for p in ws.runs_dir.glob("*/*/record.json") if '"passed": 3' in p.read_text())
    if what == "record":
        rec.write_text(rec.read_text().replace('"passed": 3', '"passed": 30'))
        codes = {f.code for f in check_integrity(ws)[0]}
        assert codes == {"GK102", "GK105"}
    elif what == "ledger-line":
        lines = ws.ledger_path.read_text().splitlines(keepends=True)
        del lines[1]
        ws.ledger_path.write_text("".join(lines))
        findings = check_integrity(ws)[0]
        assert {f.code for f in findings} == {"GK101", "GK106"}
        assert any(f.code == "GK101" and f.line == 2 for f in findings)
    else:
        stderr = rec.parent / "stderr.log"
        stderr.write_bytes(b"x")
        findings = check_integrity(ws)[0]
        assert [(f.code, f.path.endswith("stderr.log")) for f in findings] == [("GK103", True)]


def test_missing_record_and_log(evidence_ws: Workspace) -> None:
    ws = evidence_ws
    recs = sorted(ws.runs_dir.glob("*/*/record.json"))
    recs[0].unlink()
    (recs[1].parent / "stdout.log").unlink()
    codes = sorted(f.code for f in check_integrity(ws)[0])
    assert codes == ["GK103", "GK104"]


def test_forked_workers_find_the_same_damage(evidence_ws: Workspace) -> None:
    # Big ledgers are checked in forked processes; force that path on a small one.
    ws = evidence_ws
    assert check_integrity(ws, workers=2, parallel_from=1)[0] == []
    logs = sorted(ws.runs_dir.glob("*/*/stdout.log"))
    logs[-1].write_bytes(logs[-1].read_bytes() + b"x")
    lines = ws.ledger_path.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace('"outcome": "pass"', '"outcome": "fail"')
    ws.ledger_path.write_text("".join(lines))
    serial = sorted((f.code, f.path, f.line) for f in check_integrity(ws, workers=1)[0])
    forked = sorted(
        (f.code, f.path, f.line) for f in check_integrity(ws, workers=2, parallel_from=1)[0]
    )
    assert forked == serial
    assert {c for c, _, _ in forked} == {"GK101", "GK103", "GK105"}


def test_govkit_jobs_sets_how_many_processes_check_runs(
    evidence_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from govkit.audit import integrity

    pools: list[str] = []
    real = integrity.multiprocessing.get_context

    def counting(method: str) -> Any:
        pools.append(method)
        return real(method)

    monkeypatch.setattr(integrity.multiprocessing, "get_context", counting)
    monkeypatch.setenv("GOVKIT_JOBS", "1")
    one = check_integrity(evidence_ws, parallel_from=1)[0]
    assert pools == []  # one process: no pool
    monkeypatch.setenv("GOVKIT_JOBS", "2")
    assert check_integrity(evidence_ws, parallel_from=1)[0] == one
    assert pools == ["fork"]
