"""export intoto --sign: DSSE envelopes verified with securesystemslib (the in-toto tooling)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
from google.protobuf import json_format
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

from govkit.workspace import Workspace
from tests.audit.evidence import make_run
from tests.evidence.keys import make_key, signing_workspace
from tests.helpers import invoke

# Real ssh-keygen / git subprocesses per test.
pytestmark = pytest.mark.slow


def _sslib_key(pub: Path) -> SSlibKey:
    return SSlibKey.from_crypto(load_ssh_public_key(pub.read_bytes()))


def test_signed_export_verifies_with_securesystemslib(
    ws: Workspace, tmp_path: Path, runner: CliRunner
) -> None:
    key = signing_workspace(ws, tmp_path)  # signing.key doubles as the DSSE key
    rec = make_run(ws)
    out = tmp_path / "runs.intoto.jsonl"
    code, text = invoke(runner, ws, "export", "intoto", "--sign", rec.run_id, "-o", str(out))
    assert code == 0, text
    assert "wrote 2 signed statements" in text
    verifier = _sslib_key(key.path.with_name(key.path.name + ".pub"))
    lines = out.read_text().splitlines()
    assert len(lines) == 2
    for line in lines:
        envelope = Envelope.from_dict(json.loads(line))
        assert envelope.payload_type == "application/vnd.in-toto+json"
        verified = envelope.verify([verifier], 1)
        assert verifier.keyid in verified
        statement = json.loads(envelope.payload)
        Statement.copy_from_pb(
            json_format.ParseDict(statement, statement_pb2.Statement())
        ).validate()
        assert rec.run_id in envelope.payload.decode()

    # A changed payload, or another key, does not verify.
    envelope = Envelope.from_dict(json.loads(lines[0]))
    envelope.payload = envelope.payload.replace(b"PASSED", b"FAILED")
    with pytest.raises(VerificationError):
        envelope.verify([verifier], 1)
    other = make_key(tmp_path / "keys" / "other")
    with pytest.raises(VerificationError):
        Envelope.from_dict(json.loads(lines[0])).verify(
            [_sslib_key(other.path.with_name("other.pub"))], 1
        )


@pytest.mark.parametrize("problem", ["no-key", "public", "rsa", "too-open"])
def test_a_key_that_cannot_sign_dsse_is_named(
    ws: Workspace, tmp_path: Path, runner: CliRunner, problem: str
) -> None:
    import subprocess

    from tests.evidence.keys import configure_signing

    rec = make_run(ws)
    if problem == "no-key":
        expect = "set signing.dsse_key"
    else:
        key = signing_workspace(ws, tmp_path)
        dsse = key.path
        if problem == "public":
            dsse = key.path.with_name(key.path.name + ".pub")
            expect = "is a public key"
        elif problem == "rsa":
            dsse = tmp_path / "keys" / "rsa"
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(dsse)],
                check=True,
            )
            expect = "DSSE signing uses ed25519"
        else:
            dsse = tmp_path / "keys" / "open"
            dsse.write_bytes(key.path.read_bytes())
            dsse.chmod(0o644)
            expect = f"chmod 600 {dsse}"
        configure_signing(ws, key.path)
        with ws.edit_config() as data:
            data["signing"]["dsse_key"] = str(dsse)
        ws.reload()
    out = tmp_path / "x.jsonl"
    code, text = invoke(runner, ws, "export", "intoto", "--sign", rec.run_id, "-o", str(out))
    assert code == 2 and expect in text, text
    assert not out.exists()
