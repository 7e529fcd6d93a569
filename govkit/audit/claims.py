"""Claims in Markdown: anchored ones are checked against their evidence,
absolute ones with no anchor are flagged (DESIGN.md §7).

A claim unit is a table cell, a list item, or a sentence of a paragraph. An
anchor is a link whose target is a run: `…/record.json`, a run directory under
evidence/runs, or `run:<run-id>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from govkit.audit.findings import AuditFinding
from govkit.audit.integrity import RunIndex
from govkit.documents import Link, Unit, parse_units
from govkit.errors import GovkitError
from govkit.evidence.record import Counts, EvidenceRecord
from govkit.evidence.store import entry_record_path
from govkit.timeutil import parse_rfc3339
from govkit.workspace import Workspace

# Absolute claims that need an anchor. Case-insensitive; matched on plain text
# (inline code and code blocks are never seen here).
_CLAIMS = [
    r"\b(?:all\s+)?(?:unit\s+|integration\s+)?tests?\s+(?:are\s+|now\s+|still\s+)*pass(?:es|ed|ing)?\b",
    r"(?<![\w.-])\d[\d,]*\s+(?:tests?\s+)?(?:passed|failed|skipped|failures?|errors?)\b",
    # "green" alone is too common ("three consecutive green runs" names a rule, not a
    # result); only a state of being green is a claim.
    r"\b(?:all|is|are|now|stays?|remains?|was|were|fully|back\s+to)\s+green\b",
    r"\bno\s+(?:(?:>|&gt;)?\s*\d+(?:\.\d+)?\s*%\s+)?(?:perf(?:ormance)?\s+)?regressions?\b",
    r"\b\d+(?:\.\d+)?\s*%\s+(?:faster|slower|quicker|improvement|regression|speed-?up)\b",
    r"\bfully\s+(?:validated|verified|tested)\b",
    r"\bCI\s+(?:is\s+)?(?:passing|passes|passed)\b",
    r"\b(?:gates?|suites?|checks?|builds?)\s+(?:all\s+|now\s+)?pass(?:es|ed|ing)?\b",
]
CLAIM_RE = re.compile("|".join(f"(?:{p})" for p in _CLAIMS), re.IGNORECASE)
# The lookbehind keeps an id's digits out: "VG-LA-002 passed" is not "2 passed".
COUNT_RE = re.compile(
    r"(?<![\w.-])(\d[\d,]*)\s+(?:tests?\s+)?(passed|failed|skipped|xfailed|xpassed|failures?|errors?)\b",
    re.IGNORECASE,
)
_LABEL = {
    "passed": "passed",
    "failed": "failed",
    "failure": "failed",
    "failures": "failed",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
    "error": "errors",
    "errors": "errors",
}
# A phrase in double quotes is mentioned, not claimed: 'statements like “tests pass”'.
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
# Sentence ends: punctuation, space, then something that starts a sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\[(\"'*_])")


@dataclass
class ClaimContext:
    """What claim checks need, shared across files (with a per-run cache)."""

    ws: Workspace
    index: RunIndex
    now: datetime
    ttl: float
    tuples: dict[str, dict[str, str]]
    _records: dict[Path, EvidenceRecord | str] = field(default_factory=dict)
    _counts: dict[Path, Counts | None] = field(default_factory=dict)

    def record(self, path: Path) -> EvidenceRecord | str:
        """The record at path, or a message saying why it cannot be read."""
        if path not in self._records:
            try:
                self._records[path] = EvidenceRecord.load(path)
            except GovkitError as exc:
                self._records[path] = exc.message
        return self._records[path]

    def counts(self, path: Path, record: EvidenceRecord) -> Counts | None:
        """Counts recomputed from the stored logs with the gate's parser."""
        if path not in self._counts:
            self._counts[path] = recount(path.parent, record)
        return self._counts[path]


