"""Result parsers: counts and metrics read from a run's output (DESIGN.md §5).

The exit code decides pass or fail; what the parsers read is evidence
("936 passed"), and a check on it (`min_tests`, `max_failures`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from govkit.errors import ValidationError
from govkit.evidence.record import Counts, Outcome
from govkit.parsers.base import ParseResult


@dataclass(frozen=True)
class RunOutput:
    """What a parser may read: a finished run's logs, working directory and artifacts."""

    stdout: Path
    stderr: Path
    workdir: Path
    artifacts: Sequence[Path] = ()


@dataclass(frozen=True)
class Parser:
    """One result parser: its name in govkit.yaml, whether it counts tests, where it lives."""

    name: str
    counts_tests: bool  # False: metrics or nothing, so `min_tests` can never be met
    module: str  # imported on first use: `gate --help` and config checks stay light
    function: str
    reads: str  # one line for the docs: what it reads
    inputs: tuple[str, ...] = ("stdout",)  # RunOutput fields passed as keyword arguments

    def read(self, output: RunOutput) -> ParseResult:
        """Run the parser on a finished run's output."""
        if not self.module:
            return ParseResult(counts=None, metrics=None, notes=())
        fn: Callable[..., ParseResult] = getattr(
            importlib.import_module(self.module), self.function
        )
        if self.inputs == ("stdout",):
            return fn(output.stdout)
        return fn(**{name: getattr(output, name) for name in self.inputs})


# The one list of parsers: config validation, `gate add --parser` and the docs read it.
# A new parser is a module under govkit/parsers/ and one row here (CONTRIBUTING.md).
REGISTRY: dict[str, Parser] = {
    p.name: p
    for p in (
        Parser("pytest", True, "govkit.parsers.pytest", "parse_pytest", "pytest's summary line"),
        Parser(
            "junit",
            True,
            "govkit.parsers.junit",
            "parse_junit",
            "JUnit XML files, recounted from their testcases",
            inputs=("workdir", "artifacts"),
        ),
        Parser("cargo", True, "govkit.parsers.cargo", "parse_cargo", "cargo test's result lines"),
        Parser("go-json", True, "govkit.parsers.gojson", "parse_go_json", "go test -json events"),
        Parser("exit-code", False, "", "", "nothing: the exit code alone"),
        Parser(
            "metrics-json",
            False,
            "govkit.parsers.metrics",
            "parse_metrics_json",
            "numbers from metrics.json or the last JSON line of stdout",
            inputs=("stdout", "artifacts"),
        ),
    )
}
PARSERS = tuple(REGISTRY)
TEST_PARSERS = frozenset(name for name, p in REGISTRY.items() if p.counts_tests)

__all__ = [
    "PARSERS",
    "REGISTRY",
    "TEST_PARSERS",
    "ParseResult",
    "Parser",
    "RunOutput",
    "get_parser",
    "judge",
    "parse_run",
]


def get_parser(name: str) -> Parser:
    """The registered parser called `name`, or a ValidationError listing the real ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValidationError(
            f"unknown parser {name!r}", hint=f"use one of: {', '.join(PARSERS)}"
        ) from None


def parse_run(
    parser: str,
    *,
    stdout: Path,
    stderr: Path,
    workdir: Path,
    artifacts: Sequence[Path] = (),
) -> ParseResult:
    """Read counts or metrics from a finished run's logs and artifacts; never raises on junk."""
    return get_parser(parser).read(RunOutput(stdout, stderr, workdir, artifacts))


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
