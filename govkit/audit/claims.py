"""Claims in Markdown: anchored ones are checked against their evidence,
absolute ones with no anchor are flagged (DESIGN.md §7, D-015).

A claim scope is a table row, a list item, or a sentence of a paragraph or
heading. An anchor is a link in the scope whose target is a run: `…/record.json`,
a run directory under evidence/runs, or `run:<run-id>`. Claims in a link's text
are checked against that link's run; every other claim in the scope must agree
with at least one of the scope's anchors, and a claim that names gate ids must
cite a run of one of them. What counts as a claim, including inline code that
reads as a result, is in govkit.audit.claim_patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from govkit.audit.claim_patterns import (
    BARE_CELL,
    CLAIM_RE,
    CONDITION_COLUMN,
    COUNT,
    COUNT_RE,
    FAIL,
    GATE_ID,
    LABEL,
    QUOTED,
    RUN_ID,
    STREAK,
    Claim,
    code_claim,
    find_claims,
    is_gate_code,
)
from govkit.audit.findings import AuditFinding
from govkit.audit.integrity import RunIndex
from govkit.documents import Link, Unit
from govkit.errors import GovkitError
from govkit.evidence.query import RESETTING
from govkit.evidence.record import Counts, EvidenceRecord
from govkit.evidence.store import LedgerEntry, entry_record_path
from govkit.timeutil import parse_rfc3339
from govkit.workspace import Workspace

__all__ = ["CLAIM_RE", "COUNT_RE", "ClaimContext", "check_document", "claimed_counts", "segments"]

_BETWEEN_CODES = re.compile(r"[\s(:,=→–—-]*")
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
    _by_gate: dict[str, list[LedgerEntry]] | None = None
    _gate_prefixes: frozenset[str] | None = None

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

    def gate_history(self, gate_id: str) -> list[LedgerEntry]:
        """Every run of a gate in the ledger, oldest first (built on first use)."""
        if self._by_gate is None:
            by_gate: dict[str, list[LedgerEntry]] = {}
            for e in self.index.by_id.values():
                by_gate.setdefault(e.gate_id, []).append(e)
            for runs in by_gate.values():
                runs.sort(key=lambda e: (e.started_at, e.seq))
            self._by_gate = by_gate
        return self._by_gate.get(gate_id, [])

    def is_program_gate(self, name: str) -> bool:
        """Is an id shaped like a gate id one of this program's gate ids?

        Its first part must be that of a gate in govkit.yaml or the ledger ("VG" of
        VG-LA-002): a gate that never ran still counts, CVE-2024-1234 does not.
        """
        if self._gate_prefixes is None:
            gates = [*self.ws.config.gates, *(e.gate_id for e in self.index.by_id.values())]
            self._gate_prefixes = frozenset(g.split("-", 1)[0] for g in gates)
        return name.split("-", 1)[0] in self._gate_prefixes


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
    return [
        (int(m.group(1).replace(",", "")), LABEL[m.group(2).lower()], m.group(0))
        for m in COUNT_RE.finditer(text)
    ]


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


@dataclass(frozen=True)
class _Piece:
    """One stretch of a scope: a unit and a span of its text."""

    unit: Unit
    start: int
    end: int

    @cached_property
    def prose(self) -> tuple[str, list[tuple[int, int]]]:
        """The piece's text as claims are read from it (gate ids in code revealed, quoted
        phrases blanked; offsets from the piece's start), and the quoted phrases' spans.
        Made once: the claim finder and the gate check (GK206) both read it."""
        unit, start, end = self.unit, self.start, self.end
        chars = list(unit.text[start:end])
        for s, e, code in unit.codes:
            if start <= s and e <= end and is_gate_code(code):
                chars[s - start + 1 : s - start + 1 + len(code)] = code
        scan = "".join(chars)
        quoted = [(m.start(), m.end()) for m in QUOTED.finditer(scan)]
        return QUOTED.sub(lambda q: " " * len(q.group(0)), scan), quoted


@dataclass(frozen=True)
class _Anchor:
    """An evidence link of a scope, resolved."""

    piece: _Piece
    link: Link
    path: Path | None
    record: EvidenceRecord | str | None

    @property
    def label(self) -> str:
        return f"[{self.link.text}]({self.link.target})"

    @property
    def usable(self) -> EvidenceRecord | None:
        return self.record if isinstance(self.record, EvidenceRecord) else None

    def holds(self, piece: _Piece, offset: int) -> bool:
        """Is the offset of the piece's text inside this anchor's link text?"""
        return self.piece is piece and self.link.start <= offset < self.link.end


@dataclass(frozen=True)
class _Found:
    """A claim found in a piece, with the anchor whose link text holds it (if any)."""

    piece: _Piece
    claim: Claim
    own: _Anchor | None


def _scopes(units: list[Unit]) -> list[tuple[str, list[_Piece]]]:
    """Claim scopes in source order: a table row is one scope; items and sentences are others.

    Cells under a header that names conditions or plans ("Exit Condition", "Next") are left
    out: "VG-X passes on the candidate" there is what must happen, not what happened.
    """
    out: list[tuple[str, list[_Piece]]] = []
    rows: dict[tuple[int | None, int | None], list[_Piece]] = {}
    skipped: set[tuple[int | None, int | None]] = set()
    for unit in units:
        if unit.kind == "cell":
            if unit.row == -1 and CONDITION_COLUMN.search(unit.text):
                skipped.add((unit.table, unit.column))
            key = (unit.table, unit.row)
            if key not in rows:
                rows[key] = []
                out.append(("table row", rows[key]))
            if (unit.table, unit.column) not in skipped:
                rows[key].append(_Piece(unit, 0, len(unit.text)))
            continue
        what = "list item" if unit.kind == "item" else "sentence"
        for start, end in segments(unit):
            out.append((what, [_Piece(unit, start, end)]))
    return out


def _links(ctx: ClaimContext, piece: _Piece) -> list[Link]:
    """Evidence links of a piece, and run ids written out that the ledger knows."""
    unit = piece.unit
    out = [
        lk
        for lk in unit.links
        if piece.start <= lk.start < piece.end and is_evidence_target(lk.target)
    ]
    for m in RUN_ID.finditer(unit.text, piece.start, piece.end):
        if m.group(0) in ctx.index.by_id and not any(
            lk.start <= m.start() < lk.end for lk in unit.links
        ):
            out.append(Link(m.group(0), f"run:{m.group(0)}", m.start(), m.end()))
    for s, e, code in unit.codes:
        run_id = code.strip()
        if piece.start <= s < piece.end and RUN_ID.fullmatch(run_id) and run_id in ctx.index.by_id:
            out.append(Link(run_id, f"run:{run_id}", s + 1, e - 1))
    return out


def _claims_in(piece: _Piece) -> list[Claim]:
    """Claims of one piece: prose (gate ids in code revealed, quotes blanked) and code spans."""
    unit, start, end = piece.unit, piece.start, piece.end
    codes = [(s, e, c) for s, e, c in unit.codes if start <= s and e <= end]
    scan, quoted = piece.prose
    claims = [
        Claim(c.kind, c.start + start, c.end + start, c.said, c.numbers, c.streak)
        for c in find_claims(scan)
    ]
    prev_end, prev_code = -1, ""
    for s, e, code in codes:
        # "`pytest -q` (`5 passed`)": output shown next to the command that prints it.
        follows_command = (
            prev_end >= 0
            and not is_gate_code(prev_code)
            and code_claim(prev_code, "", 0) is None
            and _BETWEEN_CODES.fullmatch(unit.text, prev_end, s) is not None
        )
        prev_end, prev_code = e, code
        if follows_command or any(a <= s - start < b for a, b in quoted):
            continue
        sentence_start = max(unit.text.rfind(". ", start, s), start)
        c = code_claim(code, unit.text[sentence_start:s].rstrip() + " ", s)
        if c is not None:
            claims.append(c)
    if unit.kind == "cell" and not claims:
        kind = BARE_CELL.get(scan.strip().lower())
        if kind is not None:
            at = start + len(scan) - len(scan.lstrip())
            claims.append(Claim(kind, at, at + len(scan.strip()), scan.strip()))
    return sorted(claims, key=lambda c: c.start)


def check_document(ctx: ClaimContext, path: Path, units: list[Unit]) -> list[AuditFinding]:
    """Every claim finding in one Markdown document (its `parse_units`)."""
    rel = ctx.ws.rel(path)
    out: list[AuditFinding] = []
    for what, pieces in _scopes(units):
        anchors = [_resolve(ctx, path, piece, lk) for piece in pieces for lk in _links(ctx, piece)]
        found = []
        for piece in pieces:
            for claim in _claims_in(piece):
                own = next((a for a in anchors if a.holds(piece, claim.start)), None)
                found.append(_Found(piece, claim, own))
        if anchors:
            out.extend(_check_scope(ctx, rel, anchors, found, pieces))
        else:
            out.extend(_unanchored(rel, what, found))
    return out


def _where(piece: _Piece, offset: int) -> tuple[int, int]:
    return piece.unit.position(offset)


def _unanchored(rel: str, what: str, found: list[_Found]) -> list[AuditFinding]:
    out = []
    seen: set[tuple[int, int]] = set()
    for f in found:
        line, col = _where(f.piece, f.claim.start)
        if (line, col) in seen:
            continue
        seen.add((line, col))
        out.append(
            AuditFinding(
                "GK301",
                rel,
                line,
                f"unanchored claim {f.claim.said!r}: no evidence link in the same {what}",
                column=col,
            )
        )
    return out


def _resolve(ctx: ClaimContext, doc: Path, piece: _Piece, link: Link) -> _Anchor:
    record_path = resolve_target(ctx, doc, link.target)
    record = ctx.record(record_path) if record_path is not None else None
    return _Anchor(piece, link, record_path, record)


def _scope_text(pieces: list[_Piece]) -> str:
    return " | ".join(p.unit.text[p.start : p.end] for p in pieces)


def _check_scope(
    ctx: ClaimContext,
    rel: str,
    anchors: list[_Anchor],
    found: list[_Found],
    pieces: list[_Piece],
) -> list[AuditFinding]:
    out: list[AuditFinding] = []
    for a in anchors:
        out.extend(_check_link(ctx, rel, a))
    reports_failure = any(f.claim.kind == FAIL for f in found) or _reports_failure(
        _scope_text(pieces), [n for f in found for n in f.claim.numbers]
    )
    for f, gates in zip(found, _claimed_gates(ctx, found, pieces), strict=True):
        candidates = [f.own] if f.own is not None else anchors
        usable = [a for a in candidates if a.usable is not None]
        if not usable:
            continue  # GK201 already says why
        line, col = _where(f.piece, f.claim.start)
        out.extend(_check_gates((rel, line, col), f.claim, gates, usable))
        if f.claim.kind == COUNT:
            out.extend(_check_counts(ctx, rel, line, col, f.claim, usable))
        elif f.claim.kind == STREAK:
            out.extend(_check_streak(ctx, rel, line, col, f.claim, usable))
        if f.claim.asserts_pass and not reports_failure:
            out.extend(
                _unless_one(
                    "GK204",
                    (rel, line, col),
                    repr(f.claim.said),
                    usable,
                    lambda r: r.passed,
                    lambda r: f"outcome is {r.outcome.value}",
                )
            )
    if not found and not reports_failure:
        # A bare citation ("[record](…)") of a run that did not pass.
        for a in anchors:
            rec = a.usable
            if rec is not None and not rec.passed:
                line, col = _where(a.piece, a.link.start)
                out.append(
                    AuditFinding(
                        "GK204",
                        rel,
                        line,
                        f"{a.label}: run {rec.run_id} outcome is {rec.outcome.value}",
                        column=col,
                    )
                )
    return out


def _gates_named(ctx: ClaimContext, piece: _Piece, claims: list[Claim]) -> list[tuple[int, str]]:
    """(offset, gate id) of the program's gate ids a piece names: in prose, as a gate id in
    code, or inside a code span that is a claim (`VG-LA-002: 936 passed`)."""
    scan, _ = piece.prose
    named = [(piece.start + m.start(), m.group(0)) for m in GATE_ID.finditer(scan)]
    codes = {s: code for s, _, code in piece.unit.codes}
    for c in claims:
        code = codes.get(c.start)
        if code is not None and not is_gate_code(code):
            named += [(c.start + 1 + m.start(), m.group(0)) for m in GATE_ID.finditer(code)]
    return [(at, gate) for at, gate in named if ctx.is_program_gate(gate)]


def _claimed_gates(
    ctx: ClaimContext, found: list[_Found], pieces: list[_Piece]
) -> list[tuple[str, ...]]:
    """The gate ids each claim of a scope names, in order, without repeats.

    A claim in a link's text names the gate ids in that text; any other claim names those
    of the whole scope except the ones in the text of a link that holds a claim of its own.
    """
    if not found:
        return []
    named = [
        (piece, at, gate)
        for piece in pieces
        for at, gate in _gates_named(ctx, piece, [f.claim for f in found if f.piece is piece])
    ]
    owned = [f.own for f in found if f.own is not None]
    out = []
    for f in found:
        own = f.own
        if own is not None:
            names = [gate for piece, at, gate in named if own.holds(piece, at)]
        else:
            names = [
                gate for piece, at, gate in named if not any(a.holds(piece, at) for a in owned)
            ]
        out.append(tuple(dict.fromkeys(names)))
    return out


def _check_gates(
    where: tuple[str, int, int], claim: Claim, gates: tuple[str, ...], anchors: list[_Anchor]
) -> list[AuditFinding]:
    """GK206 when the claim names gates and none of its runs is a run of one of them."""
    if not gates:
        return []
    return _unless_one(
        "GK206",
        where,
        f"{claim.said!r} of {', '.join(gates)}",
        anchors,
        lambda r: r.gate_id in gates,
        lambda r: f"is a run of {r.gate_id}",
    )


def _unless_one(
    code: str,
    where: tuple[str, int, int],
    claimed: str,
    anchors: list[_Anchor],
    holds: Callable[[EvidenceRecord], bool],
    show: Callable[[EvidenceRecord], str],
) -> list[AuditFinding]:
    """A `code` finding at the claim (path, line, column) unless one of its runs `holds`;
    the message names every run tried: GK204 (none passed), GK206 (none of a named gate)."""
    records = [a.usable for a in anchors if a.usable is not None]
    if any(holds(r) for r in records):
        return []
    rel, line, col = where
    return [
        AuditFinding(code, rel, line, f"claims {claimed} but " + _tried(anchors, show), column=col)
    ]


def _tried(anchors: list[_Anchor], show: object) -> str:
    """'run X's … ' for one anchor; 'none of the N linked runs match (tried X: …; Y: …)'."""
    assert callable(show)
    recs = [a.usable for a in anchors if a.usable is not None]
    if len(recs) == 1:
        return f"run {recs[0].run_id} {show(recs[0])}"
    tried = "; ".join(f"{r.run_id}: {show(r)}" for r in recs)
    return f"none of the {len(recs)} linked runs match (tried {tried})"


