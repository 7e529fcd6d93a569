"""The one exception family of govkit, and the exit codes it maps to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Exit codes shared by every command (safe-run and gate runs add their own, see docs/exit-codes.md).
EXIT_OK = 0
EXIT_FINDINGS = 1  # a negative answer: check/audit found problems, a gate did not pass, stale file
EXIT_USER = 2  # bad usage or bad input: the message says what to fix
EXIT_BUG = 3  # an internal error: a traceback is printed, please report it
EXIT_INTERRUPTED = 130


class GovkitError(Exception):
    """A user-facing failure: bad input, an impossible move, a missing thing.

    `where` names the file (and line/column when known) so messages read
    `govkit.yaml:12:3: ...`; `hint` says how to fix it.
    """

    exit_code = EXIT_USER

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.hint = hint

    @property
    def where(self) -> str:
        if self.path is None:
            return ""
        parts = [str(self.path)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class WorkspaceNotFound(GovkitError):
    """No govkit.yaml in the directory or any parent."""


class ValidationError(GovkitError):
    """A record, config value or id is malformed."""


class NotFound(GovkitError):
    """A named record, gate, tuple, run or template does not exist."""

    @classmethod
    def unknown(
        cls, what: str, name: str, known: Iterable[str], *, path: Path | None, hint: str
    ) -> NotFound:
        """'unknown gate 'VG-X' (known: VG-A, VG-B)': a name not defined, listing those that are."""
        listed = ", ".join(sorted(known)) or "none yet"
        return cls(f"unknown {what} {name!r} (known: {listed})", path=path, hint=hint)

    @classmethod
    def lookup(cls, what: str, table: Mapping[str, T], name: str, *, path: Path, hint: str) -> T:
        """table[name], or the `unknown` error listing the names the table does hold."""
        if name not in table:
            raise cls.unknown(what, name, table, path=path, hint=hint)
        return table[name]


class TransitionError(GovkitError):
    """A lifecycle move that the kind's transition map forbids."""


class ConflictError(GovkitError):
    """The thing already exists, or is still referenced."""


class LockTimeout(GovkitError):
    """Another govkit process held the workspace lock for too long."""
