"""in-toto attestations of govkit runs (DESIGN.md §7).

Per run, two in-toto Statement v1 lines:

* test-result v0.1 (https://in-toto.io/attestation/test-result/v0.1):
  result PASSED / WARNED / FAILED, the gate definition as configuration, and a
  `govkit` extension field (counts, exit code, argv, outcome, claim grade, log
  digests) — the in-toto spec tells consumers to ignore fields they do not know;
* SLSA provenance v1 (https://slsa.dev/provenance/v1): what ran (gate, argv),
  at which commits (resolvedDependencies), by whom and when (runDetails).

Subjects are the repos at their commits (`gitCommit` digests) and the stored
logs (`sha256`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from govkit import __version__
from govkit.atomic import atomic_write_text
from govkit.errors import ValidationError
from govkit.evidence.record import EvidenceRecord, Outcome
from govkit.evidence.store import entry_record_path, find_run, read_ledger
from govkit.workspace import Workspace

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
TEST_RESULT_TYPE = "https://in-toto.io/attestation/test-result/v0.1"
PROVENANCE_TYPE = "https://slsa.dev/provenance/v1"
BUILD_TYPE = "https://govkit.dev/gate-run/v1"
BUILDER_ID = "https://govkit.dev/safe-run"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _subjects(record: EvidenceRecord, rel_dir: str) -> list[dict[str, Any]]:
    subjects: list[dict[str, Any]] = [
        {"name": pin.name, "digest": {"gitCommit": pin.commit}} for pin in record.repos
    ]
    for log in record.logs.values():
        subjects.append({"name": f"{rel_dir}/{log.path}", "digest": {"sha256": log.sha256}})
    return subjects


def test_result_value(record: EvidenceRecord) -> str:
    """PASSED for a claim-grade pass, WARNED for a pass that is not claim-grade, else FAILED."""
    if record.outcome is Outcome.PASS:
        return "PASSED" if record.claim_grade else "WARNED"
    return "FAILED"


def _configuration(record: EvidenceRecord) -> list[dict[str, Any]]:
    descriptor: dict[str, Any] = {
        "name": f"govkit.yaml#gates/{record.gate_id}",
        "annotations": {"argv": record.argv, "parser": record.parser, "shell": record.shell},
    }
    if record.gate_hash and _HEX64.match(record.gate_hash):
        descriptor["digest"] = {"sha256": record.gate_hash}
    elif record.gate_hash:
        descriptor["annotations"]["gateHash"] = record.gate_hash
    return [descriptor]


def _extension(record: EvidenceRecord, record_sha256: str) -> dict[str, Any]:
    return {
        "runId": record.run_id,
        "gateId": record.gate_id,
        "outcome": record.outcome.value,
        "claimGrade": record.claim_grade,
        "notClaimGradeBecause": record.not_claim_grade_because,
        "counts": asdict(record.counts) if record.counts else None,
        "exitCode": record.exit_code,
        "signal": record.signal,
        "argv": record.argv,
        "tuple": record.tuple_name,
        "source": record.source,
        "durationSeconds": record.duration_s,
        "logs": {
            k: {"path": v.path, "sha256": v.sha256, "size": v.size} for k, v in record.logs.items()
        },
        "artifacts": [
            {"path": a.path, "sha256": a.sha256, "size": a.size} for a in record.artifacts
        ],
        "recordSha256": record_sha256,
    }


def statements(record: EvidenceRecord, *, rel_dir: str, record_sha256: str) -> list[dict[str, Any]]:
    """The test-result and SLSA provenance statements of one run."""
    subjects = _subjects(record, rel_dir)
    if not subjects:
        # A bare run with no repos and no logs: the record itself is what is attested.
        subjects = [{"name": f"{rel_dir}/record.json", "digest": {"sha256": record_sha256}}]
    test_result = {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": TEST_RESULT_TYPE,
        "predicate": {
            "result": test_result_value(record),
            "configuration": _configuration(record),
            "url": f"{rel_dir}/record.json",
            "passedTests": [],
            "warnedTests": [],
            "failedTests": [],
            "govkit": _extension(record, record_sha256),
        },
    }
    dependencies = [
        {
            "name": pin.name,
            "uri": pin.url,
            "digest": {"gitCommit": pin.commit},
            "annotations": {"ref": pin.ref, "dirty": pin.dirty},
        }
        for pin in record.repos
    ]
    provenance = {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PROVENANCE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "gate": record.gate_id,
                    "argv": record.argv,
                    "tuple": record.tuple_name,
                    "cwd": record.cwd,
                    "shell": record.shell,
                },
                "internalParameters": {
                    "parser": record.parser,
                    "source": record.source,
                    "env": record.env,
                    "gateHash": record.gate_hash,
                },
                "resolvedDependencies": dependencies,
            },
            "runDetails": {
                "builder": {
                    "id": BUILDER_ID,
                    "version": {"govkit": record.govkit_version or __version__},
                },
                "metadata": {
                    "invocationId": record.run_id,
                    "startedOn": record.started_at,
                    "finishedOn": record.ended_at,
                },
                "byproducts": [
                    {
                        "name": f"{rel_dir}/{log.path}",
                        "digest": {"sha256": log.sha256},
                        "mediaType": "text/plain",
                    }
                    for log in record.logs.values()
                ],
            },
        },
    }
    return [test_result, provenance]


@dataclass(frozen=True)
class ExportResult:
    """What was written."""

    path: Path
    runs: int
    statements: int


def export_intoto(
    ws: Workspace, runs: Sequence[str], *, all_runs: bool, out: Path, sign: bool = False
) -> ExportResult:
    """Write one test-result and one provenance statement per run, as JSON lines.

    With `sign`, each line is a DSSE envelope around the statement, signed with
    the workspace's ed25519 key (docs/signing.md).
    """
    if bool(runs) == all_runs:
        raise ValidationError(
            "give run ids or --all (not both)", hint="govkit evidence list shows runs"
        )
    signer = None
    if sign:
        from govkit.evidence.signing import signing_setup
        from govkit.export.dsse import load_dsse_signer

        signer = load_dsse_signer(signing_setup(ws))  # before any work: a bad key fails fast
    if all_runs:
        paths = [entry_record_path(ws, e) for e in read_ledger(ws)]
    else:
        paths = [find_run(ws, ref) for ref in runs]
    lines: list[str] = []
    for path in paths:
        record = EvidenceRecord.load(path)  # first: names a missing or damaged record
        raw = path.read_bytes()
        rel_dir = ws.rel(path.parent)
        for statement in statements(
            record, rel_dir=rel_dir, record_sha256=hashlib.sha256(raw).hexdigest()
        ):
            line = json.dumps(statement, ensure_ascii=False, separators=(",", ":"))
            if signer is not None:
                line = json.dumps(signer.envelope(line.encode("utf-8")), separators=(",", ":"))
            lines.append(line)
    atomic_write_text(out, "".join(line + "\n" for line in lines))
    return ExportResult(out, len(paths), len(lines))