def _check_link(ctx: ClaimContext, rel: str, a: _Anchor) -> list[AuditFinding]:
    line, col = _where(a.piece, a.link.start)
    if a.path is None:
        return [
            AuditFinding(
                "GK201", rel, line, f"{a.label} cites evidence that does not exist", column=col
            )
        ]
    if isinstance(a.record, str):
        return [AuditFinding("GK201", rel, line, f"{a.label}: {a.record}", column=col)]
    record = a.usable
    assert record is not None
    out: list[AuditFinding] = []
    if not record.claim_grade:
        why = "; ".join(record.not_claim_grade_because) or "not marked claim-grade"
        out.append(
            AuditFinding(
                "GK203",
                rel,
                line,
                f"{a.label}: run {record.run_id} is not claim-grade ({why})",
                column=col,
            )
        )
    out.extend(_staleness(ctx, rel, line, col, a.label, record))
    return out


def _check_counts(
    ctx: ClaimContext, rel: str, line: int, col: int, claim: Claim, anchors: list[_Anchor]
) -> list[AuditFinding]:
    shown: dict[str, str] = {}
    for a in anchors:
        rec = a.usable
        assert rec is not None and a.path is not None
        counts = ctx.counts(a.path, rec)
        if counts is None:
            shown[rec.run_id] = "no counts can be recomputed from its log"
            continue
        if all(getattr(counts, fld) == n for n, fld in claim.numbers):
            return []
        wrong = [(n, fld) for n, fld in claim.numbers if getattr(counts, fld) != n]
        shown[rec.run_id] = (
            "log shows "
            + ", ".join(f"{getattr(counts, fld)} {fld}" for _, fld in wrong)
            + f" (counts: {counts.summary()})"
        )
    if len(anchors) == 1:
        rec = anchors[0].usable
        assert rec is not None
        msg = (
            f"{anchors[0].label}: claims {claim.said!r} but run {rec.run_id}'s {shown[rec.run_id]}"
        )
    else:
        tried = "; ".join(f"{run}: {why}" for run, why in shown.items())
        msg = f"claims {claim.said!r} but none of the {len(anchors)} linked runs match (tried {tried})"
    return [AuditFinding("GK202", rel, line, msg, column=col)]


