"""`go test -json`: one event per line; count each test's pass, fail and skip."""

from __future__ import annotations

import json
from pathlib import Path

from govkit.evidence.record import Counts
from govkit.parsers.base import ParseResult, iter_lines, missing

_ACTIONS = {"pass": "passed", "fail": "failed", "skip": "skipped"}


def parse_go_json(stdout: Path) -> ParseResult:
    """Counts from test2json events; package-level events are not tests and are not counted."""
    absent = missing(stdout)
    if absent is not None:
        return absent
    values = {"passed": 0, "failed": 0, "skipped": 0}
    events = other = 0
    failed_packages: list[str] = []
    for line in iter_lines(stdout):
        if not line.startswith("{"):
            other += 1
            continue
        try:
            event = json.loads(line)
        except ValueError:
            other += 1
            continue
        if not isinstance(event, dict):
            continue
        events += 1
        field = _ACTIONS.get(str(event.get("Action")))
        if field is None:
            continue
        if event.get("Test"):
            values[field] += 1
        elif field == "failed":
            failed_packages.append(str(event.get("Package", "?")))
    if events == 0:
        return ParseResult(None, None, ("go-json: no test2json events found",))
    notes = []
    if other:
        notes.append(f"go-json: {other} non-JSON lines ignored")
    if failed_packages:
        notes.append(f"go-json: packages failed: {', '.join(sorted(set(failed_packages)))}")
    return ParseResult(Counts(**values), None, tuple(notes))