def recount(run_dir: Path, record: EvidenceRecord) -> Counts | None:
    """Re-parse the stored stdout/stderr/artifacts with the record's parser.

    The record's own `counts` are never trusted for a claim: they are what
    the runner wrote, and the claim must agree with the log itself.
    """
    from govkit.parsers import parse_run

    stdout = run_dir / record.logs["stdout"].path if "stdout" in record.logs else run_dir / "-"
    stderr = run_dir / record.logs["stderr"].path if "stderr" in record.logs else run_dir / "-"
    artifacts = tuple(run_dir / a.path for a in record.artifacts)
    try:
        result = parse_run(
            record.parser, stdout=stdout, stderr=stderr, workdir=run_dir, artifacts=artifacts
        )
    except (GovkitError, OSError):
        return None
    return result.counts


def is_evidence_target(target: str) -> bool:
    """Does a link target point at a run (rather than any other page)?"""
    t = target.split("#", 1)[0]
    return (
        t.startswith("run:")
        or t.endswith("record.json")
        or "evidence/runs/" in t
        or t.startswith("runs/")
    )


def resolve_target(ctx: ClaimContext, doc: Path, target: str) -> Path | None:
    """record.json a link target names, or None when it names nothing that exists."""
    t = target.split("#", 1)[0].split("?", 1)[0]
    if t.startswith("run:"):
        entry = ctx.index.by_id.get(t[4:])
        return entry_record_path(ctx.ws, entry) if entry else None
    for base in (doc.parent, ctx.ws.root):
        p = base / t
        if p.is_dir():
            p = p / "record.json"
        if p.name == "record.json" and p.is_file():
            return p
    return None


def claimed_counts(text: str) -> list[tuple[int, str, str]]:
    """(number, counts field, matched text) for every 'N passed/failed/…' in text."""
    out = []
    for m in COUNT_RE.finditer(text):
        out.append((int(m.group(1).replace(",", "")), _LABEL[m.group(2).lower()], m.group(0)))
    return out


def segments(unit: Unit) -> list[tuple[int, int]]:
    """(start, end) spans of the claim units inside a Markdown unit."""
    if unit.kind in ("cell", "item"):
        return [(0, len(unit.text))]
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(unit.text):
        # Never split inside a link's text.
        if any(link.start < m.start() < link.end for link in unit.links):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(unit.text)))
    return spans


def check_document(ctx: ClaimContext, path: Path, text: str) -> list[AuditFinding]:
    """Every claim finding in one Markdown document."""
    rel = ctx.ws.rel(path)
    out: list[AuditFinding] = []
    units = parse_units(text)
    # A table row is one statement: an evidence link in any of its cells anchors them all
    # (a Resolved row's summary is backed by the run in its Evidence column).
    anchored_rows = {
        (u.table, u.row)
        for u in units
        if u.kind == "cell" and any(is_evidence_target(lk.target) for lk in u.links)
    }
    for unit in units:
        row_anchored = unit.kind == "cell" and (unit.table, unit.row) in anchored_rows
        for start, end in segments(unit):
            links = [lk for lk in unit.links if start <= lk.start < end]
            anchors = [lk for lk in links if is_evidence_target(lk.target)]
            seg = unit.text[start:end]
            if not anchors and row_anchored:
                continue
            if not anchors:
                seen: set[tuple[int, str]] = set()
                unquoted = _QUOTED.sub(lambda q: " " * len(q.group(0)), seg)
                for m in CLAIM_RE.finditer(unquoted):
                    line = unit.line_at(start + m.start())
                    said = " ".join(m.group(0).split())  # inline code leaves runs of spaces
                    if (line, said.lower()) in seen:
                        continue
                    seen.add((line, said.lower()))
                    out.append(
                        AuditFinding(
                            "GK301",
                            rel,
                            line,
                            f"unanchored claim {said!r}: no evidence link in the same "
                            f"{'table cell' if unit.kind == 'cell' else 'list item' if unit.kind == 'item' else 'sentence'}",
                        )
                    )
                continue
            rest = _without_links(unit.text, start, end, anchors)
            for lk in anchors:
                numbers = claimed_counts(lk.text)
                if len(anchors) == 1:
                    numbers += claimed_counts(rest)
                out.extend(_check_anchor(ctx, path, rel, unit, lk, numbers))
    return out


