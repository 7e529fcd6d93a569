"""A lazy index of evidence/ledger.jsonl for rendering at 100k runs.

Pages need every run's gate, id and start time (latest run per gate, the newest
change) but the full entry of only a few runs (the latest per gate, a streak,
cited runs). Parsing 100k JSON lines costs seconds, so the index pulls those
three fields out of the raw bytes with two regular expressions over the whole
file and parses a line as JSON only when its entry is asked for. If the file
does not look as govkit writes it (a count mismatch), every line is parsed.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import marshal
import os
import re
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.atomic import atomic_write_bytes
from govkit.errors import ValidationError
from govkit.evidence.query import Streak, streak
from govkit.evidence.store import LedgerEntry, parse_ledger_line

if TYPE_CHECKING:
    from govkit.forkjob import ForkJob

_GATE = re.compile(rb'"gate_id":\s*"([^"\\]*)"')
_RUN = re.compile(rb'"run_id":\s*"([^"\\]*)",\s*"seq":\s*(\d+),\s*"started_at":\s*"([^"\\]*)"')


CACHE_VERSION = 1
DISABLE_ENV = "GOVKIT_NO_CACHE"
# A ledger modified this close to the cache write could change again within one
# mtime tick, so its mtime is not trusted as "unchanged" later.
RACY_WINDOW_NS = 3_000_000_000


def _decode_all(values: list[bytes]) -> list[str]:
    """[v.decode() for v in values], decoded in one call."""
    joined = b"\n".join(values).decode()
    decoded = joined.split("\n") if values else []
    if len(decoded) != len(values):  # a value held a newline: decode each on its own
        return [v.decode() for v in values]
    return decoded


# A ledger this big (about 9,000 runs) or bigger, scanned without a cache, is scanned in a
# forked child while the caller reads the records (see `LedgerIndex.open_soon`).
PARALLEL_BYTES = 8 << 20


def _cache_file(cache_dir: Path | None) -> Path | None:
    """Where the index is cached; None without a cache dir or with caches turned off."""
    if cache_dir is None or os.environ.get(DISABLE_ENV):
        return None
    return cache_dir / f"ledger-index-v{CACHE_VERSION}.marshal"


def _scan_columns(path: str) -> tuple[Any, ...]:
    """The scanned columns of the ledger at `path` (run in a forked child: plain values)."""
    index = LedgerIndex(Path(path))
    index._scan_file()
    return (
        index.size, index.starts, index.run_ids, index.gate_ids, index.seqs, index.started,
        index.by_gate(),
    )  # fmt: skip


@dataclass
class LedgerIndex:
    """Run id, gate, seq and start of every ledger line; full entries parsed on demand."""

    path: Path
    data: bytes | None = None  # the whole file, when it was read (else lines are read on demand)
    size: int = 0
    starts: list[int] = field(default_factory=list)  # byte offset of each line
    run_ids: list[str] = field(default_factory=list)
    gate_ids: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    _parsed: dict[int, LedgerEntry] = field(default_factory=dict)
    _by_gate: dict[str, list[int]] | None = None
    _by_id: dict[str, int] | None = None
    _fd: int | None = None

    @classmethod
    def open(cls, path: Path, *, cache_dir: Path | None = None) -> LedgerIndex:
        """Index the ledger at `path` (empty when there is none).

        With `cache_dir`, the scanned columns are kept in `ledger-index-v1.marshal`
        there; a ledger that only grew is scanned from where the cache ended.
        """
        index = cls(path)
        try:
            st = path.stat()
        except FileNotFoundError:
            return index
        cache_file = _cache_file(cache_dir)
        if cache_file is not None and index._from_cache(cache_file, st):
            return index
        index._scan_file()
        if cache_file is not None:
            index._save_cache(cache_file, st)
        return index

    def _scan_file(self) -> None:
        """Read the whole ledger and index every line."""
        self.data = self.path.read_bytes()
        self.size = len(self.data)
        self._scan(self.data, 0)

    @classmethod
    def open_soon(
        cls, path: Path, *, cache_dir: Path | None = None, parallel_from: int = PARALLEL_BYTES
    ) -> PendingIndex:
        """`open`, started now; `PendingIndex.get()` gives the index.

        A ledger of `parallel_from` bytes or more with no index cache yet is scanned in a
        forked child (D-024) while this process goes on (reading the records, say); with
        a cache, or when no child can be forked, `open` runs when the index is asked for.
        """
        try:
            size = path.stat().st_size
        except OSError:
            size = 0
        cache_file = _cache_file(cache_dir)
        job = None
        if size >= parallel_from and not (cache_file is not None and cache_file.exists()):
            from govkit.forkjob import ForkJob

            job = ForkJob.start(_scan_columns, str(path))
        return PendingIndex(path, cache_dir, job)

    def _from_cache(self, cache_file: Path, st: os.stat_result) -> bool:
        try:
            cached = marshal.loads(cache_file.read_bytes())
            version, ino, size, mtime, tail, starts, run_ids, gate_ids, seqs, started = cached
        except (OSError, ValueError, EOFError, TypeError):
            return False
        if version != CACHE_VERSION or ino != st.st_ino or size > st.st_size or not starts:
            return False
        if size == st.st_size and mtime != st.st_mtime_ns:
            return False  # same size, rewritten: scan afresh
        with self.path.open("rb") as fh:
            fh.seek(starts[-1])
            if hashlib.sha256(fh.read(size - starts[-1])).hexdigest() != tail:
                return False
            grown = fh.read() if st.st_size > size else b""
        self.size = size
        self.starts, self.run_ids, self.gate_ids = starts, run_ids, gate_ids
        self.seqs, self.started = seqs, started
        if grown:
            # Appended lines: read them on demand from the file like the cached ones.
            self.size = size + len(grown)
            self._scan(grown, size)
            self._save_cache(cache_file, st)
        return True

    def _save_cache(self, cache_file: Path, st: os.stat_result) -> None:
        if not self.starts:
            return
        racy = time.time_ns() - st.st_mtime_ns < RACY_WINDOW_NS
        with self.path.open("rb") as fh:
            fh.seek(self.starts[-1])
            tail = hashlib.sha256(fh.read(self.size - self.starts[-1])).hexdigest()
        blob = marshal.dumps(
            (
                CACHE_VERSION,
                st.st_ino,
                self.size,
                None if racy else st.st_mtime_ns,
                tail,
                self.starts,
                self.run_ids,
                self.gate_ids,
                self.seqs,
                self.started,
            )
        )
        # A cache is an optimisation: a read-only or full disk must not fail a render.
        with contextlib.suppress(OSError):
            atomic_write_bytes(cache_file, blob)

    def _scan(self, data: bytes, offset: int) -> None:
        """Index the lines of `data`, which starts at byte `offset` of the file."""
        starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]
        starts = [s for s in starts if s < len(data) and data[s : s + 1] not in (b"\n", b"\r")]
        gates = _GATE.findall(data)
        runs = _RUN.findall(data)
        first = len(self.starts)
        self.starts.extend(offset + s for s in starts)
        if len(gates) == len(runs) == len(starts):
            # One decode per column, not one per value: at 100k runs that is most of the scan.
            self.gate_ids.extend(_decode_all(gates))
            self.run_ids.extend(_decode_all([r[0] for r in runs]))
            self.seqs.extend(map(int, [r[1] for r in runs]))
            self.started.extend(_decode_all([r[2] for r in runs]))
            return
        # Not the layout govkit writes (hand-edited, other separators): parse every
        # line, skipping whitespace-only ones as read_ledger does.
        self.starts[first:] = [
            offset + s for s in starts if data[s : (data.find(b"\n", s) + 1 or len(data))].strip()
        ]
        for i in range(first, len(self.starts)):
            e = self.entry(i)
            self.gate_ids.append(e.gate_id)
            self.run_ids.append(e.run_id)
            self.seqs.append(e.seq)
            self.started.append(e.started_at)

    def _line(self, i: int) -> bytes:
        end = self.starts[i + 1] if i + 1 < len(self.starts) else self.size
        if self.data is not None and end <= len(self.data):
            return self.data[self.starts[i] : end]
        fd = self._reader()
        if fd is not None:  # one pread a line, not an open, seek and read: a page reads hundreds
            return os.pread(fd, end - self.starts[i], self.starts[i])
        with self.path.open("rb") as fh:
            fh.seek(self.starts[i])
            return fh.read(end - self.starts[i])

    def _reader(self) -> int | None:
        """A descriptor of the ledger kept open for reading lines (closed with the index)."""
        if self._fd is None and hasattr(os, "pread"):
            try:
                self._fd = os.open(self.path, os.O_RDONLY)
            except OSError:
                return None
            weakref.finalize(self, os.close, self._fd)
        return self._fd

    def __len__(self) -> int:
        return len(self.starts)

    def entry(self, i: int) -> LedgerEntry:
        """The full entry of line `i` (0-based), parsed once."""
        cached = self._parsed.get(i)
        if cached is not None:
            return cached
        try:
            entry = parse_ledger_line(self._line(i), self.path, None)
        except ValidationError as exc:
            exc.line = self._line_number(i)  # counted only when needed: it reads the file
            raise
        self._parsed[i] = entry
        return entry

    def _line_number(self, i: int) -> int:
        """1-based line number of entry `i` in the file (blank lines count)."""
        with self.path.open("rb") as fh:
            return fh.read(self.starts[i]).count(b"\n") + 1

    def by_gate(self) -> dict[str, list[int]]:
        """gate id -> its line numbers, oldest first (start time, then seq)."""
        if self._by_gate is None:
            groups: dict[str, list[int]] = {}
            for i, g in enumerate(self.gate_ids):
                groups.setdefault(g, []).append(i)
            if not self._in_order():
                keys = list(zip(self.started, self.seqs, strict=True))  # every line's _key, once
                for rows in groups.values():
                    rows.sort(key=keys.__getitem__)
            self._by_gate = groups
        return self._by_gate

    def _in_order(self) -> bool:
        """Are the lines already oldest first (start time, then seq), as appends leave them?"""
        keys = zip(self.started, self.seqs, strict=True)
        return all(a <= b for a, b in itertools.pairwise(keys))

    def gates(self) -> set[str]:
        """Every gate id with at least one run."""
        return set(self.by_gate())

    def count(self, gate_id: str) -> int:
        return len(self.by_gate().get(gate_id, ()))

    def history(self, gate_id: str, *, last: int | None = None) -> list[LedgerEntry]:
        """A gate's runs, oldest first (only the newest `last` when given)."""
        rows = self.by_gate().get(gate_id, [])
        if last is not None:
            rows = rows[-last:] if last > 0 else []
        return [self.entry(i) for i in rows]

    def latest(
        self, gate_id: str, *, until: str | None = None, claim_grade: bool = False
    ) -> LedgerEntry | None:
        """The newest run of a gate (started at or before `until`; claim-grade, if asked)."""
        for i in reversed(self.by_gate().get(gate_id, [])):
            if until is not None and self.started[i][: len(until)] > until:
                continue
            entry = self.entry(i)
            if entry.claim_grade or not claim_grade:
                return entry
        return None

    def current_streak(self, gate_id: str, entry: LedgerEntry | None = None) -> Streak | None:
        """The promotion streak on `entry`'s gate hash and pins (default: the newest run's).

        None when there is no such run or it has no gate hash.
        """
        rows = self.by_gate().get(gate_id, [])
        newest = entry or (self.entry(rows[-1]) if rows else None)
        if newest is None or newest.gate_hash is None:
            return None
        # A streak depends only on runs back to the first reset, so parse a growing
        # tail of the history until it holds a reset or the whole history.
        size = 64
        while True:
            tail = [self.entry(i) for i in rows[-size:]]
            s = streak(tail, gate_id=gate_id, gate_hash=newest.gate_hash, pins=newest.pins)
            if s.last_reset is not None or size >= len(rows):
                return s
            size *= 4

    def get(self, run_id: str) -> LedgerEntry | None:
        """A run by its exact id."""
        if self._by_id is None:
            self._by_id = {r: i for i, r in enumerate(self.run_ids)}
        i = self._by_id.get(run_id)
        return None if i is None else self.entry(i)

    def find(self, ref: str) -> LedgerEntry | None:
        """A run by id, or by its record path (…/<run-id>/record.json)."""
        if ref.endswith("record.json"):
            ref = Path(ref).parent.name
        return self.get(ref)

    def with_prefix(self, prefix: str) -> list[LedgerEntry]:
        """Runs whose id starts with `prefix`."""
        return [self.entry(i) for i, r in enumerate(self.run_ids) if r.startswith(prefix)]

    def between(self, start: str | None, end: str | None) -> Iterator[LedgerEntry]:
        """Runs started in [start, end), in ledger order (RFC 3339 strings sort by time)."""
        for i, s in enumerate(self.started):
            if (start is None or s >= start) and (end is None or s < end):
                yield self.entry(i)

    def newest_start(self) -> str:
        """The latest start time of any run ('' when there is none)."""
        return max(self.started, default="")


class PendingIndex:
    """A ledger index being made (see `LedgerIndex.open_soon`)."""

    def __init__(self, path: Path, cache_dir: Path | None, job: ForkJob | None) -> None:
        self.path, self.cache_dir, self.job = path, cache_dir, job

    def get(self) -> LedgerIndex:
        """The index: the child's scan when it is done and sound, else `open` here."""
        columns = self.job.result() if self.job is not None else None
        self.job = None
        if columns is None:  # no child, or it failed: scan here, which reports any error
            return LedgerIndex.open(self.path, cache_dir=self.cache_dir)
        index = LedgerIndex(self.path)
        index.size, index.starts, index.run_ids, index.gate_ids = columns[:4]
        index.seqs, index.started, index._by_gate = columns[4:]
        cache_file = _cache_file(self.cache_dir)
        if cache_file is not None:
            with contextlib.suppress(OSError):  # the ledger gone meanwhile: no cache, no error
                index._save_cache(cache_file, self.path.stat())
        return index

    def cancel(self) -> None:
        """Stop the child, when the index is not wanted after all (an error elsewhere)."""
        if self.job is not None:
            self.job.cancel()
            self.job = None
