"""Everything a rendered page reads, loaded once: records, decisions, config, ledger.

The ledger carries each run's summary (gate, outcome, counts, commit, time), so
tables are built without opening record.json files; pages that show a run in
detail open just that run's record.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from govkit.config import Config
from govkit.decisions import Decision, load_decisions
from govkit.errors import ValidationError
from govkit.evidence.record import EvidenceRecord
from govkit.evidence.store import LedgerEntry, entry_record_path
from govkit.records.model import Record
from govkit.records.store import RecordSet, load_all
from govkit.render.ledger_index import LedgerIndex
from govkit.timeutil import midnight
from govkit.workspace import Workspace

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class Sources:
    """One consistent read of the workspace."""

    ws: Workspace
    config: Config
    records: RecordSet
    decisions: list[Decision]
    runs: LedgerIndex

    def record_of(self, entry: LedgerEntry) -> EvidenceRecord:
        """The full evidence record of a run (opens its record.json)."""
        return EvidenceRecord.load(entry_record_path(self.ws, entry))

    def record_or_none(self, entry: LedgerEntry) -> EvidenceRecord | None:
        """The run's record, or None when it is missing or unreadable (audit reports those)."""
        try:
            return self.record_of(entry)
        except ValidationError:
            return None

    def latest_stamp(self) -> str:
        """RFC 3339 time of the newest change anywhere in the data ('' when there is none).

        Record times and history, decision dates (as midnight UTC) and run starts.
        """
        stamps: list[str] = []
        for records in self.records.by_kind.values():
            stamps.extend(_record_stamps(records))
        stamps.extend(midnight(d.date) for d in self.decisions if d.date)
        stamps.append(self.runs.newest_start())
        return max((s for s in stamps if s and _DATE.match(s)), default="")

    def latest_change(self) -> str:
        """YYYY-MM-DD of the newest change anywhere in the data ('' when there is none)."""
        return self.latest_stamp()[:10]


def _record_stamps(records: Iterable[Record]) -> Iterator[str]:
    for r in records:
        yield r.created
        yield r.updated
        for t in r.history:
            yield t.at


def load_sources(ws: Workspace) -> Sources:
    """Read records, decisions, config and the ledger (scanned meanwhile, when it can be)."""
    config = ws.config
    runs = LedgerIndex.open_soon(ws.ledger_path, cache_dir=ws.state_dir / "cache")
    try:
        records, decisions = load_all(ws), load_decisions(ws)
    except BaseException:
        runs.cancel()
        raise
    return Sources(ws, config, records, decisions, runs.get())


class Linker:
    """Relative URLs from the page being written to the things it cites.

    Markdown output links runs to their record.json; the site links runs,
    gates and decisions to its own pages instead.
    """

    def __init__(self, ws: Workspace, page_dir: Path, site_root: Path | None = None) -> None:
        self.ws = ws
        self.page_dir = page_dir.resolve()
        self.site_root = site_root.resolve() if site_root else None

    def _rel(self, target: Path) -> str:
        return Path(os.path.relpath(target, self.page_dir)).as_posix()

    @cached_property
    def _evidence(self) -> Path:
        return self.ws.evidence_dir.resolve()  # once: a page links hundreds of runs

    def run(self, entry: LedgerEntry) -> str:
        if self.site_root:
            return self._rel(self.site_root / "runs" / f"{entry.run_id}.html")
        return self._rel(self._evidence / entry.record)

    def artifact(self, entry: LedgerEntry, path: str) -> str | None:
        """An artifact of a run (`path` relative to its run dir); None in the site."""
        if self.site_root:
            return None
        return self._rel(self._evidence / Path(entry.record).parent / path)

    def gate(self, gate_id: str) -> str | None:
        return self._rel(self.site_root / "gates" / f"{gate_id}.html") if self.site_root else None

    def decision(self, decision: Decision) -> str | None:
        if self.site_root:
            return self._rel(self.site_root / "decisions" / f"{decision.id}.html")
        return self._rel(decision.path.resolve()) if decision.path else None

    def file(self, workspace_path: str) -> str | None:
        """A workspace file cited by path, when it exists (never in the site)."""
        target = (self.ws.root / workspace_path).resolve()
        if self.site_root or not target.is_file() or not target.is_relative_to(self.ws.root):
            return None
        return self._rel(target)

    def page(self, *parts: str) -> str:
        """A site page relative to this one."""
        assert self.site_root is not None
        return self._rel(self.site_root.joinpath(*parts))


@dataclass(frozen=True)
class ItemNote:
    """A record met in a window (a task done, a blocker opened): id, title, when, who."""

    id: str
    title: str
    at: str
    owner: str = ""
    kind: str = ""  # where a list mixes kinds (the handoff's new risks)


@dataclass(frozen=True)
class Link:
    """A Markdown/HTML link; str() is its Markdown form."""

    text: str
    href: str

    def __str__(self) -> str:
        return f"[{self.text}]({self.href})"


def claim_text(entry: LedgerEntry) -> str:
    """'VG-LA-002: 936 passed' (the form audit checks), or the outcome when no tests were counted."""
    counts = entry.test_counts()
    return f"{entry.gate_id}: {counts.summary() if counts else entry.outcome}"


def utc_minute(stamp: str) -> str:
    """'2026-11-21T04:45:00.123Z' -> '2026-11-21 04:45Z'."""
    return f"{stamp[:10]} {stamp[11:16]}Z" if len(stamp) >= 16 else stamp


def short_commit(entry: LedgerEntry, config: Config) -> str:
    """'rlm-core@abc1234': the working repo of the run and its short SHA."""
    if not entry.commit:
        return "—"
    gate = config.gates.get(entry.gate_id)
    repo = gate.repo if gate and entry.pins.get(gate.repo) == entry.commit else None
    if repo is None:
        repo = next((n for n, c in sorted(entry.pins.items()) if c == entry.commit), None)
    return f"{repo}@{entry.commit[:7]}" if repo else entry.commit[:7]


def tuple_label(entry: LedgerEntry, config: Config) -> str:
    """Which tuples pin exactly the run's commits now ('canonical, candidate'), else the
    tuple name it ran under: after a promotion the candidate's streak is canonical's."""
    names = sorted(
        name
        for name, pins in config.tuples.items()
        if entry.pins and all(pins.get(repo) == sha for repo, sha in entry.pins.items())
    )
    return ", ".join(names) or (entry.tuple_name or "")


def streak_text(src: Sources, cited: LedgerEntry | None) -> str:
    """'3 on canonical': the promotion streak on the cited run's gate hash and tuple, or '—'."""
    s = src.runs.current_streak(cited.gate_id, cited) if cited else None
    if cited is None or s is None:
        return "—"
    label = tuple_label(cited, src.config)
    return f"{s.count} on {label}" if label else str(s.count)


def outcome_label(entry: LedgerEntry) -> str:
    """'pass', or 'pass (not claim-grade)' for worktree runs."""
    return entry.outcome if entry.claim_grade else f"{entry.outcome} (not claim-grade)"