def streak_upto(
    ctx: ClaimContext, record: EvidenceRecord, *, of_passes: bool, window: int
) -> tuple[int, int]:
    """(consecutive claim-grade passes or failures up to the run, passes among the last `window`).

    Counted like promotion streaks: runs of the same gate, gate definition and
    pins, oldest first up to and including the cited run; runs that are not
    claim-grade and error/refused/interrupted outcomes neither count nor break.
    """
    entry = ctx.index.by_id.get(record.run_id)
    if entry is None:
        return 0, 0
    decisive = []
    for e in ctx.gate_history(record.gate_id):
        if (e.started_at, e.seq) > (entry.started_at, entry.seq):
            break
        if e.gate_hash != entry.gate_hash or e.pins != entry.pins or not e.claim_grade:
            continue
        if e.outcome == "pass" or e.outcome in RESETTING:
            decisive.append(e.outcome == "pass")
    run = 0
    for passed in reversed(decisive):
        if passed != of_passes:
            break
        run += 1
    last = decisive[-window:] if window > 0 else []
    return run, sum(last) if len(last) == window else -1


def _check_streak(
    ctx: ClaimContext, rel: str, line: int, col: int, claim: Claim, anchors: list[_Anchor]
) -> list[AuditFinding]:
    assert claim.streak is not None
    k, n, of_passes = claim.streak
    shown = []
    for a in anchors:
        rec = a.usable
        assert rec is not None
        run, among = streak_upto(ctx, rec, of_passes=of_passes, window=n)
        ok = run >= k if k == n or not of_passes else among == k
        if ok:
            return []
        what = "passes" if of_passes else "failures"
        if k == n or not of_passes:
            shown.append((rec, f"{run} consecutive claim-grade {what} of {rec.gate_id} up to it"))
        else:
            shown.append(
                (
                    rec,
                    f"{'fewer than ' + str(n) if among < 0 else among} claim-grade passes"
                    f" among the last {n} decisive runs of {rec.gate_id} up to it",
                )
            )
    if len(shown) == 1:
        rec, why = shown[0]
        msg = f"{anchors[0].label}: claims {claim.said!r} but the ledger shows {why} (run {rec.run_id})"
    else:
        tried = "; ".join(f"{rec.run_id}: {why}" for rec, why in shown)
        msg = (
            f"claims {claim.said!r} but none of the {len(shown)} linked runs match (tried {tried})"
        )
    return [
        AuditFinding(
            "GK202",
            rel,
            line,
            msg,
            hint="cite the newest run of the streak; `govkit evidence list --gate GATE` shows the runs",
            column=col,
        )
    ]


_FAILURE_WORDS = re.compile(
    r"\b(?:fail(?:s|ed|ing|ure)?|timeout|timed\s+out|oom|errors?|refused|interrupted)\b",
    re.IGNORECASE,
)


def _reports_failure(text: str, numbers: list[tuple[int, str]]) -> bool:
    """Does the claim say the run did not pass? Then it is a report, not a success claim.

    "[VG-CORE-001: 4 failed, 14 passed](…)" citing a failing run is honest (its counts are
    still checked); "[VG-CORE-001: 14 passed](…)" citing the same run hides the failure.
    """
    if any(fld in ("failed", "errors") and n > 0 for n, fld in numbers):
        return True
    # Every non-pass outcome's name (fail, timeout, oom, error, refused, interrupted) matches.
    return bool(_FAILURE_WORDS.search(text))


def _staleness(
    ctx: ClaimContext, rel: str, line: int, col: int, label: str, record: EvidenceRecord
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
                column=col,
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
                    column=col,
                )
            )
    return out