def _without_links(text: str, start: int, end: int, links: list[Link]) -> str:
    parts = []
    pos = start
    for lk in sorted(links, key=lambda x: x.start):
        parts.append(text[pos : lk.start])
        pos = lk.end
    parts.append(text[pos:end])
    return " ".join(parts)


def _check_anchor(
    ctx: ClaimContext,
    doc: Path,
    rel: str,
    unit: Unit,
    link: Link,
    numbers: list[tuple[int, str, str]],
) -> list[AuditFinding]:
    line = unit.line_at(link.start)
    record_path = resolve_target(ctx, doc, link.target)
    label = f"[{link.text}]({link.target})"
    if record_path is None:
        return [AuditFinding("GK201", rel, line, f"{label} cites evidence that does not exist")]
    record = ctx.record(record_path)
    if isinstance(record, str):
        return [AuditFinding("GK201", rel, line, f"{label}: {record}")]
    out: list[AuditFinding] = []
    run = record.run_id
    if not record.claim_grade:
        why = "; ".join(record.not_claim_grade_because) or "not marked claim-grade"
        out.append(
            AuditFinding("GK203", rel, line, f"{label}: run {run} is not claim-grade ({why})")
        )
    if not record.passed and not _reports_failure(link.text, numbers):
        out.append(
            AuditFinding(
                "GK204", rel, line, f"{label}: run {run} outcome is {record.outcome.value}"
            )
        )
    if numbers:
        counts = ctx.counts(record_path, record)
        if counts is None:
            out.append(
                AuditFinding(
                    "GK202", rel, line, f"{label}: no counts can be recomputed from run {run}'s log"
                )
            )
        else:
            for n, fld, said in numbers:
                actual = getattr(counts, fld)
                if actual != n:
                    out.append(
                        AuditFinding(
                            "GK202",
                            rel,
                            line,
                            f"{label}: claims {said!r} but run {run}'s log shows {actual} {fld}",
                            hint=f"the run's counts are: {counts.summary()}",
                        )
                    )
    out.extend(_staleness(ctx, rel, line, label, record))
    return out


_FAILURE_WORDS = re.compile(
    r"\b(?:fail(?:s|ed|ing|ure)?|timeout|timed\s+out|oom|errors?|refused|interrupted)\b",
    re.IGNORECASE,
)


def _reports_failure(text: str, numbers: list[tuple[int, str, str]]) -> bool:
    """Does the claim say the run did not pass? Then it is a report, not a success claim.

    "[VG-CORE-001: 4 failed, 14 passed](…)" citing a failing run is honest (its counts are
    still checked); "[VG-CORE-001: 14 passed](…)" citing the same run hides the failure.
    """
    if any(fld in ("failed", "errors") and n > 0 for n, fld, _ in numbers):
        return True
    # Every non-pass outcome's name (fail, timeout, oom, error, refused, interrupted) matches.
    return bool(_FAILURE_WORDS.search(text))


def _staleness(
    ctx: ClaimContext, rel: str, line: int, label: str, record: EvidenceRecord
) -> list[AuditFinding]:
    out: list[AuditFinding] = []
    try:
        age = (ctx.now - parse_rfc3339(record.started_at)).total_seconds()
    except (GovkitError, ValueError):
        age = 0.0
    if age > ctx.ttl:
        out.append(
            AuditFinding(
                "GK401",
                rel,
                line,
                f"{label}: run {record.run_id} is {age / 86400:.1f} days old "
                f"(audit.evidence_ttl is {ctx.ttl / 86400:.1f} days)",
            )
        )
    pins = ctx.tuples.get(record.tuple_name or "")
    if pins:
        moved = [
            f"{p.name} {p.commit[:12]} → {pins[p.name][:12]}"
            for p in record.repos
            if p.name in pins and pins[p.name] != p.commit
        ]
        if moved:
            out.append(
                AuditFinding(
                    "GK402",
                    rel,
                    line,
                    f"{label}: run {record.run_id} is not at tuple "
                    f"{record.tuple_name!r}'s current pins ({'; '.join(moved)})",
                )
            )
    return out
