"""Record ids: the program's scheme, validated so an id can never escape a directory."""

from __future__ import annotations

import re

from govkit.errors import ValidationError

MAX_ID_LENGTH = 64

# Any id: starts alphanumeric, then letters, digits, '.', '_', '-'. No '/', no '..'.
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# The scheme per kind (DESIGN.md §4). Consumers are free-form names.
ID_PATTERNS: dict[str, re.Pattern[str]] = {
    "milestone": re.compile(r"^M\d+$"),
    "task": re.compile(r"^M\d+-T\d+$|^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$"),
    "finding": re.compile(r"^F\d+$"),
    "blocker": re.compile(r"^B\d+$"),
    "resolution": re.compile(r"^R\d+$"),
    "consumer": _SAFE,
    "decision": re.compile(r"^D-\d{3,}$"),
    "gate": re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$"),
}

ID_EXAMPLES: dict[str, str] = {
    "milestone": "M1",
    "task": "M1-T03",
    "finding": "F7",
    "blocker": "B5",
    "resolution": "R12",
    "consumer": "loop-agent",
    "decision": "D-017",
    "gate": "VG-LA-002",
}


def check_safe_id(value: str, *, what: str = "id") -> str:
    """Reject ids that could be paths or are unbounded; return the id."""
    if not value:
        raise ValidationError(f"{what} is empty")
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(f"{what} {value[:20]!r}… is longer than {MAX_ID_LENGTH} characters")
    if ".." in value or "/" in value or "\\" in value or not _SAFE.fullmatch(value):
        raise ValidationError(
            f"{what} {value!r} is not a valid id",
            hint="use letters, digits, '.', '_' and '-' only, starting with a letter or digit",
        )
    return value


def check_id(kind: str, value: str) -> str:
    """Validate an id against its kind's scheme."""
    check_safe_id(value, what=f"{kind} id")
    pattern = ID_PATTERNS.get(kind)
    if pattern is not None and not pattern.fullmatch(value):
        raise ValidationError(
            f"{kind} id {value!r} does not follow the scheme",
            hint=f"{kind} ids look like {ID_EXAMPLES[kind]}",
        )
    return value


def id_sort_key(value: str) -> tuple[object, ...]:
    """Natural order: M2 < M10, M1-T2 < M1-T10, D-009 < D-010."""
    parts = re.split(r"(\d+)", value)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)
