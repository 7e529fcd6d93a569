"""A parse cache for record files, kept in `.govkit/cache/` (machine-local, git-ignored).

Parsing YAML in pure Python costs about half a millisecond a file, so a
workspace of 10,000 records would take seconds to read. The cache keeps the
plain parsed data of each file next to its stat signature (mtime_ns, ctime_ns,
size, inode). Any write, rename or `touch` changes one of them, so a hand edit
is never missed; a file changed within the last few seconds is never cached,
because an edit inside one timestamp tick would keep mtime and ctime equal
(the "racily clean" problem git solves the same way).

An entry may also carry a mark: its data passed the checks the cache was opened
with (`checks`, a fingerprint of the rules, e.g. a record kind's fields, statuses
and id scheme). Only data that passed gets a mark, and a fresh parse drops it, so
a file with errors is reported every time; a cache opened with other checks
(another govkit, a kind that changed) forgets every mark and re-checks. An entry
that is not of this shape (a damaged or hand-edited cache) counts as absent.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeGuard

from govkit import yamlio
from govkit.errors import ValidationError

CACHE_VERSION = 1
# Files whose mtime/ctime is this close to "now" are parsed but not cached.
RACY_WINDOW_NS = 3_000_000_000
DISABLE_ENV = "GOVKIT_NO_CACHE"


def _signature(st: os.stat_result) -> list[int]:
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino]


def _hit(entry: Any, signature: list[int]) -> TypeGuard[list[Any]]:
    """True when a cache entry is well formed and was made for a file with `signature`."""
    return type(entry) is list and len(entry) >= 2 and entry[0] == signature


def _jsonable(value: Any) -> bool:
    """True when JSON gives `value` back unchanged (no dates, no non-string keys)."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return True  # the common leaves first: this runs for every value of a fresh parse
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, list):
        return all(_jsonable(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _jsonable(v) for k, v in value.items())
    return False


class ParseCache:
    """Plain YAML data of files, reused while their stat signature is unchanged."""

    def __init__(self, state_dir: Path, name: str, *, checks: str = "") -> None:
        self.path = state_dir / "cache" / f"{name}-v{CACHE_VERSION}.json"
        self.checks = checks  # what a mark vouches for ("": marks are not used)
        self.enabled = not os.environ.get(DISABLE_ENV)
        self._entries: dict[str, list[Any]] = {}
        self._seen: set[str] = set()
        self._dirty = False
        if self.enabled:
            self._entries = self._read()

    def _read(self) -> dict[str, list[Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: start afresh
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return {}
        entries = data.get("entries")
        if not isinstance(entries, dict):
            return {}
        if data.get("checks") != self.checks:
            # Marks made under other rules vouch for nothing here: keep only the parses.
            entries = {k: v[:2] for k, v in entries.items() if type(v) is list}
        return entries

    def load(self, path: Path, parse: Callable[[Path], Any] = yamlio.load_plain) -> Any:
        """Plain data of a YAML file, or what `parse` makes of the file (raises its errors)."""
        if not self.enabled:
            return parse(path)
        key = str(path)
        self._seen.add(key)
        try:
            st = os.stat(path)
        except OSError:
            return parse(path)  # raises the usual "file not found" error
        entry = self._entries.get(key)
        if _hit(entry, _signature(st)):
            return entry[1]
        data = parse(path)
        self._store(path, st, data)
        return data

    def load_each(self, paths: Sequence[Path]) -> Iterator[Any]:
        """Plain data of each YAML file in turn, like `load`, parsing the uncached ones at
        once (yamlio.loads_plain_each); errors are raised by the file they belong to."""
        if not paths:
            return
        stats: list[os.stat_result | None] = []
        missing: list[int] = []
        hits: dict[int, Any] = {}  # index -> cached data (stat once: `load` would stat again)
        for i, path in enumerate(paths):
            try:
                st: os.stat_result | None = os.stat(path)
            except OSError:
                st = None
            stats.append(st)
            entry = self._entries.get(str(path)) if self.enabled and st is not None else None
            if st is not None and _hit(entry, _signature(st)):
                hits[i] = entry[1]
            else:
                missing.append(i)
        parsed: dict[int, Any] = {}
        by_ruamel: set[int] = set(missing)  # what may hold dates or other non-JSON values
        if len(missing) > 1:
            try:
                texts = [yamlio.read_text(paths[i]) for i in missing]
            except ValidationError:
                texts = []  # one unreadable file: each is loaded (and reported) on its own
            read = yamlio.loads_plain_each_read(texts) if texts else None
            if read is not None:
                parsed = dict(zip(missing, read[0], strict=True))
                by_ruamel = {missing[j] for j in read[1]}
        seen = self._seen
        for i, path in enumerate(paths):
            if i in hits:
                seen.add(str(path))
                yield hits[i]
                continue
            st = stats[i]
            if i not in parsed or st is None:
                yield self.load(path)
                continue
            self._store(path, st, parsed[i], plain=i not in by_ruamel)
            yield parsed[i]

    def checked(self, path: Path) -> bool:
        """True when the cached data of `path` (as just loaded) carries a mark (see `mark`)."""
        entry = self._entries.get(str(path))
        return type(entry) is list and len(entry) > 2 and entry[2] == 1

    def mark(self, path: Path) -> None:
        """Note that the data of `path` just loaded passed `checks` (kept while it is cached)."""
        if not self.checks:
            return
        entry = self._entries.get(str(path))
        if type(entry) is list and len(entry) == 2:
            entry.append(1)
            self._dirty = True

    def _store(self, path: Path, st: os.stat_result, data: Any, *, plain: bool = False) -> None:
        """Keep (or drop) a freshly parsed file's data, as `load` does; `plain`: known to be
        JSON-safe (read by yamlio's fast reader), so not walked again to find out."""
        if not self.enabled:
            return
        key = str(path)
        self._seen.add(key)
        racy = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_WINDOW_NS
        if not racy and (plain or _jsonable(data)):
            self._entries[key] = [_signature(st), data]
            self._dirty = True
        elif key in self._entries:
            del self._entries[key]
            self._dirty = True

    def save(self, *, prune: bool = False) -> None:
        """Write the cache if it changed; `prune` drops files not read this time."""
        if not self.enabled:
            return
        if prune:
            stale = set(self._entries) - self._seen
            for key in stale:
                del self._entries[key]
            self._dirty = self._dirty or bool(stale)
        if not self._dirty:
            return
        text = json.dumps(
            {"version": CACHE_VERSION, "checks": self.checks, "entries": self._entries},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        from govkit.atomic import atomic_write_text  # only when something changed

        # A cache is an optimisation: a read-only or full disk must not fail a read command.
        with contextlib.suppress(OSError):
            atomic_write_text(self.path, text)
        self._dirty = False
