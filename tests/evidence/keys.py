"""Real SSH keys (ssh-keygen) and a workspace configured to sign with them."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from govkit.workspace import Workspace


@dataclass(frozen=True)
class Key:
    """A fresh ed25519 key pair: private key path and its public key line."""

    path: Path
    public: str  # 'ssh-ed25519 AAAA…'


def make_key(path: Path, comment: str = "test") -> Key:
    """`ssh-keygen -t ed25519` without a passphrase, at `path` (and path.pub)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    parts = path.with_name(path.name + ".pub").read_text().split()
    return Key(path, f"{parts[0]} {parts[1]}")


def allow(ws: Workspace, *signers: tuple[str, Key], name: str = "allowed_signers") -> Path:
    """Write the allowed-signers file (one `principal key` line per signer)."""
    path = ws.root / name
    path.write_text("".join(f"{principal} {key.public}\n" for principal, key in signers))
    return path


def configure_signing(
    ws: Workspace, key: Path | None, *, allowed: str = "allowed_signers", required: bool = False
) -> None:
    """Add a signing: section to govkit.yaml."""
    with ws.edit_config() as data:
        section: dict[str, object] = {"allowed_signers": allowed}
        if key is not None:
            section["key"] = str(key)
        if required:
            section["required"] = True
        data["signing"] = section
    ws.reload()


def signing_workspace(ws: Workspace, tmp_path: Path, principal: str = "alice@example.org") -> Key:
    """Configure `ws` to sign as `principal` with a new key; return the key."""
    key = make_key(tmp_path / "keys" / "alice")
    allow(ws, (principal, key))
    configure_signing(ws, key.path)
    return key
