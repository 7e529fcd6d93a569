"""SSH signing of evidence records with real keys and the real ssh-keygen."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.config import GateDef
from govkit.errors import ValidationError
from govkit.evidence.signing import (
    KEY_ENV,
    RECORD_SIG,
    SignatureStatus,
    verify_run_signature,
)
from govkit.gates import add_gate
from govkit.tuples import add_repo, pin_tuple
from govkit.workspace import Workspace
from tests.audit.evidence import make_run, record_file
from tests.evidence.keys import allow, configure_signing, make_key, signing_workspace
from tests.helpers import REPO_ROOT, invoke, make_repo

# Real ssh-keygen / git subprocesses per test.
pytestmark = pytest.mark.slow


def _documented_verify_command() -> str:
    """The one ssh-keygen command docs/signing.md tells a third party to run."""
    text = (REPO_ROOT / "docs" / "signing.md").read_text()
    block = text.split("<!-- verify-command", 1)[1]
    (command,) = re.findall(r"```sh\n(.*?)\n```", block, re.S)[:1]
    return command


def test_a_signed_record_verifies_with_the_documented_ssh_keygen_command(
    ws: Workspace, tmp_path: Path
) -> None:
    signing_workspace(ws, tmp_path)
    rec = make_run(ws)
    path = record_file(ws, rec)
    assert json.loads(path.read_text())["signer"]["principal"] == "alice@example.org"
    assert (path.parent / RECORD_SIG).read_text().startswith("-----BEGIN SSH SIGNATURE-----")
    command = _documented_verify_command()
    run_dir = ws.rel(path.parent)
    command = command.replace("RUN_DIR", run_dir).replace("PRINCIPAL", "alice@example.org")
    proc = subprocess.run(["sh", "-c", command], cwd=ws.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'Good "govkit" signature for alice@example.org' in proc.stdout
    # The same command refuses the record once a byte changed.
    path.write_text(path.read_text().replace('"passed": 12', '"passed": 13'))
    proc = subprocess.run(["sh", "-c", command], cwd=ws.root, capture_output=True, text=True)
    assert proc.returncode != 0


def test_every_status_has_its_stable_name(ws: Workspace, tmp_path: Path) -> None:
    key = signing_workspace(ws, tmp_path)
    good, changed, gone, stranger, garbage = (
        make_run(ws, started_at=f"2026-11-20T10:0{n}:00.000Z") for n in range(5)
    )
    dirs = {r.run_id: record_file(ws, r).parent for r in (good, changed, gone, stranger, garbage)}
    check = verify_run_signature(ws, dirs[good.run_id])
    assert check.status is SignatureStatus.SIGNED_OK and check.status == "signed-ok"
    assert check.principal == "alice@example.org" and check.fingerprint
    assert check.fingerprint.startswith("SHA256:")

    record = dirs[changed.run_id] / "record.json"
    record.write_text(record.read_text().replace('"exit_code": 0', '"exit_code": 1'))
    assert verify_run_signature(ws, dirs[changed.run_id]).status == "bad-signature"

    (dirs[gone.run_id] / RECORD_SIG).unlink()
    assert verify_run_signature(ws, dirs[gone.run_id]).status == "unsigned"

    (dirs[garbage.run_id] / RECORD_SIG).write_text("not a signature\n")
    assert verify_run_signature(ws, dirs[garbage.run_id]).status == "bad-signature"

    # Re-sign one record with a key nobody allowed.
    other = make_key(tmp_path / "keys" / "mallory")
    data = (dirs[stranger.run_id] / "record.json").read_bytes()
    sig = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-f", str(other.path), "-n", "govkit"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    (dirs[stranger.run_id] / RECORD_SIG).write_bytes(sig)
    assert verify_run_signature(ws, dirs[stranger.run_id]).status == "unknown-signer"

    # The same signature names alice but is mallory's, once mallory is allowed too.
    allow(ws, ("alice@example.org", key), ("mallory@example.org", other))
    check = verify_run_signature(ws, dirs[stranger.run_id])
    assert check.status == "bad-signature" and "mallory@example.org" in check.message


def test_verify_and_audit_report_signature_codes(
    ws: Workspace, tmp_path: Path, runner: CliRunner
) -> None:
    signing_workspace(ws, tmp_path)
    bad, unsigned = make_run(ws), make_run(ws, started_at="2026-11-20T11:00:00.000Z")
    record = record_file(ws, bad)
    record.write_text(record.read_text().replace('"cwd": "."', '"cwd": "x"'))
    (record_file(ws, unsigned).parent / RECORD_SIG).unlink()
    code, out = invoke(runner, ws, "evidence", "verify", "--json")
    assert code == 1
    codes = {p["code"] for p in json.loads(out)["problems"]}
    assert "GK110" in codes and "GK108" not in codes  # unsigned is fine unless required
    code, out = invoke(runner, ws, "audit", "--json")
    found = {(f["code"], f["path"]) for f in json.loads(out)["findings"]}
    assert ("GK110", ws.rel(record)) in found
    assert not any(c == "GK108" for c, _ in found)

    configure_signing(ws, tmp_path / "keys" / "alice", required=True)
    code, out = invoke(runner, ws, "audit", "--json")
    found = {(f["code"], f["path"]) for f in json.loads(out)["findings"]}
    assert ("GK108", ws.rel(record_file(ws, unsigned))) in found
    code, out = invoke(runner, ws, "evidence", "verify")
    assert code == 1 and "GK108" in out and "unsigned" in out


def test_no_key_configured_writes_records_exactly_as_before(
    ws: Workspace, runner: CliRunner
) -> None:
    rec = make_run(ws)
    path = record_file(ws, rec)
    assert not (path.parent / RECORD_SIG).exists()
    assert "signer" not in json.loads(path.read_text())
    code, out = invoke(runner, ws, "evidence", "show", rec.run_id)
    assert code == 0 and "signature" not in out and "signer" not in out
    code, out = invoke(runner, ws, "evidence", "verify")
    assert code == 0


def test_show_names_the_verified_signer(ws: Workspace, tmp_path: Path, runner: CliRunner) -> None:
    signing_workspace(ws, tmp_path)
    rec = make_run(ws)
    code, out = invoke(runner, ws, "evidence", "show", rec.run_id)
    assert code == 0
    assert re.search(r"signer:\s+alice@example.org \(SHA256:", out)
    assert re.search(r"signature:\s+signed-ok: alice@example.org", out)
    code, out = invoke(runner, ws, "evidence", "show", rec.run_id, "--json")
    data = json.loads(out)
    assert data["signature"]["status"] == "signed-ok"
    assert data["signer"]["principal"] == "alice@example.org"


@pytest.fixture
def gate_ws(ws: Workspace) -> Workspace:
    repo = ws.root.parent / "core"
    make_repo(repo, {"check.py": "print('1 passed')\n"})
    add_repo(ws, "core", str(repo))
    pin_tuple(ws, "canonical", ["core=main"])
    add_gate(
        ws, GateDef(id="VG-CORE-1", title="core", repo="core", argv=(sys.executable, "check.py"))
    )
    return ws


def _no_runs(ws: Workspace) -> bool:
    return not ws.runs_dir.exists() or not any(ws.runs_dir.rglob("record.json"))


def test_gate_run_is_signed_and_says_by_whom(
    gate_ws: Workspace, tmp_path: Path, runner: CliRunner
) -> None:
    signing_workspace(gate_ws, tmp_path)
    code, out = invoke(runner, gate_ws, "gate", "run", "VG-CORE-1")
    assert code == 0, out
    assert "signed by alice@example.org" in out
    (path,) = gate_ws.runs_dir.rglob("record.json")
    assert verify_run_signature(gate_ws, path.parent).ok
    assert json.loads(path.read_text())["claim_grade"] is True


@pytest.mark.parametrize("problem", ["missing", "too-open", "not-allowed", "env-missing"])
def test_a_key_that_cannot_sign_stops_the_run_before_it_starts(
    gate_ws: Workspace,
    tmp_path: Path,
    runner: CliRunner,
    problem: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = signing_workspace(gate_ws, tmp_path)
    if problem == "missing":
        key.path.unlink()
        expect = ["no such file", str(key.path), "ssh-keygen -t ed25519"]
    elif problem == "too-open":
        key.path.chmod(0o644)
        expect = ["permissions 0644 are too open", f"chmod 600 {key.path}"]
    elif problem == "not-allowed":
        stranger = make_key(tmp_path / "keys" / "bob")
        allow(gate_ws, ("bob@example.org", stranger))
        expect = ["is not in the allowed signers", "allowed_signers", key.public]
    else:
        monkeypatch.setenv(KEY_ENV, str(tmp_path / "nowhere"))
        expect = [f"${KEY_ENV}", "no such file"]
    code, out = invoke(runner, gate_ws, "gate", "run", "VG-CORE-1")
    assert code == 2, out
    for text in expect:
        assert text in out
    assert "Traceback" not in out
    assert _no_runs(gate_ws)


def test_a_record_that_cannot_be_signed_is_kept_but_not_claim_grade(
    ws: Workspace, tmp_path: Path
) -> None:
    key = signing_workspace(ws, tmp_path)
    key.path.write_text("this is not a key\n")  # breaks signing after setup
    key.path.chmod(0o600)
    rec = make_run(ws)
    data = json.loads(record_file(ws, rec).read_text())
    assert data["claim_grade"] is False and "signer" not in data
    assert any("could not be signed" in r for r in data["not_claim_grade_because"])
    assert not (record_file(ws, rec).parent / RECORD_SIG).exists()
    # The ledger agrees with the record, so audit has nothing to say about the summary.
    from govkit.evidence.store import read_ledger

    assert read_ledger(ws)[-1].claim_grade is False


def test_an_empty_env_key_turns_signing_off(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    signing_workspace(ws, tmp_path)
    monkeypatch.setenv(KEY_ENV, "")
    rec = make_run(ws)
    assert not (record_file(ws, rec).parent / RECORD_SIG).exists()
    assert json.loads(record_file(ws, rec).read_text())["claim_grade"] is True


def test_config_errors_name_the_field(ws: Workspace) -> None:
    ws.config_path.write_text(ws.config_path.read_text() + "signing:\n  key: ~/.ssh/id\n")
    ws.reload()
    with pytest.raises(ValidationError) as err:
        _ = ws.config
    assert "signing.allowed_signers" in err.value.message and err.value.line
    ws.config_path.write_text(
        ws.config_path.read_text().replace("key: ~/.ssh/id", "keyy: ~/.ssh/id")
    )
    ws.reload()
    with pytest.raises(ValidationError) as err:
        _ = ws.config
    assert "did you mean 'key'" in str(err.value)


def test_a_public_key_signs_through_ssh_agent(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """signing.key naming a .pub file signs with the private key held by a real ssh-agent."""
    key = make_key(tmp_path / "keys" / "agent")
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if sock.exists():
                break
            time.sleep(0.02)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        subprocess.run(["ssh-add", "-q", str(key.path)], check=True, capture_output=True)
        key.path.unlink()  # only the agent holds the private key now
        allow(ws, ("agent@example.org", key))
        configure_signing(ws, key.path.with_name("agent.pub"))
        rec = make_run(ws)
        check = verify_run_signature(ws, record_file(ws, rec).parent)
        assert check.ok and check.principal == "agent@example.org"
    finally:
        agent.terminate()
        agent.wait(timeout=10)
