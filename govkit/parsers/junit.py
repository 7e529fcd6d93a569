"""JUnit XML, recounted from the testcases (the suites' own attributes are not trusted)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from govkit.evidence.record import Counts
from govkit.parsers.base import ParseResult

# Where tools put JUnit XML when the gate names no artifact.
_USUAL_PLACES = (
    "junit.xml",
    "report.xml",
    "junit/*.xml",
    "test-results/*.xml",
    "test-results/**/*.xml",
    "target/surefire-reports/TEST-*.xml",
    "build/test-results/**/*.xml",
)


def find_junit_files(workdir: Path, artifacts: Sequence[Path]) -> list[Path]:
    """XML artifacts, else the usual report locations in the workdir."""
    from_artifacts = [p for p in artifacts if p.suffix == ".xml" and p.is_file()]
    if from_artifacts:
        return from_artifacts
    found: dict[Path, None] = {}
    for pattern in _USUAL_PLACES:
        for p in sorted(workdir.glob(pattern)):
            if p.is_file():
                found[p] = None
    return list(found)


def count_file(path: Path) -> Counts:
    """Counts of one JUnit XML file; raises on XML that cannot be read."""
    from junitparser import JUnitXml, TestSuite

    xml = JUnitXml.fromfile(str(path))
    suites = [xml] if isinstance(xml, TestSuite) else list(xml)
    values = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    for suite in suites:
        # Iterating a top-level suite yields every testcase below it, nested suites
        # included, each once (tests/parsers pins this down with a nested file).
        for case in suite:
            kinds = {type(r).__name__ for r in case.result}
            if "Error" in kinds:
                values["errors"] += 1
            elif "Failure" in kinds:
                values["failed"] += 1
            elif "Skipped" in kinds:
                values["skipped"] += 1
            else:
                values["passed"] += 1
    return Counts(**values)


def parse_junit(*, workdir: Path, artifacts: Sequence[Path]) -> ParseResult:
    """Counts summed over every JUnit XML file of the run."""
    files = find_junit_files(workdir, artifacts)
    if not files:
        return ParseResult(None, None, ("junit: no JUnit XML file found",))
    totals = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    notes: list[str] = []
    read = 0
    for path in files:
        try:
            counts = count_file(path)
        except Exception as exc:  # junitparser raises several types for bad XML
            notes.append(f"junit: cannot read {path.name}: {type(exc).__name__}: {exc}")
            continue
        read += 1
        for key in totals:
            totals[key] += getattr(counts, key)
    if read == 0:
        return ParseResult(None, None, tuple(notes))
    return ParseResult(Counts(**totals), None, tuple(notes))
