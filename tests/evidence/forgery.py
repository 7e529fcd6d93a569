"""The forgery a plain hash chain cannot see: rewrite a record, re-hash, re-chain."""

from __future__ import annotations

import json
from dataclasses import asdict

from govkit.evidence.record import sha256_file
from govkit.evidence.store import GENESIS, LedgerEntry, entry_hash, read_ledger
from govkit.workspace import Workspace


def rewrite_record_and_rechain(ws: Workspace, *, line: int) -> str:
    """Turn ledger entry `line`'s run into a 999-test pass, fix its hash and every later link.

    Returns the rewritten record's path relative to the workspace. Afterwards the
    chain, the record hashes and the summaries all agree: `audit` alone is clean.
    """
    entries = read_ledger(ws)
    target = entries[line - 1]
    record = ws.evidence_dir / target.record
    data = json.loads(record.read_text())
    data["counts"]["passed"] = 999
    record.write_text(json.dumps(data, sort_keys=True, indent=2) + "\n")
    out: list[LedgerEntry] = []
    prev = GENESIS
    for entry in entries:
        body = entry.body()
        if entry is target:
            body["record_sha256"] = sha256_file(record)
            body["counts"] = data["counts"]
        body["prev"] = prev
        fixed = LedgerEntry(**body, hash=entry_hash(body))
        out.append(fixed)
        prev = fixed.hash
    ws.ledger_path.write_text(
        "".join(json.dumps(asdict(e), sort_keys=True, ensure_ascii=False) + "\n" for e in out)
    )
    return ws.rel(record)
