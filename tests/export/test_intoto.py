"""govkit export intoto: statements checked against the in-toto protobuf definitions.

The in-toto-attestation package (test extra) provides the Statement v1,
ResourceDescriptor, test-result v0 and SLSA provenance v1 messages; every line
is parsed strictly into them (unknown fields are errors) and validated.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from google.protobuf import json_format
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.predicates.test_result.v0 import test_result_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement

from govkit.evidence.record import Counts, Outcome
from govkit.evidence.store import run_dir
from govkit.workspace import Workspace
from tests.audit.evidence import COMMIT_A, make_run
from tests.helpers import invoke


def _export(runner: CliRunner, ws: Workspace, *args: str) -> tuple[int, str]:
    return invoke(runner, ws, "export", "intoto", *args)


def _validate(line: dict[str, Any]) -> None:
    pb = json_format.ParseDict(line, statement_pb2.Statement())
    Statement.copy_from_pb(pb).validate()


def test_statements_follow_the_spec(runner: CliRunner, ws: Workspace, tmp_path: Path) -> None:
    good = make_run(ws, counts=Counts(passed=40, skipped=2))
    bad = make_run(ws, counts=Counts(passed=3, failed=1), outcome=Outcome.FAIL)
    worktree = make_run(ws, claim_grade=False)
    out = tmp_path / "runs.intoto.jsonl"
    code, output = _export(runner, ws, "--all", "-o", str(out))
    assert code == 0, output
    assert "wrote 6 statements for 3 run(s)" in output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 6
    for line in lines:
        _validate(line)
        assert line["_type"] == "https://in-toto.io/Statement/v1"
    results = [x for x in lines if x["predicateType"].endswith("test-result/v0.1")]
    provenance = [x for x in lines if x["predicateType"] == "https://slsa.dev/provenance/v1"]
    assert len(results) == len(provenance) == 3
    assert [r["predicate"]["result"] for r in results] == ["PASSED", "FAILED", "WARNED"]

    first = results[0]
    predicate = dict(first["predicate"])
    ext = predicate.pop("govkit")
    json_format.ParseDict(predicate, test_result_pb2.TestResult())  # strict: no stray fields
    assert ext["runId"] == good.run_id and ext["exitCode"] == 0 and ext["claimGrade"] is True
    assert ext["counts"]["passed"] == 40 and ext["argv"] == good.argv and ext["outcome"] == "pass"
    directory = run_dir(ws, good.run_id, good.date)
    stdout_sha = hashlib.sha256((directory / "stdout.log").read_bytes()).hexdigest()
    assert ext["logs"]["stdout"]["sha256"] == stdout_sha
    assert (
        ext["recordSha256"] == hashlib.sha256((directory / "record.json").read_bytes()).hexdigest()
    )
    subjects = {s["name"]: s["digest"] for s in first["subject"]}
    assert subjects["core"] == {"gitCommit": COMMIT_A}
    assert subjects[f"evidence/runs/{good.date}/{good.run_id}/stdout.log"] == {"sha256": stdout_sha}
    assert predicate["configuration"][0]["name"] == "govkit.yaml#gates/VG-CORE-001"

    prov = provenance[1]["predicate"]
    json_format.ParseDict(prov, provenance_pb2.Provenance())
    assert prov["buildDefinition"]["externalParameters"]["gate"] == bad.gate_id
    assert prov["buildDefinition"]["resolvedDependencies"][0]["digest"] == {"gitCommit": COMMIT_A}
    meta = prov["runDetails"]["metadata"]
    assert meta == {
        "invocationId": bad.run_id,
        "startedOn": bad.started_at,
        "finishedOn": bad.ended_at,
    }
    assert prov["runDetails"]["builder"]["id"].startswith("https://")
    assert worktree.run_id in {r["predicate"]["govkit"]["runId"] for r in results}


def test_selected_runs_and_bad_usage(runner: CliRunner, ws: Workspace, tmp_path: Path) -> None:
    one = make_run(ws)
    make_run(ws)
    out = tmp_path / "one.intoto.jsonl"
    code, _ = _export(runner, ws, one.run_id, "-o", str(out))
    assert code == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 2 and all(one.run_id in x for x in lines)
    code, output = _export(runner, ws, "-o", str(out))
    assert code == 2 and "give run ids or --all" in output
    code, output = _export(runner, ws, one.run_id, "--all", "-o", str(out))
    assert code == 2
    code, output = _export(runner, ws, "no-such-run", "-o", str(out))
    assert code != 0 and "no run 'no-such-run'" in output


def test_a_broken_statement_is_rejected_by_the_validator() -> None:
    # The validation above can fail: a statement without digests is refused.
    line = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "core"}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"x": 1},
    }
    try:
        _validate(line)
    except ValueError as exc:
        assert "digest" in str(exc)
    else:
        raise AssertionError("statement without a subject digest was accepted")
