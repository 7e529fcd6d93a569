"""The evidence record: the immutable account of one run (DESIGN.md §5).

This is the contract between the runner (which writes records), and render,
audit, promotion and export (which read them). `record.json` lives at
`evidence/runs/<YYYY-MM-DD>/<run-id>/record.json`; every path inside it is
relative to that run directory.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from govkit.errors import ValidationError
from govkit.evidence.outcome import Outcome

SCHEMA = "govkit.evidence/1"

__all__ = ["SCHEMA", "Counts", "EvidenceRecord", "FileDigest", "Outcome", "RepoPin"]


# Evidence is written once by govkit and never edited; a damaged record is restored, not fixed.
_DAMAGED_HINT = (
    "evidence records are written by govkit only: restore the file from version control "
    "or a backup; `govkit evidence verify` checks every record against the ledger"
)


@dataclass(frozen=True)
class RepoPin:
    """One repo of the tuple a run used."""

    name: str
    url: str
    ref: str  # the tuple name or branch it came from
    commit: str  # full SHA
    tree: str | None = None  # tree SHA of that commit
    dirty: bool = False  # worktree runs: uncommitted changes present

    def label(self) -> str:
        """'rlm-core@3f9a2c1d4e5f', with '+dirty' for uncommitted changes."""
        return f"{self.name}@{self.commit[:12]}{'+dirty' if self.dirty else ''}"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class FileDigest:
    """A stored file: path relative to the run dir, sha256, size in bytes."""

    path: str
    sha256: str
    size: int

    @classmethod
    def of(cls, path: Path, base: Path) -> FileDigest:
        """Digest of the file at `path`, named relative to `base` (the record's directory)."""
        rel = os.path.relpath(path.resolve(), base.resolve())
        return cls(path=rel, sha256=sha256_file(path), size=path.stat().st_size)


@dataclass(frozen=True)
class Counts:
    """Test counts parsed from the output. `total` excludes deselected."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    xfailed: int = 0
    xpassed: int = 0
    warnings: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped + self.errors + self.xfailed + self.xpassed

    def summary(self) -> str:
        """'936 passed, 2 failed' in pytest's order, omitting zeros (but never empty)."""
        parts = [
            f"{n} {label}"
            for n, label in (
                (self.failed, "failed"),
                (self.passed, "passed"),
                (self.skipped, "skipped"),
                (self.xfailed, "xfailed"),
                (self.xpassed, "xpassed"),
                (self.errors, "errors"),
            )
            if n
        ]
        return ", ".join(parts) if parts else "no tests ran"


@dataclass(frozen=True)
class EvidenceRecord:
    """One run of one gate (or of `govkit safe-run --record`)."""

    run_id: str
    gate_id: str  # "safe-run" for bare safe-run records
    gate_hash: str | None
    outcome: Outcome
    started_at: str  # RFC 3339 UTC with Z, e.g. 2026-11-21T04:45:00.123Z
    ended_at: str
    duration_s: float
    argv: list[str]
    cwd: str
    exit_code: int | None
    signal: int | None = None
    shell: bool = False
    tuple_name: str | None = None
    repos: list[RepoPin] = field(default_factory=list)
    source: str = "clean-clone"  # or "worktree" or "direct" (bare safe-run)
    claim_grade: bool = False
    not_claim_grade_because: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # allow-listed values
    env_redacted: list[str] = field(default_factory=list)  # names whose values were withheld
    parser: str = "exit-code"
    counts: Counts | None = None
    metrics: dict[str, Any] | None = None  # metrics-json gates; perf comparison under "perf"
    peak_rss_bytes: int | None = None
    admission: dict[str, Any] = field(default_factory=dict)
    logs: dict[str, FileDigest] = field(default_factory=dict)  # "stdout", "stderr"
    artifacts: list[FileDigest] = field(default_factory=list)
    host: dict[str, Any] = field(default_factory=dict)
    govkit_version: str = ""
    message: str = ""  # one line on what went wrong, for non-pass outcomes
    schema: str = SCHEMA
    # {"principal", "key"} of the SSH key that signed record.json.sig (docs/signing.md);
    # absent from record.json when the run is unsigned, so unsigned records stay as they were.
    signer: dict[str, str] | None = None

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASS

    @property
    def date(self) -> str:
        """YYYY-MM-DD of the start, the run directory's parent."""
        return self.started_at[:10]

    @property
    def working_pin(self) -> RepoPin | None:
        return self.repos[0] if self.repos else None

    def describe(self, *, record: str) -> list[tuple[str, str]]:
        """(label, value) lines of `evidence show`; `record` is where record.json is."""
        pins = ", ".join(p.label() for p in self.repos)
        lines = [
            ("run", self.run_id),
            ("gate", f"{self.gate_id} (hash {str(self.gate_hash)[:12]})"),
            ("outcome", self.outcome.value + (f" — {self.message}" if self.message else "")),
            ("counts", self.counts.summary() if self.counts else "-"),
            ("tuple", f"{self.tuple_name or '-'}: {pins or '-'}"),
            (
                "claim-grade",
                "yes" if self.claim_grade else "no: " + "; ".join(self.not_claim_grade_because),
            ),
            ("command", " ".join(self.argv) + (" (shell)" if self.shell else "")),
            ("cwd", self.cwd),
            ("started", self.started_at),
            ("duration", f"{self.duration_s:.3f}s"),
            ("exit", f"{self.exit_code}" + (f" signal {self.signal}" if self.signal else "")),
            ("peak rss", str(self.peak_rss_bytes or "-")),
            ("record", record),
        ]
        if self.signer:
            lines.append(("signer", f"{self.signer.get('principal')} ({self.signer.get('key')})"))
        lines += [
            (f"log {k}", f"{v.path} sha256:{v.sha256[:16]} {v.size}B") for k, v in self.logs.items()
        ]
        lines += [
            ("artifact", f"{a.path} sha256:{a.sha256[:16]} {a.size}B") for a in self.artifacts
        ]
        return lines

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, two-space indent, trailing newline."""
        data = asdict(self)
        data["outcome"] = self.outcome.value
        if data["signer"] is None:
            del data["signer"]
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, path: Path | None = None) -> EvidenceRecord:
        """Rebuild from parsed JSON; a wrong shape is a ValidationError naming the file."""
        try:
            if data.get("schema") != SCHEMA:
                raise ValueError(f"unknown schema {data.get('schema')!r}")
            d = dict(data)
            d["outcome"] = Outcome(d["outcome"])
            d["repos"] = [RepoPin(**p) for p in d.get("repos", [])]
            d["counts"] = Counts(**d["counts"]) if d.get("counts") else None
            d["logs"] = {k: FileDigest(**v) for k, v in d.get("logs", {}).items()}
            d["artifacts"] = [FileDigest(**a) for a in d.get("artifacts", [])]
            return cls(**d)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"not a valid evidence record: {exc}", path=path) from None

    @classmethod
    def load(cls, path: Path) -> EvidenceRecord:
        """Read record.json."""
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            raise ValidationError(
                "evidence record not found",
                path=path,
                hint="restore it from version control or a backup; `govkit audit` lists every "
                "run whose record is gone (GK104)",
            ) from None
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"malformed JSON: {exc.msg}",
                path=path,
                line=exc.lineno,
                column=exc.colno,
                hint=_DAMAGED_HINT,
            ) from None
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"not valid UTF-8 at byte {exc.start}", path=path, hint=_DAMAGED_HINT
            ) from None
        if not isinstance(data, dict):
            raise ValidationError("evidence record must be a JSON object", path=path)
        return cls.from_dict(data, path=path)
