"""Importers: a hand-written tracker or an ADR folder becomes govkit records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImportItem:
    """One thing an import created or skipped, and why."""

    kind: str  # milestone, task, …, decision, queue, config
    id: str
    action: str  # "created" | "skipped"
    reason: str = ""
    path: str = ""
    line: int | None = None  # where in the source it came from


@dataclass(frozen=True)
class BlockNote:
    """What one table, list or section of the source became (or why it was ignored)."""

    line: int
    what: str  # "table" | "list" | "section" | "file"
    became: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or would do, with dry_run)."""

    source: str
    items: tuple[ImportItem, ...]
    dry_run: bool  # True when nothing was written (asked for, or refused)
    problems: tuple[str, ...] = ()  # "file:line: what was expected", never silently dropped
    blocks: tuple[BlockNote, ...] = ()
    refused: bool = False  # problems and no --allow-partial: nothing written, exit 1
    warnings: tuple[str, ...] = ()  # said, but not a reason to refuse

    @property
    def created(self) -> list[ImportItem]:
        return [i for i in self.items if i.action == "created"]

    @property
    def skipped(self) -> list[ImportItem]:
        return [i for i in self.items if i.action == "skipped"]

    def to_json(self) -> dict[str, Any]:
        """Plain data for --json."""
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "created": [_item(i) for i in self.created],
            "skipped": [_item(i) for i in self.skipped],
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "refused": self.refused,
            "blocks": [{"line": b.line, "what": b.what, "became": b.became} for b in self.blocks],
        }


def _item(i: ImportItem) -> dict[str, Any]:
    return {"kind": i.kind, "id": i.id, "reason": i.reason, "path": i.path, "line": i.line}
