"""Result parsers: counts and metrics read from a run's output (DESIGN.md §5).

The exit code decides pass or fail; what the parsers read is evidence
("936 passed"), and a check on it (`min_tests`, `max_failures`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from govkit.errors import ValidationError
from govkit.evidence.record import Counts, Outcome
from govkit.parsers.base import ParseResult
from govkit.parsers.cargo import parse_cargo
from govkit.parsers.gojson import parse_go_json
from govkit.parsers.junit import parse_junit
from govkit.parsers.metrics import parse_metrics_json
from govkit.parsers.pytest import parse_pytest

PARSERS = ("pytest", "junit", "cargo", "go-json", "exit-code", "metrics-json")
TEST_PARSERS = frozenset({"pytest", "junit", "cargo", "go-json"})

__all__ = ["PARSERS", "TEST_PARSERS", "ParseResult", "judge", "parse_run"]


def parse_run(
    parser: str,
    *,
    stdout: Path,
    stderr: Path,
    workdir: Path,
    artifacts: Sequence[Path] = (),
) -> ParseResult:
    """Read counts or metrics from a finished run's logs and artifacts; never raises on junk."""
    if parser == "pytest":
        return parse_pytest(stdout)
    if parser == "junit":
        return parse_junit(workdir=workdir, artifacts=artifacts)
    if parser == "cargo":
        return parse_cargo(stdout)
    if parser == "go-json":
        return parse_go_json(stdout)
    if parser == "metrics-json":
        return parse_metrics_json(stdout, artifacts=artifacts)
    if parser == "exit-code":
        return ParseResult(counts=None, metrics=None, notes=())
    raise ValidationError(f"unknown parser {parser!r}", hint=f"use one of: {', '.join(PARSERS)}")


def _ran(counts: Counts) -> int:
    # Skipped tests did not run: a suite that skips everything proves nothing.
    return counts.total - counts.skipped


def judge(
    exit_code: int | None,
    result: ParseResult,
    *,
    parser: str,
    min_tests: int | None,
    max_failures: int = 0,
) -> tuple[Outcome, str]:
    """Pass or fail with a one-line reason: the exit code decides, the counts can only veto."""
    counts = result.counts
    summary = counts.summary() if counts is not None else None
    if exit_code is None:
        return Outcome.FAIL, "no exit code (killed by a signal)"
    if exit_code != 0:
        return Outcome.FAIL, f"exit code {exit_code}" + (f"; {summary}" if summary else "")
    if counts is not None:
        bad = counts.failed + counts.errors
        if bad > max_failures:
            return Outcome.FAIL, f"exit code 0 but {summary} (at most {max_failures} allowed)"
        if min_tests is not None and _ran(counts) < min_tests:
            return Outcome.FAIL, f"expected at least {min_tests} tests, ran {_ran(counts)}"
        return Outcome.PASS, summary or ""
    if min_tests is not None:
        why = (
            "no test counts could be read from the output"
            if parser in TEST_PARSERS
            else f"the {parser} parser counts no tests"
        )
        return Outcome.FAIL, f"expected at least {min_tests} tests, but {why}"
    if parser in TEST_PARSERS:
        return Outcome.PASS, f"exit code 0; no {parser} test summary found in the output"
    return Outcome.PASS, ""
