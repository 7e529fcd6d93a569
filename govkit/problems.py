"""One problem type: what `check`, the record store, the ledger and `audit` report.

A Problem says what is wrong (a stable code and a message), where (a path
relative to the workspace, a line and column when known) and how to fix it.
Audit findings are Problems with a level (govkit.audit.findings.AuditFinding).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govkit.errors import GovkitError


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is, and how to fix it."""

    code: str
    path: str  # relative to the workspace root, forward slashes ("" when not known)
    line: int | None
    message: str
    hint: str | None = None
    column: int | None = None

    @property
    def file(self) -> str:
        """The path, under the name `check --json` gives it."""
        return self.path

    @property
    def where(self) -> str:
        """path, path:line or path:line:column."""
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass
class ProblemList:
    """Problems collected over a workspace, each path made relative by `rel` as it is added."""

    rel: Callable[[Path], str]
    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        code: str,
        path: Path,
        line: int | None,
        message: str,
        hint: str | None = None,
        column: int | None = None,
    ) -> None:
        self.items.append(Problem(code, self.rel(path), line, message, hint, column))

    def from_error(self, code: str, exc: GovkitError, path: Path) -> None:
        """The problem a GovkitError describes (its own file and line when it names them)."""
        self.add(code, exc.path or path, exc.line, exc.message, exc.hint, exc.column)
