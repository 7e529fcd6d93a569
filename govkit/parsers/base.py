"""What a parser returns, and reading big logs without loading them whole."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit.evidence.record import Counts

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TAIL = 1 << 20  # summaries sit at the end; read this much of it first


@dataclass(frozen=True)
class ParseResult:
    """Counts (test parsers) or metrics (metrics-json), and notes on what could not be read."""

    counts: Counts | None
    metrics: dict[str, Any] | None
    notes: tuple[str, ...]


def strip_ansi(text: str) -> str:
    """Remove colour and cursor escape codes."""
    return ANSI.sub("", text)


def read_tail(path: Path, size: int = _TAIL) -> tuple[str, bool]:
    """The last `size` bytes as text, and whether that is the whole file."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        end = fh.tell()
        start = max(0, end - size)
        fh.seek(start)
        data = fh.read()
    text = data.decode("utf-8", errors="replace")
    if start > 0:
        text = text.partition("\n")[2]  # drop the partial first line
    return text, start == 0


def iter_lines(path: Path) -> Iterator[str]:
    """Decoded lines of a log of any size, one at a time."""
    with path.open("rb") as fh:
        for raw in fh:
            yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def missing(path: Path) -> ParseResult | None:
    """A result with a note when a log file is absent."""
    if path.is_file():
        return None
    return ParseResult(counts=None, metrics=None, notes=(f"{path.name}: no such file",))
