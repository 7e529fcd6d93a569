"""Integrity of stored evidence: re-hashing files, the ledger chain, record signatures.

`rehash` is the one re-hashing function: `evidence verify` and `audit`
(govkit/audit/integrity.py) both read files through it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from govkit.evidence.signing import (
    RECORD_SIG,
    SignatureCheck,
    SignatureStatus,
    SigningSetup,
    claimed_signer,
    signing_setup,
    verify_signature,
)
from govkit.evidence.store import LedgerEntry, scan_ledger
from govkit.problems import Problem
from govkit.workspace import Workspace

# Stable codes, shared with audit (govkit/audit/findings.py, D-014/D-020).
SIGNATURE_CODES = {
    SignatureStatus.UNSIGNED: "GK108",
    SignatureStatus.UNKNOWN_SIGNER: "GK109",
    SignatureStatus.BAD_SIGNATURE: "GK110",
}


def read_bytes(path: str, expect: int = 1 << 16) -> bytes | None:
    """A whole file with os.read (no buffered-IO objects); None when it is missing.

    `expect` is a size hint: a regular file that is shorter than the first read
    is done after one read call (a short read from a regular file means EOF),
    which halves the syscalls on a store of many small files.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        first = os.read(fd, expect)
        if len(first) < expect:
            return first
        chunks = [first]
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Rehashed:
    """A file's content and its sha256, as read now."""

    data: bytes
    sha256: str


def rehash(path: str, expect: int = 1 << 16) -> Rehashed | None:
    """Read a stored file and hash it again; None when it is missing."""
    data = read_bytes(path, expect)
    if data is None:
        return None
    return Rehashed(data, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class RunSignature:
    """The signature check of one ledger entry's run."""

    line: int
    entry: LedgerEntry
    check: SignatureCheck


def check_run_signatures(
    ws: Workspace,
    entries: Sequence[tuple[int, LedgerEntry]],
    *,
    setup: SigningSetup | None = None,
    workers: int = 4,
) -> list[RunSignature]:
    """Every run's signature status (runs whose record is missing are left out).

    ssh-keygen runs once per signed run, in a few threads (the work is in subprocesses).
    """
    setup = setup or signing_setup(ws)
    evidence_dir = str(ws.evidence_dir)

    def one(item: tuple[int, LedgerEntry]) -> RunSignature | None:
        line, entry = item
        record = f"{evidence_dir}/{entry.record}"
        found = rehash(record)
        if found is None:
            return None
        sig = ws.evidence_dir / entry.record
        check = verify_signature(
            setup, found.data, sig.with_name(RECORD_SIG), claimed=claimed_signer(found.data)
        )
        return RunSignature(line, entry, check)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return [r for r in pool.map(one, entries) if r is not None]


def reportable(setup: SigningSetup, check: SignatureCheck) -> bool:
    """Is this signature status a problem? Unsigned only when signing.required."""
    if check.ok:
        return False
    return check.status is not SignatureStatus.UNSIGNED or setup.required


def signature_problems(
    ws: Workspace, setup: SigningSetup, checks: Sequence[RunSignature]
) -> list[Problem]:
    """The signature checks worth reporting, as ledger problems with their codes."""
    return [
        Problem(
            SIGNATURE_CODES[s.check.status],
            ws.rel(ws.ledger_path),
            s.line,
            f"run {s.entry.run_id}: {s.check.describe()}",
        )
        for s in checks
        if reportable(setup, s.check)
    ]


def verify_evidence(
    ws: Workspace, *, on_progress: Callable[[int, int], None] | None = None
) -> list[Problem]:
    """Chain problems, every entry whose record.json is missing or re-hashed, and, when
    signing.allowed_signers is configured, every run whose signature does not check out.

    Chain problems have code "ledger" (audit's GK101); the others carry their audit
    codes (GK102, GK104, GK108-GK110).
    """
    entries, chain = scan_ledger(ws)
    if chain:
        return chain  # a broken chain makes the entries themselves untrustworthy
    ledger = ws.rel(ws.ledger_path)
    problems: list[Problem] = []
    for n, (line, entry) in enumerate(entries, start=1):
        found = rehash(str(ws.evidence_dir / entry.record))
        if found is None:
            problems.append(
                Problem("GK104", ledger, line, f"run {entry.run_id}: {entry.record} is missing")
            )
        elif found.sha256 != entry.record_sha256:
            problems.append(
                Problem(
                    "GK102",
                    ledger,
                    line,
                    f"run {entry.run_id}: {entry.record} changed since it was recorded",
                )
            )
        if on_progress is not None and n % 500 == 0:
            on_progress(n, len(entries))
    setup = signing_setup(ws)
    if setup.verifies:
        problems += signature_problems(ws, setup, check_run_signatures(ws, entries, setup=setup))
    return sorted(problems, key=lambda p: p.line or 0)
