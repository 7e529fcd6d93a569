"""Integrity of stored evidence: the ledger chain and each record's recorded hash."""

from __future__ import annotations

from collections.abc import Callable

from govkit.evidence.record import sha256_file
from govkit.evidence.store import entry_record_path, ledger_problem, read_ledger, verify_chain
from govkit.problems import Problem
from govkit.workspace import Workspace


def verify_evidence(
    ws: Workspace, *, on_progress: Callable[[int, int], None] | None = None
) -> list[Problem]:
    """Chain problems, plus every ledger entry whose record.json is missing or re-hashed."""
    problems = verify_chain(ws)
    if problems:
        return problems  # a broken chain makes the entries themselves untrustworthy
    entries = read_ledger(ws)
    for n, entry in enumerate(entries, start=1):
        path = entry_record_path(ws, entry)
        if not path.is_file():
            problems.append(ledger_problem(ws, n, f"run {entry.run_id}: {entry.record} is missing"))
        elif sha256_file(path) != entry.record_sha256:
            problems.append(
                ledger_problem(
                    ws, n, f"run {entry.run_id}: {entry.record} changed since it was recorded"
                )
            )
        if on_progress is not None and n % 500 == 0:
            on_progress(n, len(entries))
    return problems
