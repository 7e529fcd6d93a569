"""Ledger and file integrity: the chain, record hashes, log digests, summaries.

Hashing is the bulk of the work on a large program (one record and two logs
per run), so files are read with os.open/os.read and hashed in a thread pool:
hashlib releases the GIL for the digest and the kernel does the reads.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from govkit.audit.findings import AuditFinding
from govkit.evidence.integrity import (
    SIGNATURE_CODES,
    check_run_signatures,
    rehash,
    reportable,
)
from govkit.evidence.signing import signing_setup
from govkit.evidence.store import LedgerEntry, entry_hash_ok, scan_ledger
from govkit.forkjob import cores
from govkit.workspace import Workspace

Progress = Callable[[str], None]


@dataclass
class RunIndex:
    """What claims and record checks need to know about runs, from the ledger."""

    by_id: dict[str, LedgerEntry] = field(default_factory=dict)
    by_record: dict[str, LedgerEntry] = field(default_factory=dict)  # "runs/…/record.json"
    backed_gates: set[str] = field(default_factory=set)  # gates with a passing claim-grade run


def _disk_records(ws: Workspace, known: set[str]) -> set[str]:
    """'runs/<date>/<run>/record.json' of every record on disk that is not in `known`.

    A run directory listed in `known` is not stat'ed here: its record is read anyway.
    """
    found: set[str] = set()
    runs = ws.runs_dir
    if not runs.is_dir():
        return found
    with os.scandir(runs) as days:
        for day in days:
            if not day.is_dir():
                continue
            with os.scandir(day.path) as dirs:
                for run in dirs:
                    rel = f"runs/{day.name}/{run.name}/record.json"
                    if rel in known or not run.is_dir():
                        continue
                    if os.path.isfile(os.path.join(run.path, "record.json")):
                        found.add(rel)
    return found


def _summary_mismatches(entry: LedgerEntry, data: dict[str, Any]) -> list[str]:
    """Ledger summary fields that disagree with the record's own values."""
    repos = data.get("repos") or []
    expected: dict[str, Any] = {
        "run_id": data.get("run_id"),
        "gate_id": data.get("gate_id"),
        "outcome": data.get("outcome"),
        "started_at": data.get("started_at"),
        "claim_grade": data.get("claim_grade"),
        "tuple_name": data.get("tuple_name"),
        "commit": repos[0].get("commit") if repos and isinstance(repos[0], dict) else None,
        "pins": {
            p.get("name"): p.get("commit") for p in repos if isinstance(p, dict) and "name" in p
        },
        "gate_hash": data.get("gate_hash"),
        "counts": data.get("counts"),
    }
    return [k for k, v in expected.items() if getattr(entry, k) != v]


def _check_run(
    evidence_dir: str, rel_ledger: str, line: int, entry: LedgerEntry
) -> list[AuditFinding]:
    """Every check of one ledger entry against the files of its run."""
    out: list[AuditFinding] = []
    # Plain string joins: os.path costs more than the small reads on big ledgers.
    record_path = f"{evidence_dir}/{entry.record}"
    rel_record = f"evidence/{entry.record}"
    found = rehash(record_path)
    if found is None:
        return [
            AuditFinding("GK104", rel_ledger, line, f"run {entry.run_id}: {rel_record} is missing")
        ]
    raw = found.data
    if found.sha256 != entry.record_sha256:
        out.append(
            AuditFinding(
                "GK102",
                rel_record,
                1,
                f"run {entry.run_id}: record.json does not match its ledger hash "
                f"(ledger line {line})",
            )
        )
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        out.append(AuditFinding("GK107", rel_record, 1, f"record.json is not valid JSON: {exc}"))
        return out
    bad = _summary_mismatches(entry, data)
    if bad:
        out.append(
            AuditFinding(
                "GK105",
                rel_ledger,
                line,
                f"run {entry.run_id}: ledger {', '.join(bad)} disagree with {rel_record}",
            )
        )
    run_dir = record_path.rpartition("/")[0]
    rel_dir = rel_record.rpartition("/")[0]
    digests: list[Any] = list((data.get("logs") or {}).values()) + list(data.get("artifacts") or [])
    for d in digests:
        if not isinstance(d, dict) or not isinstance(d.get("path"), str):
            out.append(AuditFinding("GK107", rel_record, 1, "a log/artifact entry has no path"))
            continue
        rel = d["path"]
        if rel.startswith("/") or ".." in rel.split("/"):
            out.append(
                AuditFinding("GK107", rel_record, 1, f"log path {rel!r} leaves the run directory")
            )
            continue
        size = d.get("size")
        content = rehash(
            f"{run_dir}/{rel}", size + 1 if isinstance(size, int) and size >= 0 else 1 << 16
        )
        where = f"{rel_dir}/{rel}"
        if content is None:
            out.append(AuditFinding("GK103", where, None, f"run {entry.run_id}: {rel} is missing"))
        elif len(content.data) != d.get("size") or content.sha256 != d.get("sha256"):
            out.append(
                AuditFinding(
                    "GK103",
                    where,
                    None,
                    f"run {entry.run_id}: {rel} does not match the sha256/size in its record",
                )
            )
    return out


