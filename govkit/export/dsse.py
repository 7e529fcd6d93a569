"""DSSE envelopes (https://github.com/secure-systems-lab/dsse) around in-toto Statements.

Signed with a raw ed25519 key so the in-toto tooling (securesystemslib's
`dsse.Envelope.verify`) checks them; the key id is securesystemslib's default
key id of the public key, so a verifier's key object matches it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.errors import ValidationError
from govkit.evidence.signing import SigningSetup

PAYLOAD_TYPE = "application/vnd.in-toto+json"
_DOC = "docs/signing.md"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE pre-authentication encoding: what is actually signed."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


@dataclass(frozen=True)
class DsseSigner:
    """An ed25519 private key and its securesystemslib key id."""

    key: Any  # cryptography's Ed25519PrivateKey (imported lazily)
    keyid: str
    path: Path

    def envelope(self, payload: bytes, payload_type: str = PAYLOAD_TYPE) -> dict[str, Any]:
        """The DSSE envelope of `payload`, signed."""
        sig = self.key.sign(pae(payload_type, payload))
        return {
            "payload": base64.b64encode(payload).decode(),
            "payloadType": payload_type,
            "signatures": [{"keyid": self.keyid, "sig": base64.b64encode(sig).decode()}],
        }


def keyid_of(public_raw: bytes) -> str:
    """securesystemslib's default key id of an ed25519 public key (sha256 of canonical JSON)."""
    key = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": public_raw.hex()}}
    return hashlib.sha256(
        json.dumps(key, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def load_dsse_signer(setup: SigningSetup) -> DsseSigner:
    """The ed25519 key of signing.dsse_key (or signing.key); errors name the file and the fix."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = setup.dsse_key
    if path is None:
        raise ValidationError(
            "export intoto --sign needs an ed25519 key: set signing.dsse_key (or signing.key)",
            path=setup.config_path,
            hint=_DOC,
        )

    def fail(message: str, hint: str) -> ValidationError:
        return ValidationError(f"DSSE key {path}: {message}", path=setup.config_path, hint=hint)

    if path.suffix == ".pub":
        raise fail(
            "is a public key; DSSE needs the private key file",
            "ssh-agent keys cannot make raw ed25519 signatures: set signing.dsse_key to an "
            "unencrypted ed25519 private key",
        )
    try:
        data = path.read_bytes()
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        raise fail("no such file", f"create one: ssh-keygen -t ed25519 -N '' -f {path}") from None
    except PermissionError:
        raise fail("not readable by this user", f"chmod 600 {path} (and own it)") from None
    if mode & 0o077:
        raise fail(f"permissions {mode:04o} are too open for a private key", f"chmod 600 {path}")
    key: object
    try:
        if data.lstrip().startswith(b"-----BEGIN OPENSSH PRIVATE KEY"):
            key = serialization.load_ssh_private_key(data, password=None)
        else:
            key = serialization.load_pem_private_key(data, password=None)
    except (TypeError, ValueError) as exc:
        raise fail(
            f"cannot be loaded ({exc})",
            "give an unencrypted ed25519 private key (OpenSSH or PEM); a passphrase is not "
            "supported for DSSE signing",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise fail(
            f"is a {type(key).__name__.removesuffix('PrivateKey') or 'non-ed25519'} key",
            f"DSSE signing uses ed25519: ssh-keygen -t ed25519 -N '' -f {path.name}",
        )
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return DsseSigner(key, keyid_of(raw), path)
