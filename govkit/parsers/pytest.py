"""pytest's final summary line, in every form it takes."""

from __future__ import annotations

import re
from pathlib import Path

from govkit.evidence.record import Counts
from govkit.parsers.base import ParseResult, iter_lines, missing, read_tail, strip_ansi

# "936 passed, 2 skipped in 12.34s", "===== 1 failed, 1 warning in 75.32s (0:01:15) =====",
# "no tests ran in 0.01s", old "1 passed, 1 pytest-warnings in 0.01 seconds".
_SUMMARY = re.compile(
    r"^=*\s*(?P<body>no tests ran|\d+ [a-z-]+(?:,\s*\d+ [a-z-]+)*)"
    r"(?:\s+in\s+(?P<secs>\d+(?:\.\d+)?)\s*(?:s|seconds)(?:\s*\(\d+:\d{2}:\d{2}\))?)\s*=*\s*$"
)
_ITEM = re.compile(r"(\d+) ([a-z-]+)")
_FIELDS = {
    "passed": "passed",
    "failed": "failed",
    "skipped": "skipped",
    "error": "errors",
    "errors": "errors",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
    "warning": "warnings",
    "warnings": "warnings",
    "pytest-warnings": "warnings",
}
_IGNORED = frozenset({"deselected", "rerun", "reruns", "subtests"})


def parse_summary_line(line: str) -> tuple[Counts, float | None, tuple[str, ...]] | None:
    """Counts from one summary line, or None when the line is not one."""
    m = _SUMMARY.match(strip_ansi(line).strip())
    if m is None:
        return None
    values: dict[str, int] = {}
    notes: list[str] = []
    if m.group("body") != "no tests ran":
        for n, word in _ITEM.findall(m.group("body")):
            field = _FIELDS.get(word)
            if field is not None:
                values[field] = values.get(field, 0) + int(n)
            elif word not in _IGNORED:
                notes.append(f"pytest: unknown summary item {n} {word!r}")
    secs = float(m.group("secs")) if m.group("secs") else None
    return Counts(**values), secs, tuple(notes)


def _last_summary(lines: list[str]) -> tuple[Counts, float | None, tuple[str, ...]] | None:
    for line in reversed(lines):
        if " in " in line or "no tests ran" in line:
            parsed = parse_summary_line(line)
            if parsed is not None:
                return parsed
    return None


def parse_pytest_text(text: str) -> ParseResult:
    """Counts from pytest output held in a string (the LAST summary line wins)."""
    found = _last_summary(text.splitlines())
    if found is None:
        return ParseResult(None, None, ("pytest: no summary line found",))
    counts, _secs, notes = found
    return ParseResult(counts, None, notes)


def parse_pytest(stdout: Path) -> ParseResult:
    """Counts from a pytest stdout log of any size."""
    absent = missing(stdout)
    if absent is not None:
        return absent
    tail, whole = read_tail(stdout)
    result = parse_pytest_text(tail)
    if result.counts is not None or whole:
        return result
    # Rare: the summary is followed by more than a megabyte of output. Stream the lot.
    last = None
    for line in iter_lines(stdout):
        if " in " in line or "no tests ran" in line:
            last = parse_summary_line(line) or last
    if last is None:
        return ParseResult(None, None, ("pytest: no summary line found",))
    return ParseResult(last[0], None, last[2])
