"""The one place govkit talks to ruamel.yaml.

Human-written files are round-tripped (comments and key order survive an
edit by the CLI). Round-trip objects stay inside this module's callers that
write back; everything else gets plain dicts and lists.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit.errors import ValidationError

if TYPE_CHECKING:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

# ruamel.yaml is imported on first use (it costs more to import than a command that reads
# only cached data takes to run): every function below that parses or dumps imports it.


def _yaml_error() -> type[YAMLError]:
    from ruamel.yaml.error import YAMLError

    return YAMLError


def _round_trip() -> YAML:
    from ruamel.yaml import YAML

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
        from ruamel.yaml import YAML

        _SAFE.append(YAML(typ="safe", pure=False))
    return _SAFE[0]


def _error(exc: YAMLError, path: Path | None) -> ValidationError:
    from ruamel.yaml.error import MarkedYAMLError

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
    except _yaml_error() as exc:
        raise _error(exc, path) from None


def loads_round_trip(text: str, *, path: Path | None = None) -> Any:
    """Round-trip load from a string (front matter, tests)."""
    try:
        return _round_trip().load(text)
    except _yaml_error() as exc:
        raise _error(exc, path) from None


def load_plain(path: Path) -> Any:
    """Load a YAML file into plain Python objects, fast (libyaml when available)."""
    return loads_plain(read_text(path), path=path)


def loads_plain(text: str, *, path: Path | None = None) -> Any:
    """Plain load from a string."""
    try:
        return _safe().load(text)
    except _yaml_error() as exc:
        raise _error(exc, path) from None


# A line that starts a document marker or a directive: such a text cannot be one document
# of a joined stream. YAML line breaks, and those ruamel also treats as breaks.
_STREAM_MARK = re.compile(r"(?:\A|[\r\n\x85\u2028\u2029])(?:---|\.\.\.|%)")


def loads_plain_each(texts: Sequence[str]) -> list[Any] | None:
    """Plain data of each text, as loads_plain gives it; None when that cannot be done fast."""
    read = loads_plain_each_read(texts)
    return None if read is None else read[0]


def loads_plain_each_read(texts: Sequence[str]) -> tuple[list[Any], list[int]] | None:
    """loads_plain_each, also saying which texts ruamel read (the others hold only str, None,
    lists and string-keyed dicts: JSON gives them back unchanged).

    Record files in the layout govkit writes are read by `loads_simple`; the rest are
    joined into one stream of documents, because setting up a parse costs ruamel several
    times what a small file costs. None when a text could change the document boundaries
    (a marker, a directive, a BOM) or the stream does not parse: the caller then parses
    each text on its own, for its own error.
    """
    docs: list[Any] = [loads_simple(text) for text in texts]
    rest = [i for i, doc in enumerate(docs) if doc is None]
    parts = []
    for i in rest:
        text = texts[i]
        if text.startswith("\ufeff") or _STREAM_MARK.search(text):
            return None
        parts.append("--- \n" + text + ("" if text.endswith(("\n", "\r")) else "\n"))
    if not parts:
        return docs, rest
    try:
        parsed = list(_safe().load_all("".join(parts)))
    except _yaml_error():
        return None
    if len(parsed) != len(rest):
        return None
    for i, doc in zip(rest, parsed, strict=True):
        docs[i] = doc
    return docs, rest


# The layout yamlio.dumps writes for a record: `key: scalar` lines, `key:` followed by a
# block sequence of scalars or of one-level mappings, `[]`. Anything else (comments,
# flow collections, block scalars, deeper nesting, a scalar YAML could read as anything
# but a string) makes loads_simple give up, and ruamel reads the file.
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?\Z")
# A run id (20261203T073831.381Z-VG-CORE-001-0ea9abe565e2): the one digit-first scalar records
# hold often (evidence lists). YAML reads it as a string: no int, float or timestamp (that
# needs a '-' after the year) has this shape.
_RUN_ID = re.compile(r"\d{8}T\d{6}(?:\.\d{1,9})?Z-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\Z")
_NOT_STRINGS = frozenset({"null", "true", "false", "yes", "no", "on", "off", "y", "n"})
_GIVE_UP = object()


def _simple_scalar(text: str) -> Any:
    """The string a one-line scalar stands for, or _GIVE_UP when it might be anything else."""
    if text == "[]":
        return []
    if not text.isprintable() or text != text.strip():
        return _GIVE_UP
    if len(text) >= 2 and text[0] == text[-1] == "'":
        inner = text[1:-1]
        return inner.replace("''", "'") if "'" not in inner.replace("''", "") else _GIVE_UP
    if len(text) >= 2 and text[0] == text[-1] == '"':
        inner = text[1:-1]
        return inner if '"' not in inner and "\\" not in inner else _GIVE_UP
    first = text[:1]
    if "0" <= first <= "9" and _RUN_ID.match(text):
        return text
    if not ("a" <= first <= "z" or "A" <= first <= "Z") or ":" in text or "#" in text:
        return _GIVE_UP
    return _GIVE_UP if text.lower() in _NOT_STRINGS else text


def loads_simple(text: str) -> dict[str, Any] | None:
    """A record file in the layout govkit writes, read without ruamel; None otherwise."""
    if not text or "\r" in text or "\t" in text:
        return None
    lines = [line for line in text.split("\n") if line]
    out: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        m = _KEY_LINE.match(lines[i])
        if m is None or m.group(1) in out or m.group(1).lower() in _NOT_STRINGS:
            return None
        key, raw = m.group(1), m.group(2)
        i += 1
        if raw is not None:
            value = _simple_scalar(raw)
            if value is _GIVE_UP:
                return None
            out[key] = value
            continue
        items: list[Any] = []
        while i < len(lines) and lines[i].startswith("  - "):
            item, i = _simple_item(lines, i)
            if item is _GIVE_UP:
                return None
            items.append(item)
        if i < len(lines) and lines[i].startswith(" "):
            return None  # indented, but not as a sequence item
        out[key] = items if items else None
    return out or None


def _simple_item(lines: list[str], i: int) -> tuple[Any, int]:
    """One `  - ` item at lines[i]: a scalar or a one-level mapping; (value, next line)."""
    head = lines[i][4:]
    m = _KEY_LINE.match(head)
    if m is None:
        return _simple_scalar(head), i + 1
    item: dict[str, Any] = {}
    while True:
        key, raw = m.group(1), m.group(2)
        if key in item or key.lower() in _NOT_STRINGS:
            return _GIVE_UP, i
        value = None if raw is None else _simple_scalar(raw)
        if value is _GIVE_UP:
            return _GIVE_UP, i
        item[key] = value
        i += 1
        if i >= len(lines) or not lines[i].startswith("    ") or lines[i][4:5] == " ":
            return item, i
        m = _KEY_LINE.match(lines[i][4:])
        if m is None:
            return _GIVE_UP, i


def dumps(data: Any) -> str:
    """Serialize round-trip or plain data to a YAML string."""
    buf = io.StringIO()
    _round_trip().dump(data, buf)
    return buf.getvalue()


def write(path: Path, data: Any) -> None:
    """Atomically write data as YAML."""
    from govkit.atomic import atomic_write_text

    atomic_write_text(path, dumps(data))


def _is_commented_map(value: Any) -> bool:
    from ruamel.yaml.comments import CommentedMap

    return isinstance(value, CommentedMap)


def key_line(mapping: Any, key: str) -> int | None:
    """1-based line of `key` in a round-trip mapping, when known."""
    if _is_commented_map(mapping):
        try:
            pos = mapping.lc.key(key)
        except (KeyError, TypeError, AttributeError):
            return None
        if pos is not None:
            return int(pos[0]) + 1
    return None


def mapping_line(mapping: Any) -> int | None:
    """1-based line where a round-trip mapping starts, when known (for a key it lacks)."""
    if _is_commented_map(mapping):
        line = getattr(mapping.lc, "line", None)
        return int(line) + 1 if line is not None else None
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
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        quoted: str = DoubleQuotedScalarString(value)
        return quoted
    return value


def literal(text: str) -> str:
    """`text` written as a literal block (`|`), for multi-line shell scripts."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    block: str = LiteralScalarString(text)
    return block


def new_map(items: dict[str, Any] | None = None) -> CommentedMap:
    """A round-trip mapping (keeps insertion order on dump)."""
    from ruamel.yaml.comments import CommentedMap

    cm = CommentedMap()
    for k, v in (items or {}).items():
        cm[k] = v
    return cm


def new_seq(items: list[Any] | None = None) -> CommentedSeq:
    """A round-trip sequence."""
    from ruamel.yaml.comments import CommentedSeq

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
