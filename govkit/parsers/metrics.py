"""metrics-json: numbers for perf gates, from a metrics.json artifact or stdout's last JSON line."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govkit.parsers.base import ParseResult, missing, read_tail


def flatten_numbers(data: dict[str, Any], prefix: str = "") -> tuple[dict[str, Any], list[str]]:
    """Numeric leaves as 'a.b' -> number; the names of everything else."""
    out: dict[str, Any] = {}
    skipped: list[str] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            sub, sub_skipped = flatten_numbers(value, f"{name}.")
            out.update(sub)
            skipped.extend(sub_skipped)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                skipped.append(name)
            else:
                out[name] = value
        else:
            skipped.append(name)
    return out, skipped


def _last_json_object(stdout: Path) -> dict[str, Any] | None:
    text, _ = read_tail(stdout)
    for line in reversed(text.splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def parse_metrics_json(stdout: Path, *, artifacts: Sequence[Path] = ()) -> ParseResult:
    """Metrics from metrics.json among the artifacts, else the last JSON object line of stdout."""
    notes: list[str] = []
    data: dict[str, Any] | None = None
    source = ""
    for path in artifacts:
        if path.name == "metrics.json" and path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                notes.append(f"metrics-json: {path.name} is not JSON: {exc}")
                continue
            if isinstance(loaded, dict):
                data, source = loaded, path.name
                break
            notes.append(f"metrics-json: {path.name} is not a JSON object")
    if data is None:
        absent = missing(stdout)
        if absent is not None:
            return ParseResult(None, None, (*notes, *absent.notes))
        data, source = _last_json_object(stdout), "stdout"
    if data is None:
        return ParseResult(None, None, (*notes, "metrics-json: no JSON object found"))
    metrics, skipped = flatten_numbers(data)
    if skipped:
        notes.append(f"metrics-json: non-numeric values in {source} ignored: {', '.join(skipped)}")
    return ParseResult(None, metrics, tuple(notes))
