"""Record ids: the program's scheme, validated so an id can never escape a directory."""

from __future__ import annotations

import re

from govkit.errors import ValidationError
from govkit.records.kinds import KINDS

MAX_ID_LENGTH = 64

# Any id: starts alphanumeric, then letters, digits, '.', '_', '-'. No '/', no '..'.
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# Schemes of the ids that are not record kinds (record kinds declare theirs in
# govkit.records.model.KINDS): DESIGN.md §4.
OTHER_SCHEMES: dict[str, tuple[re.Pattern[str], str]] = {
    "decision": (re.compile(r"^D-\d{3,}$"), "D-017"),
    "gate": (re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$"), "VG-LA-002"),
}


def id_scheme(kind: str) -> tuple[re.Pattern[str], str] | None:
    """(pattern, example) of a kind's ids, or None when any safe id will do."""
    row = KINDS.get(kind)
    if row is None:
        return OTHER_SCHEMES.get(kind)
    return None if row.id_pattern is None else (row.id_pattern, row.id_example)


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
    scheme = id_scheme(kind)
    if scheme is not None and not scheme[0].fullmatch(value):
        raise ValidationError(
            f"{kind} id {value!r} does not follow the scheme",
            hint=f"{kind} ids look like {scheme[1]}",
        )
    return value


_NUMBERS = re.compile(r"(\d+)")


def id_sort_key(value: str) -> tuple[object, ...]:
    """Natural order: M2 < M10, M1-T2 < M1-T10, D-009 < D-010."""
    # A list, then a tuple: this sorts every record file of a workspace (twice as fast).
    return tuple([(0, int(p)) if p.isdigit() else (1, p) for p in _NUMBERS.split(value) if p])
