"""Result parsers against real-looking outputs written for these tests, and judge()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit.errors import ValidationError
from govkit.evidence.record import Counts, Outcome
from govkit.parsers import ParseResult, judge, parse_run
from govkit.parsers.pytest import parse_pytest_text

PYTEST_Q = """\
........................................................................ [ 76%]
......................s.s                                                [100%]
936 passed, 2 skipped in 12.34s
"""

PYTEST_BANNER = """\
============================= test session starts ==============================
platform linux -- Python 3.11.7, pytest-8.3.2, pluggy-1.5.0
rootdir: /src/core
collected 41 items

tests/test_core.py ...F.....                                             [ 21%]
tests/test_io.py ........................x.X.......                       [100%]

=================================== FAILURES ===================================
_________________________________ test_parse ___________________________________

    def test_parse():
>       assert parse("1 passed in 2s") == 3
E       AssertionError: assert 2 == 3

tests/test_core.py:14: AssertionError
=============================== warnings summary ===============================
tests/test_io.py::test_read
  DeprecationWarning: read() is deprecated

-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html
=========================== short test summary info ============================
FAILED tests/test_core.py::test_parse - AssertionError: assert 2 == 3
============== 1 failed, 38 passed, 1 xfailed, 1 xpassed, 2 warnings in 75.32s (0:01:15) ===============
"""

PYTEST_RA = """\
.....
=========================== short test summary info ============================
PASSED tests/test_a.py::test_one
PASSED tests/test_a.py::test_two in 3s
SKIPPED [1] tests/test_a.py:9: needs network
ERROR tests/test_b.py - ImportError: no module named nope
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
==================== 2 passed, 1 skipped, 1 error in 0.41s =====================
"""

PYTEST_ANSI = (
    "\x1b[32m.\x1b[0m\x1b[32m.\x1b[0m\n"
    "\x1b[31m=== \x1b[31m\x1b[1m1 failed\x1b[0m, \x1b[32m1 passed\x1b[0m, "
    "\x1b[33m3 deselected\x1b[0m\x1b[31m in 0.05s\x1b[0m\x1b[31m ===\x1b[0m\n"
)

PYTEST_TWO_SESSIONS = "3 passed in 0.10s\nrerunning...\n2 passed, 1 failed in 0.20s\n"

CARGO = """\
   Compiling core v0.3.0 (/src/core)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 4.12s
     Running unittests src/lib.rs (target/debug/deps/core-1a2b3c)

running 12 tests
............
test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s

     Running tests/api.rs (target/debug/deps/api-4d5e6f)

running 3 tests
test api_roundtrip ... FAILED
test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.30s

   Doc-tests core

running 4 tests
test result: \x1b[32mok\x1b[0m. 4 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 1.02s
"""


def go_events() -> str:
    events = [
        {"Action": "start", "Package": "example.com/core"},
        {"Action": "run", "Package": "example.com/core", "Test": "TestA"},
        {"Action": "output", "Package": "example.com/core", "Test": "TestA", "Output": "ok\n"},
        {"Action": "pass", "Package": "example.com/core", "Test": "TestA", "Elapsed": 0.01},
        {"Action": "run", "Package": "example.com/core", "Test": "TestB"},
        {"Action": "run", "Package": "example.com/core", "Test": "TestB/sub"},
        {"Action": "fail", "Package": "example.com/core", "Test": "TestB/sub"},
        {"Action": "fail", "Package": "example.com/core", "Test": "TestB"},
        {"Action": "skip", "Package": "example.com/core", "Test": "TestC"},
        {"Action": "fail", "Package": "example.com/core", "Elapsed": 0.3},
        {"Action": "pass", "Package": "example.com/util"},
    ]
    lines = [json.dumps(e) for e in events]
    lines.insert(3, "# example.com/core [build noise]")
    return "\n".join(lines) + "\n"


JUNIT_NESTED = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites tests="999" failures="0">
  <testsuite name="outer" tests="999">
    <testcase classname="a" name="ok1" time="0.1"/>
    <testsuite name="inner">
      <testcase classname="a.b" name="bad"><failure message="boom">trace</failure></testcase>
      <testcase classname="a.b" name="skip"><skipped message="later"/></testcase>
    </testsuite>
    <testcase classname="a" name="crash"><error message="oops"/></testcase>
  </testsuite>
  <testsuite name="second">
    <testcase classname="c" name="ok2"/>
  </testsuite>
</testsuites>
"""

JUNIT_SINGLE = """\
<testsuite name="surefire" tests="2" failures="0">
  <testcase classname="x.Y" name="one"/>
  <testcase classname="x.Y" name="two"/>
</testsuite>
"""


def parse(tmp_path: Path, parser: str, stdout: str, **files: str) -> ParseResult:
    out = tmp_path / "stdout.log"
    out.write_text(stdout)
    err = tmp_path / "stderr.log"
    err.write_text("")
    artifacts = []
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        artifacts.append(path)
    return parse_run(parser, stdout=out, stderr=err, workdir=tmp_path, artifacts=artifacts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PYTEST_Q, Counts(passed=936, skipped=2)),
        (PYTEST_BANNER, Counts(passed=38, failed=1, xfailed=1, xpassed=1, warnings=2)),
        (PYTEST_RA, Counts(passed=2, skipped=1, errors=1)),
        (PYTEST_ANSI, Counts(passed=1, failed=1)),
        (PYTEST_TWO_SESSIONS, Counts(passed=2, failed=1)),
        ("===== no tests ran in 0.01s =====\n", Counts()),
        ("no tests ran in 0.00s\n", Counts()),
        ("==== 5 deselected in 0.02s ====\n", Counts()),
        ("1 passed, 1 pytest-warnings in 0.01 seconds\n", Counts(passed=1, warnings=1)),
        ("2 errors in 0.50s\n", Counts(errors=2)),
        ("=== 1 passed, 1 warning, 1 error in 0.03s ===\n", Counts(passed=1, warnings=1, errors=1)),
        ("10 passed, 2 rerun in 3661.00s (1:01:01)\n", Counts(passed=10)),
    ],
)
def test_pytest_summary_forms(tmp_path: Path, text: str, expected: Counts) -> None:
    result = parse(tmp_path, "pytest", text)
    assert result.counts == expected
    assert result.notes == ()


