"""Signed bundles: the run's record.json.sig travels, ingest checks it with the real ssh-keygen."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

import pytest

from govkit.evidence.bundle import ingest_bundles, run_into_bundles
from govkit.evidence.signing import RECORD_SIG, verify_run_signature
from govkit.evidence.store import read_ledger
from govkit.workspace import Workspace
from tests.evidence.keys import allow, configure_signing, make_key, signing_workspace

pytestmark = pytest.mark.slow  # real gates, real ssh-keygen


def _bundle(ws: Workspace, out: Path, fmt: str = "dir") -> Path:
    [(_, bundle)] = run_into_bundles(ws, ["VG-CORE-1"], out, fmt=fmt, tuple_name="candidate")
    return bundle.path


def test_a_signed_bundle_carries_its_signature_and_lands_signed_ok(
    gated: Workspace, tmp_path: Path
) -> None:
    signing_workspace(gated, tmp_path)
    tar = _bundle(gated, tmp_path / "b", fmt="tar")
    with tarfile.open(tar) as t:
        assert f"run/{RECORD_SIG}" in t.getnames()
    [result] = ingest_bundles(gated, [tar])
    assert result.status == "ingested"
    assert any(n.startswith("signed-ok: alice@example.org") for n in result.notes)
    [entry] = read_ledger(gated)
    landed = (gated.evidence_dir / entry.record).parent
    assert verify_run_signature(gated, landed).ok  # the signature still holds in the workspace


def test_bad_signatures_unknown_signers_and_required_signing_are_refused(
    gated: Workspace, tmp_path: Path
) -> None:
    signing_workspace(gated, tmp_path)
    forged = _bundle(gated, tmp_path / "forged")
    # Someone rewrites the record and fixes every hash, but cannot re-sign it.
    record_path = forged / "run" / "record.json"
    record = json.loads(record_path.read_text())
    record["counts"] = {**(record["counts"] or {}), "passed": 999}
    raw = (json.dumps(record, sort_keys=True, indent=2) + "\n").encode()
    record_path.write_bytes(raw)
    manifest = json.loads((forged / "bundle.json").read_text())
    manifest["files"]["run/record.json"] = {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
    }
    (forged / "bundle.json").write_text(json.dumps(manifest))
    # A runner signing with a key the workspace does not allow.
    mallory = make_key(tmp_path / "keys" / "mallory")
    allow(gated, ("mallory@example.org", mallory), name="mallory_signers")
    configure_signing(gated, mallory.path, allowed="mallory_signers")
    stranger = _bundle(gated, tmp_path / "stranger")
    # An unsigned run, into a workspace that requires signatures.
    configure_signing(gated, None, allowed="allowed_signers")
    unsigned = _bundle(gated, tmp_path / "unsigned")
    configure_signing(gated, None, allowed="allowed_signers", required=True)

    results = {
        Path(r.bundle).parent.name: r for r in ingest_bundles(gated, [forged, stranger, unsigned])
    }
    assert results["forged"].status == "refused"
    assert results["forged"].reason.startswith("bad-signature")
    assert results["stranger"].status == "refused"
    assert results["stranger"].reason.startswith("unknown-signer")
    assert results["unsigned"].status == "refused"
    assert results["unsigned"].reason == "unsigned, and signing.required is true"
    assert read_ledger(gated) == []
