"""`govkit import learnings NOTES.md`: a session's learnings note becomes learning records.

The note's shape: an H1 naming the topic, then one `## ` section per learning. Inside
a section, parts are named by `### Heading` or a bold label line (`**Problem:**`):

| part named like                                   | becomes            |
|---------------------------------------------------|--------------------|
| Problem, Issue, Bug, Symptom, Root cause          | `problem`          |
| Solution, Fix, Change(s), Implementation, Summary | `change`           |
| Files, Files modified/changed/touched             | `files` (paths)    |
| Verification, Verified, Testing, Tests            | `verification`     |
| Next steps, Next, Follow-up, Future, TODO         | `next_steps`       |
| anything else                                     | `notes`, under its name |

Text before the first part goes to `change`. Nothing the note says is dropped: a
part with no field of its own lands in `notes`, and text outside any `## ` section is
reported as ignored with its line. Task ids that exist in the workspace and appear in
a section link the learning to them. Each learning keeps `source: FILE#LINE`, so
importing the same note again creates nothing new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from govkit.errors import ValidationError
from govkit.importers import BlockNote, ImportItem, ImportReport
from govkit.workspace import Workspace

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LABEL = re.compile(r"^\*\*([^*]+?):?\*\*:?\s*(.*)$")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_PATH = re.compile(r"^`([^`\s]+)`\s*[:—–-]?\s*(.*)$")
_TASK_TOKEN = re.compile(r"\b[A-Za-z][A-Za-z0-9]*-T\d+\b|\bM\d+-T\d+\b")
_FENCE = re.compile(r"^\s*(```|~~~)")

# field -> words that name it (matched against the start of a part's name, lower-case)
_PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("problem", ("problem", "issue", "bug", "symptom", "root cause")),
    ("files", ("files", "file changes", "files modified", "files changed", "files touched")),
    ("verification", ("verification", "verified", "verify", "testing", "tests", "how verified")),
    ("next_steps", ("next steps", "next", "follow-up", "follow up", "future", "todo")),
    (
        "change",
        ("solution", "fix", "change", "changes", "implementation", "summary", "what was done"),
    ),
)


@dataclass
class _Part:
    name: str  # "" for the text before the first named part
    line: int
    lines: list[str] = field(default_factory=list)


@dataclass
class _Section:
    title: str
    line: int
    parts: list[_Part] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedLearning:
    """One learning read from the note, before it is written."""

    title: str
    line: int
    values: dict[str, str | tuple[str, ...]]


def _field_of(name: str) -> str | None:
    key = re.sub(r"\(.*?\)", "", name).strip().lower().rstrip(":")
    for field_name, words in _PARTS:
        if any(key == w or key.startswith(w + " ") for w in words):
            return field_name
    return None


def _split(text: str) -> tuple[str, list[_Section], list[tuple[int, str]]]:
    """(topic, sections, ignored (line, text)) of a learnings note."""
    topic = ""
    sections: list[_Section] = []
    ignored: list[tuple[int, str]] = []
    in_fence = False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading and len(heading.group(1)) == 1 and not topic and not sections:
            topic = heading.group(2)
            continue
        if heading and len(heading.group(1)) == 2:
            sections.append(_Section(heading.group(2), n))
            continue
        if not sections:
            if line.strip():
                ignored.append((n, line.strip()))
            continue
        sec = sections[-1]
        label = None if in_fence else _LABEL.match(line.strip())
        if heading and len(heading.group(1)) >= 3:
            sec.parts.append(_Part(heading.group(2), n))
        elif label and not label.group(2).startswith("*"):
            sec.parts.append(_Part(label.group(1), n))
            if label.group(2):
                sec.parts[-1].lines.append(label.group(2))
        else:
            if not sec.parts:
                sec.parts.append(_Part("", n))
            sec.parts[-1].lines.append(raw)
    return topic, sections, ignored


def _block(lines: list[str]) -> str:
    """The part's text, blank lines at both ends dropped, indentation kept."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(lines)


def _items(lines: list[str]) -> list[str]:
    """Top-level list items (nested lines folded into their item); plain lines are items too."""
    items: list[str] = []
    indent: int | None = None
    for raw in lines:
        if not raw.strip() or _FENCE.match(raw):
            continue
        m = _BULLET.match(raw)
        if m and (indent is None or len(m.group(1)) <= indent):
            indent = len(m.group(1))
            items.append(m.group(2).strip())
        elif items:
            items[-1] += " " + (m.group(2) if m else raw).strip()
        else:
            items.append(raw.strip())
    return items


