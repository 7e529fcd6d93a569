"""SSH signatures on evidence: `ssh-keygen -Y sign` / `-Y verify`, as git's gpg.format=ssh.

A signed run has `<run dir>/record.json.sig` beside its record: the armored
output of `ssh-keygen -Y sign -n <namespace>` over the exact bytes of
record.json. Anyone can check it with stock OpenSSH and the workspace's
allowed-signers file (docs/signing.md); govkit runs the same command.

Statuses are stable names that audit codes, JSON output and other tools key on:
signed-ok, unsigned, unknown-signer, bad-signature (D-020).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from govkit.errors import GovkitError, ValidationError
from govkit.workspace import Workspace

RECORD_SIG = "record.json.sig"
KEY_ENV = "GOVKIT_SIGNING_KEY"  # overrides signing.key (a CI runner's own key); empty: no key
_TIMEOUT = 300.0  # a passphrase typed at the terminal may take a while
_DOC = "docs/signing.md"


class SignatureStatus(StrEnum):
    """What a signature check found. The values are stable."""

    SIGNED_OK = "signed-ok"
    UNSIGNED = "unsigned"
    UNKNOWN_SIGNER = "unknown-signer"
    BAD_SIGNATURE = "bad-signature"


@dataclass(frozen=True)
class SignatureCheck:
    """The result of checking one signature: status, who signed, and why when not ok."""

    status: SignatureStatus
    principal: str | None = None
    fingerprint: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status is SignatureStatus.SIGNED_OK

    def describe(self) -> str:
        """'signed-ok: alice@example.org (SHA256:…)' or 'bad-signature: why'."""
        if self.ok:
            return f"{self.status.value}: {self.principal} ({self.fingerprint or '-'})"
        return f"{self.status.value}: {self.message}" if self.message else self.status.value


@dataclass(frozen=True)
class Signer:
    """The configured key as the allowed-signers file knows it."""

    principal: str
    fingerprint: str  # 'SHA256:…', as ssh-keygen -l prints it

    def as_record(self) -> dict[str, str]:
        return {"principal": self.principal, "key": self.fingerprint}


@dataclass(frozen=True)
class SigningSetup:
    """signing: from govkit.yaml with paths resolved against the workspace."""

    key: Path | None
    allowed_signers: Path | None
    namespace: str = "govkit"
    required: bool = False
    dsse_key: Path | None = None
    config_path: Path = Path("govkit.yaml")
    key_source: str = "signing.key in govkit.yaml"

    @property
    def verifies(self) -> bool:
        """Is there an allowed-signers file to check signatures against?"""
        return self.allowed_signers is not None


def _resolve(root: Path, value: str) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else root / path


def signing_setup(ws: Workspace) -> SigningSetup:
    """The workspace's signing policy; $GOVKIT_SIGNING_KEY overrides signing.key."""
    policy = ws.config.signing
    key_value, source = policy.key, "signing.key in govkit.yaml"
    if KEY_ENV in os.environ:
        key_value, source = os.environ[KEY_ENV] or None, f"${KEY_ENV}"
        if key_value and not policy.allowed_signers:
            raise ValidationError(
                f"${KEY_ENV} names a signing key but govkit.yaml has no signing.allowed_signers",
                path=ws.config_path,
                hint=f"add signing.allowed_signers (see {_DOC}), or unset ${KEY_ENV}",
            )
    dsse = policy.dsse_key or key_value
    return SigningSetup(
        key=_resolve(ws.root, key_value) if key_value else None,
        allowed_signers=_resolve(ws.root, policy.allowed_signers)
        if policy.allowed_signers
        else None,
        namespace=policy.namespace,
        required=policy.required,
        dsse_key=_resolve(ws.root, dsse) if dsse else None,
        config_path=ws.config_path,
        key_source=source,
    )


def _setup_of(where: Workspace | SigningSetup) -> SigningSetup:
    return where if isinstance(where, SigningSetup) else signing_setup(where)


# --- ssh-keygen -------------------------------------------------------------


