"""Score `govkit audit`'s claim finder on the labelled corpus in benchmarks/claims_corpus/.

Each corpus line ends with `<!-- expect: CODE … -->` when it must produce those findings
and has no such mark when it must produce none (see claims_corpus/README.md). The scorer
builds a workspace with real evidence (records, logs, ledger) for the `{name}`
placeholders, audits every corpus file and compares (file, line, code) sets.
Used by bench_claims.py (prints the figures) and tests/audit/test_claims_score.py (enforces them).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from govkit.audit import run_audit
from govkit.evidence.record import Counts, EvidenceRecord, FileDigest, Outcome, RepoPin
from govkit.evidence.store import new_run_id, run_dir, write_record
from govkit.workspace import Workspace, init_workspace

CORPUS = Path(__file__).resolve().parent / "claims_corpus"
EXPECT = re.compile(r"<!--\s*expect:\s*([A-Z0-9 ]+?)\s*-->")
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
COMMIT = "a" * 40
# Only claim findings are scored; integrity and record findings are not about the text.
CLAIM_CODES = re.compile(r"GK[234]\d\d")
RECALL_TARGET = 0.98
PRECISION_TARGET = 0.95


def _run(
    ws: Workspace,
    gate_id: str,
    started_at: str,
    counts: Counts,
    *,
    outcome: Outcome = Outcome.PASS,
    claim_grade: bool = True,
    commit: str = COMMIT,
) -> EvidenceRecord:
    """One run with a pytest-shaped stdout that states `counts`, written through the store."""
    run_id = new_run_id(gate_id, started_at)
    directory = run_dir(ws, run_id, started_at[:10])
    directory.mkdir(parents=True)
    (directory / "stdout.log").write_text(f"collected\n\n===== {counts.summary()} in 1.00s =====\n")
    (directory / "stderr.log").write_text("")
    record = EvidenceRecord(
        run_id=run_id,
        gate_id=gate_id,
        gate_hash="g" * 64,
        outcome=outcome,
        started_at=started_at,
        ended_at=started_at,
        duration_s=1.0,
        argv=["python", "-m", "pytest", "-q"],
        cwd=".",
        exit_code=0 if outcome is Outcome.PASS else 1,
        tuple_name="canonical",
        repos=[RepoPin("core", "file:///core", "canonical", commit)],
        claim_grade=claim_grade,
        not_claim_grade_because=[] if claim_grade else ["worktree run with uncommitted changes"],
        parser="pytest",
        counts=counts,
        logs={
            "stdout": FileDigest.of(directory / "stdout.log", directory),
            "stderr": FileDigest.of(directory / "stderr.log", directory),
        },
    )
    write_record(ws, record)
    return record


def build_workspace(root: Path) -> tuple[Workspace, dict[str, str]]:
    """A workspace holding the runs the corpus cites; placeholder name → link target."""
    ws = init_workspace(root, name="claims-corpus")
    with ws.edit_config() as data:
        data["tuples"] = {"canonical": {"core": COMMIT}}
    day = "2026-11-20T"
    runs = {
        "hull936": _run(ws, "VG-HULL-001", day + "08:00:00.000Z", Counts(passed=936)),
        "deck30": _run(ws, "VG-DECK-002", day + "08:10:00.000Z", Counts(passed=30)),
        "mixed": _run(
            ws, "VG-MIX-003", day + "08:20:00.000Z", Counts(passed=40, failed=2, skipped=3)
        ),
        "failing": _run(
            ws,
            "VG-BAL-006",
            day + "08:30:00.000Z",
            Counts(passed=10, failed=2),
            outcome=Outcome.FAIL,
        ),
        "worktree": _run(
            ws, "VG-HULL-001", day + "07:00:00.000Z", Counts(passed=12), claim_grade=False
        ),
        "old": _run(ws, "VG-HULL-001", "2026-09-10T08:00:00.000Z", Counts(passed=12)),
        "moved": _run(ws, "VG-HULL-001", day + "06:00:00.000Z", Counts(passed=12), commit="b" * 40),
        "dock12": _run(ws, "VG-DOCK-001", day + "08:40:00.000Z", Counts(passed=12)),
        # Another gate with hull936's counts: only the gate id tells them apart.
        "loop936": _run(ws, "VG-LOOP-005", day + "08:50:00.000Z", Counts(passed=936)),
    }
    # VG-SEAM-004: fail, then three passes; the third pass ends a streak of 3.
    seam = [
        _run(
            ws,
            "VG-SEAM-004",
            f"{day}09:{10 * i:02d}:00.000Z",
            Counts(passed=20, failed=1 if i == 0 else 0),
            outcome=Outcome.FAIL if i == 0 else Outcome.PASS,
        )
        for i in range(4)
    ]
    runs["seam_second"], runs["seam_third"] = seam[2], seam[3]
    subst = {name: f"evidence/runs/{r.date}/{r.run_id}/record.json" for name, r in runs.items()}
    for name in ("hull936", "deck30"):
        r = runs[name]
        subst[f"{name}_dir"] = f"evidence/runs/{r.date}/{r.run_id}"
        subst[f"{name}_id"] = f"run:{r.run_id}"
    subst["hull936_run"] = runs["hull936"].run_id
    return ws, subst


def expected(text: str) -> set[tuple[int, str]]:
    """(line, code) pairs the marks in a corpus text ask for."""
    out = set()
    for n, line in enumerate(text.splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            out.update((n, code) for code in m.group(1).split())
    return out


@dataclass
class Score:
    """Recall, precision and speed over the corpus, with every miss and false alarm."""

    lines: int = 0
    expected: int = 0
    found: int = 0
    hits: int = 0
    seconds: float = 0.0
    missed: list[tuple[str, int, str]] = field(default_factory=list)
    false: list[tuple[str, int, str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.hits / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0

    @property
    def ms_per_1000_lines(self) -> float:
        return 1000 * self.seconds / self.lines * 1000 if self.lines else 0.0


def score(root: Path, corpus: Path = CORPUS) -> Score:
    """Audit every corpus file in a fresh workspace under `root` and score the findings."""
    ws, subst = build_workspace(root)
    result = Score()
    docs: list[tuple[Path, set[tuple[int, str]]]] = []
    for src in sorted(corpus.glob("*.md")):
        if src.name == "README.md":
            continue
        text = src.read_text(encoding="utf-8")
        for key, value in subst.items():
            text = text.replace("{" + key + "}", value)
        doc = ws.root / "corpus" / src.name
        doc.parent.mkdir(exist_ok=True)
        doc.write_text(text, encoding="utf-8")
        result.lines += len(text.splitlines())
        docs.append((doc, expected(text)))
    t0 = time.perf_counter()
    report = run_audit(ws, [d for d, _ in docs], now=NOW)
    result.seconds = time.perf_counter() - t0
    for doc, want in docs:
        rel = ws.rel(doc)
        got = {
            (f.line or 0, f.code): f.message
            for f in report.findings
            if f.path == rel and CLAIM_CODES.fullmatch(f.code)
        }
        result.expected += len(want)
        result.found += len(got)
        result.hits += len(want & set(got))
        result.missed += [(doc.name, line, code) for line, code in sorted(want - set(got))]
        result.false += [
            (doc.name, line, code, msg)
            for (line, code), msg in sorted(got.items())
            if (line, code) not in want
        ]
    return result
