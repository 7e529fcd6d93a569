"""Audit findings and the table of their stable codes (DESIGN.md §7)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from govkit.problems import Problem


@dataclass(frozen=True)
class Rule:
    """One finding code: its name, default level and the generic fix."""

    code: str
    name: str
    level: str  # "error" | "warning"
    summary: str
    hint: str


# Codes are stable: tools (SARIF viewers, CI filters) key on them. Never renumber.
RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "GK101",
            "ledger-chain-broken",
            "error",
            "The evidence ledger's hash chain is broken.",
            "the ledger was edited by hand; restore evidence/ledger.jsonl from git",
        ),
        Rule(
            "GK102",
            "record-hash-mismatch",
            "error",
            "A record.json no longer matches the hash in its ledger entry.",
            "evidence records are immutable; restore the file from git",
        ),
        Rule(
            "GK103",
            "log-hash-mismatch",
            "error",
            "A log or artifact no longer matches the digest in its record.",
            "restore the file from git, or re-run the gate to get fresh evidence",
        ),
        Rule(
            "GK104",
            "record-missing",
            "error",
            "The ledger lists a run whose record.json is missing.",
            "restore the run directory from git",
        ),
        Rule(
            "GK105",
            "ledger-summary-mismatch",
            "error",
            "A ledger entry's summary fields disagree with its record.",
            "the record or the ledger was edited; restore both from git",
        ),
        Rule(
            "GK106",
            "record-not-in-ledger",
            "error",
            "A record.json exists on disk but no ledger entry lists it.",
            "records are only written by govkit; remove the stray run directory",
        ),
        Rule(
            "GK107",
            "record-unreadable",
            "error",
            "A record.json is not a valid evidence record.",
            "restore the file from git",
        ),
        Rule(
            "GK108",
            "run-unsigned",
            "error",
            "A run has no record.json.sig, and signing.required is true.",
            "run the gate again with signing.key configured (docs/signing.md)",
        ),
        Rule(
            "GK109",
            "signer-unknown",
            "error",
            "A run is signed by a key that is not in the allowed-signers file.",
            "add the signer to signing.allowed_signers if you trust them, or re-run the gate",
        ),
        Rule(
            "GK110",
            "signature-bad",
            "error",
            "A run's signature does not verify: record.json changed after signing, or the "
            "signature is not an SSH signature for this namespace.",
            "restore record.json and record.json.sig from git, or re-run the gate",
        ),
        Rule(
            "GK111",
            "ledger-rewritten-since-ref",
            "error",
            "The ledger at the --since revision is not a prefix of the ledger now.",
            "the ledger is append-only: restore the lines from that revision (git show REF:…)",
        ),
        Rule(
            "GK112",
            "evidence-changed-since-ref",
            "error",
            "A record, log or artifact committed at the --since revision changed or vanished.",
            "evidence is immutable: restore the file from that revision (git checkout REF -- …)",
        ),
        Rule(
            "GK201",
            "claim-evidence-missing",
            "error",
            "A claim cites evidence that does not exist.",
            "link a run that exists (`govkit evidence list`), or run the gate",
        ),
        Rule(
            "GK202",
            "claim-count-mismatch",
            "error",
            "A claim's numbers disagree with the counts recomputed from the stored log.",
            "copy the numbers from the run (`govkit evidence show RUN`) or re-render",
        ),
        Rule(
            "GK203",
            "claim-not-claim-grade",
            "error",
            "A claim cites a run that is not claim-grade.",
            "run the gate in a clean clone of a committed tuple (`govkit gate run`)",
        ),
        Rule(
            "GK204",
            "claim-not-passing",
            "error",
            "A claim cites a run that did not pass.",
            "cite a passing run, or say what actually happened",
        ),
        Rule(
            "GK205",
            "required-gates-claim-false",
            "error",
            'A claim of "full pass on required gates" does not hold for some required gate.',
            "run the failing required gates on the claim tuple, or say which ones passed",
        ),
        Rule(
            "GK206",
            "claim-gate-mismatch",
            "error",
            "A claim names a gate but none of the runs it cites is a run of that gate.",
            "link a run of the gate the claim names (`govkit evidence list --gate GATE`),"
            " or name the gate of the run it links",
        ),
        Rule(
            "GK301",
            "unanchored-claim",
            "error",
            "An absolute claim has no evidence link in the same cell, item or sentence.",
            "link the run that backs it, e.g. [VG-X-001: 12 passed](evidence/runs/<date>/<run>/record.json)",
        ),
        Rule(
            "GK401",
            "stale-evidence-ttl",
            "warning",
            "A claim cites evidence older than audit.evidence_ttl.",
            "re-run the gate and cite the new run",
        ),
        Rule(
            "GK402",
            "stale-evidence-commit",
            "warning",
            "A claim cites a run at commits that are no longer the tuple's pins.",
            "re-run the gate at the tuple's current commits",
        ),
        Rule(
            "GK501",
            "complete-without-evidence",
            "error",
            "A complete, done or resolved record has no evidence.",
            "add the run id that shows it (`evidence:`), or reopen it",
        ),
        Rule(
            "GK502",
            "evidence-ref-unresolved",
            "error",
            "A record's evidence reference resolves to no run.",
            "reference a run id, a record.json path, or a gate with a passing claim-grade run",
        ),
        Rule(
            "GK601",
            "imported-unverified",
            "warning",
            "An imported record's evidence is still unverified (no real run backs it).",
            "run the gate named in the record and reference the run",
        ),
    )
}


@dataclass(frozen=True)
class AuditFinding(Problem):
    """A Problem with an audit rule's code, and its level (error or warning)."""

    level: str = ""  # filled from RULES unless given

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    def with_level(self, strict: bool) -> AuditFinding:
        """The finding with its effective level and hint (--strict turns warnings into errors)."""
        level = "error" if strict else self.level or self.rule.level
        return dataclasses.replace(self, hint=self.hint or self.rule.hint, level=level)


def sort_key(f: AuditFinding) -> tuple[str, int, int, str]:
    """Order findings by file, line, column, code."""
    return (f.path, f.line or 0, f.column or 0, f.code)
