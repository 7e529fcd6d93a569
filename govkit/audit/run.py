"""`govkit audit`: run every check and collect the findings."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from govkit.audit.claims import ClaimContext, check_document
from govkit.audit.findings import AuditFinding, sort_key
from govkit.audit.integrity import Progress, check_integrity
from govkit.audit.record_checks import check_records
from govkit.audit.required import check_required_claims
from govkit.audit.since import SinceRef, check_since
from govkit.documents import parse_units
from govkit.errors import ValidationError
from govkit.records.store import load_all
from govkit.timeutil import utc_now
from govkit.workspace import Workspace


@dataclass(frozen=True)
class AuditReport:
    """Findings (with effective levels) and what was looked at."""

    findings: tuple[AuditFinding, ...]
    documents: tuple[str, ...]
    runs: int
    strict: bool
    since: str | None = None  # 'main@… (abc123…)' when --since compared against git history

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.level == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.level == "warning")

    @property
    def failed(self) -> bool:
        """Exit 1? Errors always; warnings only count under --strict (already errors then)."""
        return self.errors > 0


def markdown_files(ws: Workspace, paths: Iterable[Path]) -> list[Path]:
    """audit.claim_files that exist, plus the given files; *.md under directories of either."""
    out: list[Path] = []
    configured = [ws.root / name for name in ws.config.audit.claim_files]
    # A configured file that does not exist yet (STATUS.md before the first render) is
    # skipped; a path given on the command line must exist.
    for p in [c for c in configured if c.exists()] + list(paths):
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):
                # Skip hidden directories (.git, .govkit) and the evidence store.
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                out.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".md"))
        elif p.is_file():
            out.append(p)
        else:
            raise ValidationError(
                f"{p}: no such file or directory", hint="give Markdown files or directories"
            )
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def run_audit(
    ws: Workspace,
    paths: Iterable[Path] = (),
    *,
    strict: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
    since: SinceRef | None = None,
) -> AuditReport:
    """Integrity, claims in Markdown, and record evidence; findings sorted by place.

    With `since`, also that the evidence only grew since that commit (GK111, GK112).
    """
    docs = markdown_files(ws, paths)
    findings, index = check_integrity(ws, progress=progress)
    if since is not None:
        if progress:
            progress(f"comparing evidence with {since.label}")
        findings.extend(check_since(ws, since))
    ctx = ClaimContext(
        ws=ws,
        index=index,
        now=now or utc_now(),
        ttl=ws.config.audit.evidence_ttl,
        tuples=ws.config.tuples,
    )
    for doc in docs:
        if progress:
            progress(f"claims in {ws.rel(doc)}")
        try:
            text = doc.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"cannot read Markdown: not valid UTF-8 at byte {exc.start}",
                path=doc,
                hint="save it as UTF-8, or leave it out of the paths and `audit.claim_files`",
            ) from None
        except OSError as exc:
            raise ValidationError(
                f"cannot read Markdown: {exc.strerror or exc}", path=doc
            ) from None
        units = parse_units(text)  # one Markdown parse serves both claim checks
        claims = check_document(ctx, doc, units)
        findings.extend(claims)
        # An unanchored "full pass on required gates" is GK301 already; GK205 checks the
        # rest (anchored, or in a row with evidence) against the required gates themselves.
        unanchored = {f.line for f in claims if f.code == "GK301"}
        findings.extend(
            f
            for f in check_required_claims(ws.rel(doc), units, ws.config, index.by_id.values())
            if f.line not in unanchored
        )
    findings.extend(check_records(ws, load_all(ws), index))
    final = tuple(sorted((f.with_level(strict) for f in findings), key=sort_key))
    label = f"{since.label} ({since.commit[:12]})" if since else None
    return AuditReport(final, tuple(ws.rel(d) for d in docs), len(index.by_id), strict, label)
