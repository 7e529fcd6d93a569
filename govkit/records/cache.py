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

Uncached files are read several at a time (`read_files`) and parsed together
(`parse_fresh`); a cold load of many files may have a forked child parse and check
half of them (govkit.records.store.load_all, decision D-024), handed to `load_each`
as `fresh` data that is used only while its file's stat signature is unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeGuard

from govkit import yamlio

CACHE_VERSION = 1
# Files whose mtime/ctime is this close to "now" are parsed but not cached.
RACY_WINDOW_NS = 3_000_000_000
DISABLE_ENV = "GOVKIT_NO_CACHE"


def _signature(st: os.stat_result) -> list[int]:
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino]


def _hit(entry: Any, signature: list[int]) -> TypeGuard[list[Any]]:
    """True when a cache entry is well formed and was made for a file with `signature`."""
    return type(entry) is list and len(entry) >= 2 and entry[0] == signature


def jsonable(value: Any) -> bool:
    """True when JSON gives `value` back unchanged (no dates, no non-string keys)."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return True  # the common leaves first: this runs for every value of a fresh parse
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, list):
        return all(jsonable(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and jsonable(v) for k, v in value.items())
    return False


# A file parsed just now (see load_each): (stat signature, plain data, passed the checks).
Fresh = tuple[list[int], Any, bool]


def parse_fresh(paths: Sequence[str]) -> list[tuple[str, list[int], Any, bool]]:
    """(path, stat signature, plain data, read by the fast reader) of each file, parsed
    together as `load_each` parses the files it has not cached.

    Files that cannot be read or decoded are left out, and so are all that need ruamel
    when one text would change the boundaries of the joined stream: the loader parses
    those on their own and reports their errors. Data read by ruamel may hold dates.
    """
    kept: list[tuple[str, list[int]]] = []
    texts: list[str] = []
    for key, got in zip(paths, read_files(paths), strict=True):
        if got is None:
            continue
        try:
            text = got[1].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if "\r" in text:  # as reading in text mode does (universal newlines)
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        kept.append((key, _signature(got[0])))
        texts.append(text)
    if not texts:
        return []
    read = yamlio.loads_plain_each_read(texts)
    if read is None:
        # One text spoils the joined stream (bad YAML, a document marker): keep what the
        # fast reader reads; the loader parses the rest one by one and reports the culprit.
        simple = zip(kept, map(yamlio.loads_simple, texts), strict=True)
        return [(key, signature, doc, True) for (key, signature), doc in simple if doc]
    docs, by_ruamel = read
    odd = set(by_ruamel)
    return [
        (key, signature, doc, j not in odd)
        for j, ((key, signature), doc) in enumerate(zip(kept, docs, strict=True))
    ]


# Reads in flight at once: a cold disk (nothing in the page cache) serves several reads
# at a time. On a 2-core VM, 10,000 record files with the page cache dropped took 1.14 s
# read by one thread and 0.50 s by four; with the pages cached, both took 0.07 s.
READ_THREADS = 4


def read_files(paths: Sequence[str]) -> list[tuple[os.stat_result, bytes] | None]:
    """(stat, bytes) of each file, None for one that cannot be read; several at a time."""
    out: list[tuple[os.stat_result, bytes] | None] = [None] * len(paths)

    def read(first: int, step: int) -> None:
        for i in range(first, len(paths), step):
            try:
                fd = os.open(paths[i], os.O_RDONLY)
            except OSError:
                continue
            try:
                st = os.fstat(fd)
                chunks = [os.read(fd, max(st.st_size, 4096) + 1)]
                while chunks[-1]:
                    chunks.append(os.read(fd, 1 << 16))
                out[i] = (st, b"".join(chunks))
            except OSError:
                pass
            finally:
                os.close(fd)

    threads = min(READ_THREADS, len(paths) // 64)  # a few files: not worth a thread
    if threads < 2:
        read(0, 1)
        return out
    import threading

    workers = [threading.Thread(target=read, args=(n, threads)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return out


def _unchanged(
    paths: Sequence[Path],
    stats: Sequence[os.stat_result | None],
    indices: list[int],
    parses: Mapping[str, Sequence[Any]],
) -> tuple[list[tuple[int, Sequence[Any]]], list[int]]:
    """(index, parse) of each of `indices` whose parse (stat signature first) was made of
    its file as it is now; and the indices left to parse."""
    taken, left = [], []
    for i in indices:
        found, st = parses.get(str(paths[i])), stats[i]
        if found is not None and st is not None and found[0] == _signature(st):
            taken.append((i, found))
        else:
            left.append(i)
    return taken, left


class ParseCache:
    """Plain YAML data of files, reused while their stat signature is unchanged."""

    def __init__(self, state_dir: Path, name: str, *, checks: str = "") -> None:
        self.path = state_dir / "cache" / f"{name}-v{CACHE_VERSION}.json"
        self.checks = checks  # what a mark vouches for ("": marks are not used)
        self.enabled = not os.environ.get(DISABLE_ENV)
        self._entries: dict[str, list[Any]] = {}
        self._seen: set[str] = set()
        self._vouched: set[str] = set()  # fresh parses that passed the checks (this process)
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

    def load(
        self,
        path: Path,
        parse: Callable[[Path], Any] = yamlio.load_plain,
        fresh: Mapping[str, Fresh] | None = None,
    ) -> Any:
        """Plain data of a YAML file, or what `parse` makes of the file (raises its errors).

        `fresh`: as in `load_each` (a fresh parse is used while its file is unchanged).
        """
        key = str(path)
        found = fresh.get(key) if fresh else None
        if not self.enabled and found is None:
            return parse(path)
        self._seen.add(key)
        try:
            st = os.stat(path)
        except OSError:
            return parse(path)  # raises the usual "file not found" error
        entry = self._entries.get(key)
        if _hit(entry, _signature(st)):
            return entry[1]
        if found is not None and found[0] == _signature(st):
            if found[2]:
                self._vouched.add(key)
            self._store(path, st, found[1], plain=True)
            return found[1]
        data = parse(path)
        self._store(path, st, data)
        return data

    def cached(self, key: str) -> bool:
        """True when the cache holds an entry for the file named `key` (it may be stale)."""
        return key in self._entries

    def load_each(
        self, paths: Sequence[Path], fresh: Mapping[str, Fresh] | None = None
    ) -> Iterator[Any]:
        """Plain data of each YAML file in turn, like `load`, parsing the uncached ones at
        once (yamlio.loads_plain_each); errors are raised by the file they belong to.

        `fresh`: files parsed just now, by `parse_fresh` in this process or a forked one;
        one whose stat signature is still the same is taken as parsed (and, when it passed
        the checks, counts as `checked`), any other is parsed here.
        """
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
        if fresh and missing:
            taken, missing = _unchanged(paths, stats, missing, fresh)
            for i, (_, data, valid) in taken:
                parsed[i] = data
                if valid:
                    self._vouched.add(str(paths[i]))
        by_ruamel: set[int] = set()  # what may hold dates or other non-JSON values
        if len(missing) > 1:
            # Read and parsed together; a file left out (unreadable, not UTF-8, its text
            # spoils the joined stream) or changed meanwhile is loaded, and reported, alone.
            local = {key: rest for key, *rest in parse_fresh([str(paths[i]) for i in missing])}
            for i, (_, data, plain) in _unchanged(paths, stats, missing, local)[0]:
                parsed[i] = data
                if not plain:
                    by_ruamel.add(i)
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
        """True when the data of `path` (as just loaded) passed the checks: its cache entry
        carries a mark (see `mark`), or it came fresh and valid from `parse_fresh`."""
        key = str(path)
        if key in self._vouched:
            return True
        entry = self._entries.get(key)
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
        if not racy and (plain or jsonable(data)):
            entry = [_signature(st), data]
            if self.checks and key in self._vouched:
                entry.append(1)  # checked by parse_fresh's caller under these same rules
            self._entries[key] = entry
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
