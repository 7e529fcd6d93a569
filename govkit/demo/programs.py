"""The demo program's three repositories, as file trees per commit.

A core library with a real pytest suite, a consumer that imports it, and a
perf harness that prints metrics JSON. Each repo's history is a list of
commits; each commit is the files it writes.
"""

from __future__ import annotations

from dataclasses import dataclass

CORE_V1 = '''\
"""corelib: the program's core library (demo)."""

from __future__ import annotations


def parse_version(text: str) -> tuple[int, ...]:
    """'1.2.3' -> (1, 2, 3); a 'v' prefix and a '-suffix' are ignored."""
    core = text.strip().lstrip("v").split("-", 1)[0]
    if not core:
        raise ValueError("empty version")
    return tuple(int(part) for part in core.split("."))


def checksum(data: bytes) -> int:
    """A small Fletcher-16 checksum."""
    a = b = 0
    for byte in data:
        a = (a + byte) % 255
        b = (b + a) % 255
    return (b << 8) | a
'''

CORE_BATCH = '''

def batch(items: list[int], size: int) -> list[list[int]]:
    """Split items into consecutive batches of at most `size`."""
    if size < 1:
        raise ValueError("size must be >= 1")
    return [items[i : i + size] for i in range(0, len(items), size)]
'''

# The "experimental" change: an off-by-one that drops the last partial batch.
CORE_BATCH_BROKEN = '''

def batch(items: list[int], size: int) -> list[list[int]]:
    """Split items into consecutive batches of at most `size` (faster, they said)."""
    if size < 1:
        raise ValueError("size must be >= 1")
    return [items[i : i + size] for i in range(0, len(items) - size + 1, size)]
'''

CORE_TESTS_V1 = """\
import pytest

from corelib import checksum, parse_version


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.2.3", (1, 2, 3)), ("v2.0", (2, 0)), ("3.1.4-rc1", (3, 1, 4)), ("10", (10,))],
)
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_parse_version_rejects_empty():
    with pytest.raises(ValueError):
        parse_version("v")


@pytest.mark.parametrize("data", [b"", b"a", b"abcde", b"abcdef", bytes(range(256))])
def test_checksum_is_stable(data):
    assert checksum(data) == checksum(bytes(data))


def test_checksum_known_value():
    assert checksum(b"abcde") == 0xC8F0
"""

CORE_TESTS_BATCH = """

from corelib import batch


@pytest.mark.parametrize(
    ("n", "size", "expected_batches"), [(0, 3, 0), (3, 3, 1), (7, 3, 3), (9, 2, 5), (1, 5, 1)]
)
def test_batch_counts(n, size, expected_batches):
    assert len(batch(list(range(n)), size)) == expected_batches


def test_batch_keeps_every_item():
    items = list(range(11))
    assert [x for b in batch(items, 4) for x in b] == items


def test_batch_rejects_zero():
    with pytest.raises(ValueError):
        batch([1], 0)
"""

CONFTEST_SIBLING = '''\
"""Import the core library from its sibling clone (govkit clones a tuple's repos side by side)."""

import sys
from pathlib import Path

here = Path(__file__).resolve().parent
for candidate in (here.parent / "src", here.parent / "core-lib" / "src"):
    if candidate.is_dir():
        sys.path.insert(0, str(candidate))
'''

CONSUMER_V1 = '''\
"""The consumer's pipeline: versions in, release notes out (demo)."""

from corelib import parse_version


def newest(versions: list[str]) -> str:
    """The highest version string."""
    return max(versions, key=parse_version)
'''

CONSUMER_V2 = (
    CONSUMER_V1
    + '''

def chunked_report(values: list[int], size: int) -> list[int]:
    """Sum of each batch, using the core's batch helper."""
    from corelib import batch

    return [sum(b) for b in batch(values, size)]
'''
)

CONSUMER_TESTS_V1 = """\
from pipeline import newest


def test_newest_picks_highest():
    assert newest(["1.2.0", "1.10.0", "1.9.9"]) == "1.10.0"


def test_newest_ignores_prefix():
    assert newest(["v0.9", "1.0"]) == "1.0"


def test_newest_single():
    assert newest(["2.0"]) == "2.0"
"""

CONSUMER_TESTS_V2 = """

import pytest

from pipeline import chunked_report


@pytest.mark.parametrize(("size", "expected"), [(2, [1, 5, 9, 6]), (3, [3, 12, 6]), (10, [21])])
def test_chunked_report(size, expected):
    assert chunked_report([0, 1, 2, 3, 4, 5, 6], size) == expected
"""

PERF_HARNESS = '''\
"""Perf harness: times the core library and prints one metrics JSON line."""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "core-lib" / "src"))

from corelib import checksum, parse_version  # noqa: E402

data = bytes(range(256)) * 4096


def timed(fn, rounds):
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# Best of 15: on a loaded machine a best of 5 still caught a busy spell (x1.76 seen).
checksum_ms = timed(lambda: checksum(data), 15) * 1000
parse_us = timed(lambda: [parse_version("12.34.56-rc1") for _ in range(20000)], 15) * 1e6 / 20000
print(json.dumps({"checksum_ms": round(checksum_ms, 3), "parse_version_us": round(parse_us, 3)}))
'''


@dataclass(frozen=True)
class DemoCommit:
    """One commit of a demo repo: its message, the files it writes, and a tag."""

    message: str
    files: dict[str, str]
    tag: str = ""


DEMO_REPOS: dict[str, list[DemoCommit]] = {
    "core-lib": [
        DemoCommit(
            "core: version parsing and checksum",
            {
                "src/corelib/__init__.py": CORE_V1,
                "tests/test_corelib.py": CORE_TESTS_V1,
                "tests/conftest.py": CONFTEST_SIBLING,
                "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
            },
            tag="v1",
        ),
        DemoCommit(
            "core: add batch helper",
            {
                "src/corelib/__init__.py": CORE_V1 + CORE_BATCH,
                "tests/test_corelib.py": CORE_TESTS_V1 + CORE_TESTS_BATCH,
            },
            tag="v2",
        ),
        DemoCommit(
            "core: faster batch (experimental)",
            {"src/corelib/__init__.py": CORE_V1 + CORE_BATCH_BROKEN},
            tag="v3-experimental",
        ),
    ],
    "consumer-app": [
        DemoCommit(
            "consumer: newest-version pipeline",
            {
                "pipeline.py": CONSUMER_V1,
                "tests/test_pipeline.py": CONSUMER_TESTS_V1,
                "conftest.py": CONFTEST_SIBLING,
            },
            tag="v1",
        ),
        DemoCommit(
            "consumer: chunked report on core batch",
            {
                "pipeline.py": CONSUMER_V2,
                "tests/test_pipeline.py": CONSUMER_TESTS_V1 + CONSUMER_TESTS_V2,
            },
            tag="v2",
        ),
    ],
    "perf-harness": [
        DemoCommit("perf: checksum and parse timings", {"bench.py": PERF_HARNESS}, tag="v1"),
    ],
}
