"""The one place govkit talks to ruamel.yaml.

Human-written files are round-tripped (comments and key order survive an
edit by the CLI). Round-trip objects stay inside this module's callers that
write back; everything else gets plain dicts and lists.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from govkit.atomic import atomic_write_text
from govkit.errors import ValidationError


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


_SAFE: list[YAML] = []


def _safe() -> YAML:
    # Building a YAML object costs more than loading a small record: make one, reuse it.
    # pure=False picks the libyaml-based C parser (ruamel.yaml.clib) when installed.
    if not _SAFE:
        _SAFE.append(YAML(typ="safe", pure=False))
    return _SAFE[0]


def _error(exc: YAMLError, path: Path | None) -> ValidationError:
    line = column = None
    mark = getattr(exc, "problem_mark", None) if isinstance(exc, MarkedYAMLError) else None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"malformed YAML: {problem}" + (f" ({context})" if context else "")
    return ValidationError(
        message,
        path=path,
        line=line,
        column=column,
        hint="fix the YAML syntax at that position (check indentation, quotes and colons)",
    )


def load_round_trip(path: Path) -> Any:
    """Load a YAML file keeping comments and order, for editing and writing back."""
    text = read_text(path)
    try:
        return _round_trip().load(text)
    except YAMLError as exc:
        raise _error(exc, path) from None


def loads_round_trip(text: str, *, path: Path | None = None) -> Any:
    """Round-trip load from a string (front matter, tests)."""
    try:
        return _round_trip().load(text)
    except YAMLError as exc:
        raise _error(exc, path) from None


def load_plain(path: Path) -> Any:
    """Load a YAML file into plain Python objects, fast (libyaml when available)."""
    return loads_plain(read_text(path), path=path)


def loads_plain(text: str, *, path: Path | None = None) -> Any:
    """Plain load from a string."""
    try:
        return _safe().load(text)
    except YAMLError as exc:
        raise _error(exc, path) from None


def dumps(data: Any) -> str:
    """Serialize round-trip or plain data to a YAML string."""
    buf = io.StringIO()
    _round_trip().dump(data, buf)
    return buf.getvalue()


def write(path: Path, data: Any) -> None:
    """Atomically write data as YAML."""
    atomic_write_text(path, dumps(data))


def key_line(mapping: Any, key: str) -> int | None:
    """1-based line of `key` in a round-trip mapping, when known."""
    if isinstance(mapping, CommentedMap):
        try:
            pos = mapping.lc.key(key)
        except (KeyError, TypeError, AttributeError):
            return None
        if pos is not None:
            return int(pos[0]) + 1
    return None


def to_plain(data: Any) -> Any:
    """Deep-convert round-trip containers to dict/list."""
    if isinstance(data, dict):
        return {str(k): to_plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_plain(v) for v in data]
    return data


# Unicode line breaks that ruamel writes raw inside plain/single-quoted scalars,
# where a loader folds them; only double quotes escape them faithfully.
_RAW_BREAKS = frozenset("\x85\u2028\u2029")


def text_scalar(value: str) -> str:
    """`value` styled so that dumping and loading it gives back exactly `value`."""
    if _RAW_BREAKS.intersection(value):
        quoted: str = DoubleQuotedScalarString(value)
        return quoted
    return value


def literal(text: str) -> str:
    """`text` written as a literal block (`|`), for multi-line shell scripts."""
    block: str = LiteralScalarString(text)
    return block


def new_map(items: dict[str, Any] | None = None) -> CommentedMap:
    """A round-trip mapping (keeps insertion order on dump)."""
    cm = CommentedMap()
    for k, v in (items or {}).items():
        cm[k] = v
    return cm


def new_seq(items: list[Any] | None = None) -> CommentedSeq:
    """A round-trip sequence."""
    return CommentedSeq(items or [])


def read_text(path: Path) -> str:
    """Read a UTF-8 text file with a govkit error (not a traceback) when that fails."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError("file not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"not valid UTF-8 at byte {exc.start}", path=path, hint="save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise ValidationError(f"cannot read: {exc.strerror}", path=path) from None