def test_pytest_without_summary_is_noted(tmp_path: Path) -> None:
    result = parse(tmp_path, "pytest", "Traceback (most recent call last):\n  oops\n")
    assert result.counts is None and "no summary" in result.notes[0]


def test_pytest_unknown_item_is_noted_not_dropped_silently() -> None:
    result = parse_pytest_text("3 passed, 2 flaked in 1.00s\n")
    assert result.counts == Counts(passed=3)
    assert "flaked" in result.notes[0]


def test_pytest_summary_found_before_a_megabyte_of_trailing_output(tmp_path: Path) -> None:
    text = "7 passed in 1.00s\n" + ("teardown chatter\n" * 80_000)
    assert parse(tmp_path, "pytest", text).counts == Counts(passed=7)


def test_cargo_sums_every_result_line_including_doc_tests(tmp_path: Path) -> None:
    result = parse(tmp_path, "cargo", CARGO)
    assert result.counts == Counts(passed=18, failed=1, skipped=3)


def test_cargo_without_results(tmp_path: Path) -> None:
    result = parse(tmp_path, "cargo", "error[E0425]: cannot find value `x`\n")
    assert result.counts is None and result.notes


def test_go_json_counts_tests_not_packages(tmp_path: Path) -> None:
    result = parse(tmp_path, "go-json", go_events())
    assert result.counts == Counts(passed=1, failed=2, skipped=1)
    assert any("non-JSON" in n for n in result.notes)
    assert any("example.com/core" in n for n in result.notes)


def test_junit_recounts_testcases_across_files_and_nested_suites(tmp_path: Path) -> None:
    result = parse(tmp_path, "junit", "", **{"a.xml": JUNIT_NESTED, "b.xml": JUNIT_SINGLE})
    assert result.counts == Counts(passed=4, failed=1, skipped=1, errors=1)


def test_junit_found_in_workdir_and_bad_file_noted(tmp_path: Path) -> None:
    (tmp_path / "test-results").mkdir()
    (tmp_path / "test-results" / "unit.xml").write_text(JUNIT_SINGLE)
    (tmp_path / "test-results" / "broken.xml").write_text("<testsuite><testcase")
    result = parse(tmp_path, "junit", "")
    assert result.counts == Counts(passed=2)
    assert any("broken.xml" in n for n in result.notes)


def test_junit_missing(tmp_path: Path) -> None:
    result = parse(tmp_path, "junit", "")
    assert result.counts is None and "no JUnit" in result.notes[0]


def test_metrics_from_last_json_line(tmp_path: Path) -> None:
    stdout = '{"warmup": 1}\nrunning 5 rounds\n{"ops_per_s": 1234.5, "p99_ms": 8, "host": "x", "mem": {"peak_mb": 300}}\ndone\n'
    result = parse(tmp_path, "metrics-json", stdout)
    assert result.counts is None
    assert result.metrics == {"ops_per_s": 1234.5, "p99_ms": 8, "mem.peak_mb": 300}
    assert any("host" in n for n in result.notes)


