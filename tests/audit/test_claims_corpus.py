"""The Markdown claims corpus: every line's expected findings, no more, no fewer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from govkit.audit import run_audit
from govkit.evidence.record import Counts, EvidenceRecord, Outcome
from govkit.workspace import Workspace
from tests.audit.evidence import COMMIT_A, make_run, pytest_stdout

CORPUS = Path(__file__).resolve().parent / "corpus"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
EXPECT = re.compile(r"<!-- expect: ([A-Z0-9 ]+) -->")


def _target(record: EvidenceRecord) -> str:
    return f"evidence/runs/{record.date}/{record.run_id}"


@pytest.fixture
def corpus_ws(ws: Workspace) -> tuple[Workspace, dict[str, str]]:
    with ws.edit_config() as data:
        data["tuples"] = {"canonical": {"core": COMMIT_A}}
    pass936 = make_run(ws, counts=Counts(passed=936))
    runs = {
        "pass936": pass936,
        "mixed": make_run(ws, gate_id="VG-MIX-001", counts=Counts(passed=40, failed=2, skipped=3)),
        "worktree": make_run(ws, claim_grade=False),
        "failing": make_run(ws, counts=Counts(passed=10, failed=2), outcome=Outcome.FAIL),
        "old": make_run(ws, started_at="2026-09-15T08:00:00.000Z"),
        "moved": make_run(ws, commit="b" * 40),
        # The record's own counts agree with the claim; the log it stored does not.
        "liar": make_run(ws, counts=Counts(passed=936), stdout=pytest_stdout(Counts(passed=935))),
    }
    subst = {name: _target(r) + "/record.json" for name, r in runs.items()}
    subst["pass936_dir"] = _target(pass936)
    subst["pass936_id"] = f"run:{pass936.run_id}"
    return ws, subst


def _expected(text: str) -> set[tuple[int, str]]:
    out = set()
    for n, line in enumerate(text.splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            out.update((n, code) for code in m.group(1).split())
    return out


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.md")))
def test_corpus_file(corpus_ws: tuple[Workspace, dict[str, str]], name: str) -> None:
    ws, subst = corpus_ws
    text = (CORPUS / name).read_text(encoding="utf-8")
    for key, value in subst.items():
        text = text.replace("{" + key + "}", value)
    doc = ws.root / name
    doc.write_text(text, encoding="utf-8")
    report = run_audit(ws, [doc], now=NOW)
    actual = {(f.line, f.code) for f in report.findings if f.path == name}
    assert actual == _expected(text), [f for f in report.findings if f.path == name]
    # The evidence itself is intact: no integrity finding anywhere.
    assert not [f for f in report.findings if f.code.startswith("GK1")]


def test_corpus_covers_every_claim_code() -> None:
    codes = set()
    for p in CORPUS.glob("*.md"):
        codes |= {c for _, c in _expected(p.read_text())}
    assert {"GK201", "GK202", "GK203", "GK204", "GK301", "GK401", "GK402"} <= codes
