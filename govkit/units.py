"""Durations ("30m", "90s", "1h30m", "14d") and sizes ("512M", "4G") as users write them."""

from __future__ import annotations

import re

from govkit.errors import ValidationError

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def yaml_kind(value: object) -> str:
    """What a loaded YAML value is, in the user's words: 'a list', 'a mapping', 'true/false'."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return type(value).__name__


def parse_duration(text: str | int | float, *, field: str = "duration") -> float:
    """Seconds from '30m', '1h30m', '90', '2.5s'."""
    # YAML hands over whatever the user wrote (a list, a mapping, true); name the field, not a crash.
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ValidationError(
            f"{field} must be a duration, not {yaml_kind(text)}",
            hint="write it like 90s, 30m, 1h30m or 14d",
        )
    if isinstance(text, int | float):
        if text < 0:
            raise ValidationError(f"{field} {text!r} is negative", hint="give a positive duration")
        return float(text)
    s = text.strip()
    pos = 0
    total = 0.0
    matched = False
    while pos < len(s):
        m = _DURATION.match(s, pos)
        if not m or m.end() == pos:
            break
        unit = m.group(2).lower() if m.group(2) else None
        total += float(m.group(1)) * _DURATION_UNITS[unit]
        pos = m.end()
        matched = True
        while pos < len(s) and s[pos] == " ":
            pos += 1
    if not matched or pos != len(s):
        raise ValidationError(
            f"{field} {text!r} is not a duration", hint="write it like 90s, 30m, 1h30m or 14d"
        )
    return total


def parse_size(text: str | int, *, field: str = "size") -> int:
    """Bytes from '512M', '4G', '4GiB', '1024'."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise ValidationError(
            f"{field} must be a size, not {yaml_kind(text)}", hint="write it like 512M or 4G"
        )
    if isinstance(text, int):
        if text < 0:
            raise ValidationError(f"{field} {text!r} is negative", hint="write it like 512M or 4G")
        return text
    m = _SIZE.match(text)
    if not m:
        raise ValidationError(f"{field} {text!r} is not a size", hint="write it like 512M or 4G")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2).upper()])


def format_size(n: int | None) -> str:
    """'1.5G', '300M', '12K'."""
    if n is None:
        return "-"
    for unit, factor in (("T", 1024**4), ("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return f"{n}B"


def format_duration(seconds: float | None) -> str:
    """'850ms', '12.3s', '4m05s', '1h02m'."""
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def exact_size(n: int) -> str | int:
    """4294967296 -> '4G': the exact unit a person would write (for govkit.yaml), else bytes."""
    for unit, factor in (("T", 1024**4), ("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if n % factor == 0:
            return f"{n // factor}{unit}"
    return n


def exact_duration(seconds: float) -> str:
    """1800 -> '30m': the exact unit a person would write (for govkit.yaml)."""
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds}s"
    for unit, size in (("h", 3600), ("m", 60)):
        if whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"