def test_metrics_artifact_wins_over_stdout(tmp_path: Path) -> None:
    result = parse(
        tmp_path, "metrics-json", '{"a": 1}\n', **{"out__metrics.json": '{"b": 2, "ok": true}'}
    )
    assert result.metrics == {"b": 2}
    assert any("ok" in n for n in result.notes)


def test_metrics_absent(tmp_path: Path) -> None:
    result = parse(tmp_path, "metrics-json", "no json here\n")
    assert result.metrics is None and result.notes


def test_exit_code_parser_reads_nothing(tmp_path: Path) -> None:
    assert parse(tmp_path, "exit-code", PYTEST_Q) == ParseResult(None, None, ())


def test_unknown_parser_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="unknown parser"):
        parse(tmp_path, "nunit", "")


def test_missing_log_is_noted(tmp_path: Path) -> None:
    result = parse_run(
        "pytest", stdout=tmp_path / "nope.log", stderr=tmp_path / "e", workdir=tmp_path
    )
    assert result.counts is None and result.notes


COUNTS = ParseResult(Counts(passed=5), None, ())


@pytest.mark.parametrize(
    ("exit_code", "result", "parser", "min_tests", "max_failures", "outcome", "words"),
    [
        (0, COUNTS, "pytest", None, 0, Outcome.PASS, "5 passed"),
        (1, COUNTS, "pytest", None, 0, Outcome.FAIL, "exit code 1; 5 passed"),
        (None, COUNTS, "pytest", None, 0, Outcome.FAIL, "signal"),
        (0, COUNTS, "pytest", 10, 0, Outcome.FAIL, "expected at least 10 tests, ran 5"),
        (0, ParseResult(Counts(), None, ()), "pytest", 1, 0, Outcome.FAIL, "ran 0"),
        (
            0,
            ParseResult(Counts(passed=1, skipped=9), None, ()),
            "pytest",
            5,
            0,
            Outcome.FAIL,
            "ran 1",
        ),
        (
            0,
            ParseResult(Counts(passed=4, failed=1), None, ()),
            "cargo",
            None,
            0,
            Outcome.FAIL,
            "exit code 0 but 1 failed",
        ),
        (
            0,
            ParseResult(Counts(passed=4, failed=1), None, ()),
            "cargo",
            None,
            1,
            Outcome.PASS,
            "4 passed",
        ),
        (
            0,
            ParseResult(None, None, ("x",)),
            "pytest",
            None,
            0,
            Outcome.PASS,
            "no pytest test summary",
        ),
        (0, ParseResult(None, None, ("x",)), "junit", 3, 0, Outcome.FAIL, "could be read"),
        (0, ParseResult(None, None, ()), "exit-code", None, 0, Outcome.PASS, ""),
        (0, ParseResult(None, None, ()), "exit-code", 1, 0, Outcome.FAIL, "counts no tests"),
        (2, ParseResult(None, {"x": 1}, ()), "metrics-json", None, 0, Outcome.FAIL, "exit code 2"),
    ],
)
def test_judge(
    exit_code: int | None,
    result: ParseResult,
    parser: str,
    min_tests: int | None,
    max_failures: int,
    outcome: Outcome,
    words: str,
) -> None:
    got, message = judge(
        exit_code, result, parser=parser, min_tests=min_tests, max_failures=max_failures
    )
    assert got is outcome
    assert words in message


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_junk_never_crashes_the_pytest_parser(text: str) -> None:
    result = parse_pytest_text(text)
    assert result.counts is not None or result.notes


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 10**6),
    st.integers(0, 10**4),
    st.integers(0, 10**4),
    st.integers(0, 100),
    st.floats(0, 10**5, allow_nan=False),
    st.booleans(),
)
@pytest.mark.slow
def test_generated_summaries_round_trip(
    passed: int, failed: int, skipped: int, errors: int, secs: float, banner: bool
) -> None:
    parts = [
        f"{n} {w}"
        for n, w in (
            (failed, "failed"),
            (passed, "passed"),
            (skipped, "skipped"),
            (errors, "errors"),
        )
        if n
    ]
    body = ", ".join(parts) or "no tests ran"
    line = f"{body} in {secs:.2f}s"
    if banner:
        line = f"===== {line} ====="
    result = parse_pytest_text(f"noise\n{line}\n")
    assert result.counts == Counts(passed=passed, failed=failed, skipped=skipped, errors=errors)
