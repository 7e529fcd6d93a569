"""Ledger checkpoints: a signed statement of the ledger's length and head hash (D-020).

A checkpoint is small JSON that can be committed, tagged or published
elsewhere; FILE.sig beside it is its SSH signature when a key is configured.
Because every ledger line's hash covers the previous line's, a ledger whose
line N has the checkpoint's head hash (and whose chain is intact) starts with
exactly the checkpointed N lines: it only grew since. This is the consistency
proof of transparency logs, on a hash chain instead of a Merkle tree.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from govkit.atomic import atomic_write_text
from govkit.errors import ValidationError
from govkit.evidence.signing import (
    SignatureCheck,
    SignatureStatus,
    sign_bytes,
    signer_identity,
    signing_setup,
    verify_signature,
)
from govkit.evidence.store import scan_ledger
from govkit.lock import file_lock
from govkit.timeutil import compact_stamp, rfc3339
from govkit.workspace import Workspace

SCHEMA = "govkit.checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    """The ledger at one moment: how many entries, and the hash of the last one."""

    program: str
    ledger: str  # the ledger's path relative to the workspace root
    length: int
    head: str  # hash of entry `length` (64 zeros for an empty ledger)
    created_at: str  # RFC 3339 UTC
    signer: dict[str, str] | None = None
    schema: str = SCHEMA

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        """Read a checkpoint file; a ValidationError naming the file when it is not one."""
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            raise ValidationError("checkpoint file not found", path=path) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(f"not a checkpoint: malformed JSON ({exc})", path=path) from None
        try:
            if not isinstance(data, dict) or data.get("schema") != SCHEMA:
                raise ValueError(f"schema is not {SCHEMA!r}")
            cp = cls(**data)
            if not isinstance(cp.length, int) or cp.length < 0 or not isinstance(cp.head, str):
                raise ValueError("length must be a whole number and head a hash")
            return cp
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"not a govkit checkpoint: {exc}",
                path=path,
                hint="write one with `govkit evidence checkpoint`",
            ) from None


@dataclass(frozen=True)
class CheckpointWritten:
    """What `evidence checkpoint` wrote."""

    checkpoint: Checkpoint
    path: Path
    signature: Path | None


def default_checkpoint_path(ws: Workspace, cp: Checkpoint) -> Path:
    """evidence/checkpoints/<stamp>-<length>.json."""
    return ws.evidence_dir / "checkpoints" / f"{compact_stamp(cp.created_at)}-{cp.length}.json"


def write_checkpoint(ws: Workspace, *, out: Path | None = None) -> CheckpointWritten:
    """Checkpoint the ledger as it is now; signed when signing.key is configured.

    Refuses a ledger whose chain is broken: a checkpoint vouches for its content.
    Nothing is written when signing fails.
    """
    setup = signing_setup(ws)
    signer = signer_identity(setup) if setup.key is not None else None
    with file_lock(ws.state_dir / "ledger.lock", what="ledger lock"):
        entries, problems = scan_ledger(ws)
    if problems:
        raise ValidationError(
            f"the ledger's chain is broken at line {problems[0].line}: {problems[0].message}",
            path=ws.ledger_path,
            hint="`govkit evidence verify` lists every problem; restore the ledger from git",
        )
    cp = Checkpoint(
        program=ws.config.program,
        ledger=ws.rel(ws.ledger_path),
        length=len(entries),
        head=entries[-1][1].hash if entries else "0" * 64,
        created_at=rfc3339(),
        signer=signer.as_record() if signer else None,
    )
    path = out or default_checkpoint_path(ws, cp)
    text = cp.to_json()
    sig_path: Path | None = None
    if setup.key is not None:
        signature = sign_bytes(setup, text.encode("utf-8"))
        sig_path = path.with_name(path.name + ".sig")
        atomic_write_text(sig_path, signature)
    atomic_write_text(path, text)
    return CheckpointWritten(cp, path, sig_path)


@dataclass(frozen=True)
class CheckpointVerdict:
    """Does the current ledger extend a checkpoint, and who signed the checkpoint."""

    checkpoint: Checkpoint
    length_now: int
    signature: SignatureCheck
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_checkpoint(ws: Workspace, path: Path) -> CheckpointVerdict:
    """Prove the ledger now starts with the checkpointed entries (and check the signature)."""
    cp = Checkpoint.load(path)
    setup = signing_setup(ws)
    principal = cp.signer.get("principal") if isinstance(cp.signer, dict) else None
    signature = verify_signature(
        setup, path.read_bytes(), path.with_name(path.name + ".sig"), claimed=principal
    )
    problems: list[str] = []
    if signature.status is SignatureStatus.UNSIGNED:
        if setup.required:
            problems.append("the checkpoint is unsigned and signing.required is true")
    elif not signature.ok:
        problems.append(f"checkpoint signature: {signature.describe()}")
    entries, chain = scan_ledger(ws)
    problems += [f"ledger line {p.line}: {p.message}" for p in chain]
    if len(entries) < cp.length:
        problems.append(
            f"the ledger has {len(entries)} entries but the checkpoint has {cp.length}: "
            "entries were removed"
        )
    elif cp.length and entries[cp.length - 1][1].hash != cp.head:
        problems.append(
            f"ledger entry {cp.length} is not the one checkpointed (head hash differs): "
            "the ledger was rewritten up to there"
        )
    return CheckpointVerdict(cp, len(entries), signature, problems)