def plan_learnings(
    text: str, *, source: str, tasks: set[str]
) -> tuple[list[PlannedLearning], list[tuple[int, str]]]:
    """The learnings of a note, and what was ignored (line, text) because no section holds it."""
    topic, sections, ignored = _split(text)
    if not sections and topic:
        raise ValidationError(
            f"the note {topic!r} has no `## ` sections: each learning is one `## ` section",
            line=1,
            hint="put each session's learning under its own `## heading`",
        )
    planned = []
    for sec in sections:
        values: dict[str, list[str]] = {}
        change: list[str] = []
        described: list[str] = []  # "- `path`: what changed there", from the files part
        notes: list[str] = []
        for part in sec.parts:
            body = _block(part.lines)
            target = "change" if part.name == "" else _field_of(part.name)
            if target in ("files", "verification", "next_steps"):
                for item in _items(part.lines):
                    if target == "files":
                        m = _PATH.match(item)
                        path, what = (m.group(1), m.group(2)) if m else (item, "")
                        values.setdefault("files", []).append(path)
                        if what:
                            described.append(f"- `{path}`: {what}")
                    else:
                        values.setdefault(target, []).append(item)
            elif target in ("problem", "change") and body:
                (change if target == "change" else values.setdefault("problem", [])).append(body)
            elif body:
                notes.append(f"{part.name}:\n{body}")
        title = re.sub(r"^(?:task|learning)\s*:\s*", "", sec.title, flags=re.I).strip()
        found = sorted({t for t in _TASK_TOKEN.findall(sec.title + "\n" + _all(sec)) if t in tasks})
        out: dict[str, str | tuple[str, ...]] = {
            "title": title or sec.title,
            "problem": "\n\n".join(values.get("problem", [])),
            "change": "\n\n".join(change + (["\n".join(described)] if described else [])),
            "notes": "\n\n".join(([f"Topic: {topic}"] if topic else []) + notes),
            "source": f"{source}#{sec.line}",
        }
        for name in ("files", "verification", "next_steps"):
            if values.get(name):
                out[name] = tuple(values[name])
        if found:
            out["tasks"] = tuple(found)
        planned.append(PlannedLearning(title or sec.title, sec.line, out))
    return planned, ignored


def _all(sec: _Section) -> str:
    return "\n".join(line for p in sec.parts for line in p.lines)


def import_learnings(
    ws: Workspace,
    path: Path,
    *,
    tasks: tuple[str, ...] = (),
    owner: str | None = None,
    lane: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Create a learning record per `## ` section of the note at `path` (see module doc)."""
    from govkit.records import ops, store

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError("no such file", path=path) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(f"not valid UTF-8 at byte {exc.start}", path=path) from None
    known_tasks = {t.id for t in store.load_kind(ws, "task")}
    for t in tasks:
        if t not in known_tasks:
            raise ValidationError(
                f"--task {t}: no such task",
                hint=f"create it first: govkit task add {t} --title ...",
            )
    source = ws.rel(path.resolve()) if path.resolve().is_relative_to(ws.root) else str(path)
    try:
        planned, ignored = plan_learnings(text, source=source, tasks=known_tasks)
    except ValidationError as exc:
        raise ValidationError(exc.message, path=path, line=exc.line, hint=exc.hint) from None
    # Prose outside any section is said, not imported: a warning with its line.
    warnings = tuple(
        f"{source}:{n}: ignored, outside any `## ` section: {line[:60]}" for n, line in ignored
    )
    blocks = [BlockNote(n, "text", "ignored: outside any `## ` section") for n, _ in ignored]
    existing = store.load_kind(ws, "learning")
    imported = {getattr(r, "source", ""): r.id for r in existing}
    taken = [int(r.id[1:]) for r in existing if r.id[1:].isdigit()]
    next_number = max(taken, default=0) + 1
    items: list[ImportItem] = []
    for p in planned:
        src = str(p.values["source"])
        if src in imported:
            items.append(
                ImportItem(
                    "learning",
                    imported[src],
                    "skipped",
                    f"already imported from {src}",
                    line=p.line,
                )
            )
            continue
        values = dict(p.values)
        if tasks:
            values["tasks"] = tuple(dict.fromkeys((*tasks, *values.get("tasks", ()))))
        if owner:
            values["owner"] = owner
        if lane:
            values["lane"] = lane
        record_id = f"L{next_number}"
        next_number += 1
        blocks.append(BlockNote(p.line, "section", f"learning {record_id}"))
        if dry_run:
            items.append(ImportItem("learning", record_id, "created", p.title, line=p.line))
            continue
        record = ops.add_record(ws, "learning", record_id, values)
        where = ws.rel(record.path) if record.path else ""
        items.append(ImportItem("learning", record.id, "created", p.title, where, p.line))
    blocks.sort(key=lambda b: b.line)
    return ImportReport(str(path), tuple(items), dry_run, blocks=tuple(blocks), warnings=warnings)
