"""Build real evidence (record.json, logs, ledger) with the evidence store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from govkit.audit import AuditFinding, run_audit
from govkit.evidence.record import Counts, EvidenceRecord, FileDigest, Outcome, RepoPin
from govkit.evidence.store import new_run_id, run_dir, write_record
from govkit.workspace import Workspace

COMMIT_A = "a" * 40


def pytest_stdout(counts: Counts) -> str:
    """A pytest-shaped stdout whose summary line states `counts`."""
    return "collected tests\n\n" + f"===== {counts.summary()} in 1.23s =====\n"


def make_run(
    ws: Workspace,
    *,
    gate_id: str = "VG-CORE-001",
    counts: Counts | None = None,
    outcome: Outcome = Outcome.PASS,
    claim_grade: bool = True,
    started_at: str = "2026-11-20T10:00:00.000Z",
    tuple_name: str = "canonical",
    commit: str = COMMIT_A,
    stdout: str | None = None,
    artifact: bytes | None = None,
) -> EvidenceRecord:
    """Write logs and a record for one run; return the record."""
    counts = counts if counts is not None else Counts(passed=12)
    run_id = new_run_id(gate_id, started_at)
    directory = run_dir(ws, run_id, started_at[:10])
    directory.mkdir(parents=True)
    files = {
        "stdout.log": (stdout if stdout is not None else pytest_stdout(counts)).encode(),
        "stderr.log": b"",
    }
    if artifact is not None:
        (directory / "artifacts").mkdir()
        files["artifacts/report.xml"] = artifact
    digests = {}
    for name, data in files.items():
        (directory / name).write_bytes(data)
        digests[name] = FileDigest.of(directory / name, directory)
    record = EvidenceRecord(
        run_id=run_id,
        gate_id=gate_id,
        gate_hash="g" * 64,
        outcome=outcome,
        started_at=started_at,
        ended_at=started_at,
        duration_s=1.5,
        argv=["python", "-m", "pytest", "-q"],
        cwd=".",
        exit_code=0 if outcome is Outcome.PASS else 1,
        tuple_name=tuple_name,
        repos=[RepoPin("core", "file:///core", tuple_name, commit)],
        claim_grade=claim_grade,
        not_claim_grade_because=[] if claim_grade else ["worktree run with uncommitted changes"],
        parser="pytest",
        counts=counts,
        logs={"stdout": digests["stdout.log"], "stderr": digests["stderr.log"]},
        artifacts=[digests["artifacts/report.xml"]] if artifact is not None else [],
    )
    write_record(ws, record)
    return record


def record_link(record: EvidenceRecord, text: str) -> str:
    """The link the rendering helper produces for a run."""
    return f"[{text}](evidence/runs/{record.date}/{record.run_id}/record.json)"


def record_file(ws: Workspace, record: EvidenceRecord) -> Path:
    return run_dir(ws, record.run_id, record.date) / "record.json"


# The time audit runs at in the claim tests: the runs above are from the day before.
AUDIT_NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def audit_doc(ws: Workspace, text: str) -> list[AuditFinding]:
    """The findings of auditing one document `doc.md` holding `text` (no integrity problems)."""
    doc = ws.root / "doc.md"
    doc.write_text(text, encoding="utf-8")
    report = run_audit(ws, [doc], now=AUDIT_NOW)
    assert not [f for f in report.findings if f.code.startswith("GK1")]
    return [f for f in report.findings if f.path == "doc.md"]


def codes(found: list[AuditFinding]) -> list[tuple[int | None, int | None, str]]:
    """(line, column, code) of each finding."""
    return [(f.line, f.column, f.code) for f in found]