# Entries handed to forked workers by inheritance rather than pickling.
_WORK: tuple[str, str, list[tuple[int, LedgerEntry]]] = ("", "", [])


def _check_slice(bounds: tuple[int, int]) -> list[AuditFinding]:
    evidence_dir, rel_ledger, entries = _WORK
    out: list[AuditFinding] = []
    for line, entry in entries[bounds[0] : bounds[1]]:
        if not entry_hash_ok(entry):
            out.append(
                AuditFinding("GK101", rel_ledger, line, "entry hash does not match its content")
            )
        out.extend(_check_run(evidence_dir, rel_ledger, line, entry))
    return out


def _check_slice_threaded(bounds: tuple[int, int]) -> list[AuditFinding]:
    # Inside one process: threads overlap the reads (os.read and hashlib drop the GIL).
    lo, hi = bounds
    step = max(1, (hi - lo) // 16 + 1)
    parts = [(i, min(i + step, hi)) for i in range(lo, hi, step)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return [f for chunk in pool.map(_check_slice, parts) for f in chunk]


def _check_runs(
    evidence_dir: str,
    rel_ledger: str,
    entries: list[tuple[int, LedgerEntry]],
    workers: int,
    after: Callable[[], list[AuditFinding]],
    parallel_from: int,
) -> list[AuditFinding]:
    """Per-run checks, spread over processes (one per core) when it pays off."""
    global _WORK
    _WORK = (evidence_dir, rel_ledger, entries)
    n = len(entries)
    try:
        if workers > 1 and n >= parallel_from and "fork" in multiprocessing.get_all_start_methods():
            step = n // workers + 1
            parts = [(i, min(i + step, n)) for i in range(0, n, step)]
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                pending = pool.map_async(_check_slice_threaded, parts)
                # The main process lists run directories meanwhile.
                stray = after()
                return [f for chunk in pending.get() for f in chunk] + stray
        return _check_slice_threaded((0, n)) + after()
    finally:
        _WORK = ("", "", [])


def check_integrity(
    ws: Workspace,
    *,
    workers: int | None = None,
    parallel_from: int = 4000,
    progress: Progress | None = None,
) -> tuple[list[AuditFinding], RunIndex]:
    """Chain, hashes, digests, summaries and stray records; plus an index of runs.

    With `parallel_from` runs or more and several cores, the per-run checks are
    forked over `workers` processes (default: govkit.forkjob.cores(), one per core
    this process may use, or GOVKIT_JOBS); forking costs more than it saves on small
    ledgers.
    """
    rel_ledger = ws.rel(ws.ledger_path)
    entries, problems = scan_ledger(ws, hashes=False)  # hashes are checked per run, in parallel
    findings = [AuditFinding("GK101", rel_ledger, p.line, p.message) for p in problems]
    index = RunIndex()
    for _, e in entries:
        index.by_id[e.run_id] = e
        index.by_record[e.record] = e
        if e.outcome == "pass" and e.claim_grade:
            index.backed_gates.add(e.gate_id)
    if progress:
        progress(f"checking {len(entries)} runs")
    n_workers = workers if workers is not None else cores()  # GOVKIT_JOBS, else the cores

    def strays() -> list[AuditFinding]:
        return [
            AuditFinding("GK106", f"evidence/{s}", 1, "record.json is not listed in the ledger")
            for s in sorted(_disk_records(ws, set(index.by_record)))
        ]

    findings.extend(
        _check_runs(str(ws.evidence_dir), rel_ledger, entries, n_workers, strays, parallel_from)
    )
    setup = signing_setup(ws)
    if setup.verifies:  # no allowed signers configured: signatures are not checked (D-020)
        if progress:
            progress(f"checking signatures of {len(entries)} runs")
        for s in check_run_signatures(ws, entries, setup=setup):
            if reportable(setup, s.check):
                findings.append(
                    AuditFinding(
                        SIGNATURE_CODES[s.check.status],
                        f"evidence/{s.entry.record}",
                        1,
                        f"run {s.entry.run_id}: {s.check.describe()}",
                    )
                )
    return findings, index