def _ssh_keygen(
    args: list[str], *, data: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["ssh-keygen", *args],
            input=data if data is not None else b"",
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise GovkitError(
            "ssh-keygen is not installed (signing and verifying evidence use it)",
            hint="install OpenSSH (Debian: apt-get install openssh-client)",
        ) from None
    except subprocess.TimeoutExpired:
        raise GovkitError(
            f"ssh-keygen {' '.join(args[:2])} did not finish in {_TIMEOUT:.0f}s",
            hint="is it waiting for a passphrase? add the key to ssh-agent and point "
            "signing.key at its .pub file",
        ) from None


def _last_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = [ln for ln in proc.stderr.decode(errors="replace").splitlines() if ln.strip()]
    lines = [ln for ln in lines if "@@@" not in ln and ln != "Signing data on standard input"]
    return lines[-1] if lines else f"exit {proc.returncode}"


def _key_problem(setup: SigningSetup, message: str, hint: str) -> ValidationError:
    return ValidationError(
        f"signing key {setup.key} ({setup.key_source}): {message}",
        path=setup.config_path,
        hint=hint,
    )


def _check_key_file(setup: SigningSetup) -> Path:
    key = setup.key
    assert key is not None
    if not key.exists():
        raise _key_problem(
            setup,
            "no such file",
            f"create one (ssh-keygen -t ed25519 -f {key}) or point signing.key at your key",
        )
    if not os.access(key, os.R_OK):
        raise _key_problem(setup, "not readable by this user", f"chmod 600 {key} (and own it)")
    mode = stat.S_IMODE(key.stat().st_mode)
    if key.suffix != ".pub" and mode & 0o077:
        # ssh-keygen ignores such a key; say so before a long run, not after.
        raise _key_problem(
            setup,
            f"permissions {mode:04o} are too open for a private key",
            f"chmod 600 {key}",
        )
    return key


def public_key_line(setup: SigningSetup) -> str:
    """'ssh-ed25519 AAAA…' of the configured key (from KEY.pub when it exists)."""
    key = _check_key_file(setup)
    for candidate in (key, key.with_name(key.name + ".pub")):
        if candidate.suffix == ".pub" and candidate.is_file():
            parts = candidate.read_text(encoding="utf-8", errors="replace").split()
            if len(parts) >= 2:
                return f"{parts[0]} {parts[1]}"
    proc = _ssh_keygen(["-y", "-f", str(key)])
    parts = proc.stdout.decode(errors="replace").split()
    if proc.returncode != 0 or len(parts) < 2:
        raise _key_problem(
            setup,
            f"ssh-keygen cannot read it: {_last_line(proc)}",
            "give an OpenSSH private key, or its .pub file with the key loaded in ssh-agent",
        )
    return f"{parts[0]} {parts[1]}"


def fingerprint(public_line: str) -> str:
    """'SHA256:…' of an OpenSSH public key line, as ssh-keygen -l prints it."""
    blob = base64.b64decode(public_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def sign_bytes(setup: SigningSetup, data: bytes) -> str:
    """The armored SSH signature of `data` with the configured key."""
    key = _check_key_file(setup)
    proc = _ssh_keygen(["-Y", "sign", "-f", str(key), "-n", setup.namespace], data=data)
    out = proc.stdout.decode(errors="replace")
    if proc.returncode != 0 or "BEGIN SSH SIGNATURE" not in out:
        raise _key_problem(
            setup,
            f"ssh-keygen -Y sign failed: {_last_line(proc)}",
            "check that the key opens without a prompt here (or is loaded in ssh-agent, with "
            f"signing.key naming its .pub file); see {_DOC}",
        )
    return out


_IDENTITY: dict[tuple[object, ...], Signer] = {}
_IDENTITY_LOCK = threading.Lock()


def _allowed_file(setup: SigningSetup) -> Path:
    allowed = setup.allowed_signers
    if allowed is None:
        raise ValidationError(
            "no signing.allowed_signers in govkit.yaml", path=setup.config_path, hint=_DOC
        )
    if not allowed.is_file():
        raise ValidationError(
            f"allowed-signers file {allowed} (signing.allowed_signers) does not exist",
            path=setup.config_path,
            hint=f"create it with one line per signer: `principal ssh-ed25519 AAAA…` (see {_DOC})",
        )
    return allowed


def signer_identity(setup: SigningSetup) -> Signer:
    """Who the configured key signs as; a clear error when it cannot sign or is not allowed.

    Checked by signing a probe and asking ssh-keygen which allowed principal it
    belongs to, so it fails before a run, not after. Cached per key and file state.
    """
    key = _check_key_file(setup)
    allowed = _allowed_file(setup)
    kst, ast = key.stat(), allowed.stat()
    cache_key = (str(key), kst.st_mtime_ns, kst.st_size, str(allowed), ast.st_mtime_ns, ast.st_size)
    with _IDENTITY_LOCK:
        if cache_key in _IDENTITY:
            return _IDENTITY[cache_key]
    public = public_key_line(setup)
    sig = sign_bytes(setup, b"govkit signing probe\n")
    principals = _find_principals(allowed, sig)
    if not principals:
        raise ValidationError(
            f"signing key {key} ({fingerprint(public)}) is not in the allowed signers {allowed}",
            path=allowed,
            hint=f"add a line for it: `you@example.org {public}` (or use a key listed there)",
        )
    signer = Signer(principals[0], fingerprint(public))
    with _IDENTITY_LOCK:
        _IDENTITY[cache_key] = signer
    return signer


def _find_principals(allowed: Path, signature: str) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="govkit-sig-") as tmp:
        sig_path = Path(tmp) / "probe.sig"
        sig_path.write_text(signature, encoding="utf-8")
        return _principals_of(allowed, sig_path)[0]


def _principals_of(allowed: Path, sig_path: Path) -> tuple[list[str], bool]:
    """(principals whose key made the signature, whether the signature parsed at all)."""
    proc = _ssh_keygen(["-Y", "find-principals", "-s", str(sig_path), "-f", str(allowed)])
    if proc.returncode == 0:
        return [p for p in proc.stdout.decode(errors="replace").splitlines() if p.strip()], True
    err = proc.stderr.decode(errors="replace")
    return [], "parse signature" not in err and "sshsig_armor" not in err


def _verify_as(
    setup: SigningSetup, allowed: Path, principal: str, data: bytes, sig_path: Path
) -> str | None:
    """The signing key's fingerprint when `principal` made this signature over `data`."""
    proc = _ssh_keygen(
        [
            "-Y", "verify", "-f", str(allowed), "-I", principal,
            "-n", setup.namespace, "-s", str(sig_path),
        ],
        data=data,
    )  # fmt: skip
    if proc.returncode != 0:
        return None
    words = proc.stdout.decode(errors="replace").split()
    return next((w for w in words if w.startswith("SHA256:")), "")


def verify_signature(
    where: Workspace | SigningSetup, data: bytes, sig_path: Path, *, claimed: str | None = None
) -> SignatureCheck:
    """Check the signature in `sig_path` over `data` against the allowed signers.

    `claimed` is the principal the signed content names as its signer: it is
    tried first (one ssh-keygen call for a good signature) and must match.
    """
    setup = _setup_of(where)
    if not sig_path.is_file():
        return SignatureCheck(SignatureStatus.UNSIGNED, message=f"no {sig_path.name}")
    if setup.allowed_signers is None:
        return SignatureCheck(
            SignatureStatus.UNKNOWN_SIGNER,
            message="govkit.yaml names no signing.allowed_signers to check it against",
        )
    allowed = _allowed_file(setup)
    if claimed:
        fp = _verify_as(setup, allowed, claimed, data, sig_path)
        if fp is not None:
            return SignatureCheck(SignatureStatus.SIGNED_OK, claimed, fp or None)
    principals, parsed = _principals_of(allowed, sig_path)
    if not parsed:
        return SignatureCheck(
            SignatureStatus.BAD_SIGNATURE, message=f"{sig_path.name} is not an SSH signature"
        )
    if not principals:
        return SignatureCheck(
            SignatureStatus.UNKNOWN_SIGNER,
            message=f"signed by a key that is not in {allowed.name}",
        )
    for principal in principals:
        if principal == claimed:
            continue
        fp = _verify_as(setup, allowed, principal, data, sig_path)
        if fp is not None:
            if claimed:
                return SignatureCheck(
                    SignatureStatus.BAD_SIGNATURE,
                    principal,
                    fp or None,
                    f"names {claimed} as signer but was signed by {principal}",
                )
            return SignatureCheck(SignatureStatus.SIGNED_OK, principal, fp or None)
    return SignatureCheck(
        SignatureStatus.BAD_SIGNATURE,
        principals[0],
        message=f"the signature does not match the signed file (changed after signing, or "
        f"not a {setup.namespace!r} signature)",
    )


def claimed_signer(record_bytes: bytes) -> str | None:
    """The principal a record.json names in its `signer` field (None if none or unreadable)."""
    try:
        data = json.loads(record_bytes)
    except ValueError:
        return None
    signer = data.get("signer") if isinstance(data, dict) else None
    principal = signer.get("principal") if isinstance(signer, dict) else None
    return principal if isinstance(principal, str) else None


def verify_run_signature(where: Workspace | SigningSetup, run_dir: Path) -> SignatureCheck:
    """Check `<run_dir>/record.json.sig` over `<run_dir>/record.json`.

    The entry point for tools that copy whole run directories (CI bundles).
    """
    record = Path(run_dir) / "record.json"
    try:
        data = record.read_bytes()
    except FileNotFoundError:
        raise ValidationError(
            "evidence record not found", path=record, hint="give a run directory"
        ) from None
    return verify_signature(where, data, Path(run_dir) / RECORD_SIG, claimed=claimed_signer(data))


def preflight(ws: Workspace) -> Signer | None:
    """The signer runs will be signed as (None when no key is configured); errors name the fix."""
    setup = signing_setup(ws)
    return signer_identity(setup) if setup.key is not None else None


def run_signature(ws: Workspace, run_dir: Path) -> SignatureCheck | None:
    """A run's signature check for display; None when signing is not set up and the run
    has no signature (the workspace does not use signing)."""
    setup = signing_setup(ws)
    if not setup.verifies and not (run_dir / RECORD_SIG).is_file():
        return None
    return verify_run_signature(setup, run_dir)
