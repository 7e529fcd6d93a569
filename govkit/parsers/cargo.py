"""cargo test: the sum of every `test result:` line (unit, integration and doc-tests)."""

from __future__ import annotations

import re
from pathlib import Path

from govkit.evidence.record import Counts
from govkit.parsers.base import ParseResult, iter_lines, missing, strip_ansi

_RESULT = re.compile(
    r"test result: (?:ok|FAILED)\. (?P<passed>\d+) passed; (?P<failed>\d+) failed; "
    r"(?P<ignored>\d+) ignored"
)


def parse_cargo(stdout: Path) -> ParseResult:
    """Counts summed over all `test result:` lines of a cargo test log."""
    absent = missing(stdout)
    if absent is not None:
        return absent
    passed = failed = ignored = lines = 0
    for line in iter_lines(stdout):
        if "test result:" not in line:
            continue
        m = _RESULT.search(strip_ansi(line))
        if m is None:
            continue
        lines += 1
        passed += int(m["passed"])
        failed += int(m["failed"])
        ignored += int(m["ignored"])
    if lines == 0:
        return ParseResult(None, None, ("cargo: no 'test result:' line found",))
    return ParseResult(Counts(passed=passed, failed=failed, skipped=ignored), None, ())
