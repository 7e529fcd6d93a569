"""`govkit import adr`: an existing decision folder becomes govkit decisions.

Reads the three shapes found in real repositories:

* Nygard / adr-tools: `# 1. Title`, a `Date:` line, a `## Status` section
  ("Accepted", "Supercedes [2. …](0002-….md)", "Superseded by […](…)");
* MADR 2: `* Status: accepted`, `* Deciders: …`, `* Date: …` bullets;
* MADR 3/4: YAML front matter (status, date, deciders or decision-makers,
  consulted, informed).

The file name's number is authoritative (a copied template often leaves a
stale `# 3.` heading); a heading that disagrees is a warning naming both. A file
with no number anywhere (log4brains-style date names) gets the next number
after the folder's highest, and says so. Statuses are mapped with the raw value
kept; a file without a status is `accepted` when it records a chosen outcome,
else `proposed` with `status_missing: true`, and the report says which (D-016).
A missing date comes from the file's first commit when the folder is in a git
repository. Unknown front-matter keys are kept. Duplicate numbers refuse the
import (naming both files) unless allow_partial, which imports the first file
by name and names the skipped one. Files that are not ADRs (README, templates,
images) are named as ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.decisions import Decision, load_decisions, save_decision, slugify, split_front_matter
from govkit.errors import GovkitError, NotFound, ValidationError
from govkit.importers import BlockNote, ImportItem, ImportReport
from govkit.workspace import Workspace

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)
_H1_NUMBER = re.compile(r"^(?:ADR[-_ ]?)?0*(\d+)[.:)]?\s+[-–—:]?\s*(.+)$", re.I)
_FILE_NUMBER = re.compile(r"^(?:ADR[-_ ]?)?0*(\d+)(?:[-_ .]|$)", re.I)
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}")
_BULLET = re.compile(r"^\s*[*+-]\s+\**([A-Za-z][A-Za-z -]*?)\**\s*:\s*\**(.*?)\s*$", re.M)
_DATE_LINE = re.compile(r"^Date:\s*(.+?)\s*$", re.M | re.I)
_STATUS_LINE = re.compile(r"^\**Status\**:\s*\**(.+?)\**\s*$", re.M | re.I)
_CHOSEN = re.compile(r"^\s*(?:[*+-]\s*)?\**Chosen option\**\s*:", re.M | re.I)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
_SUPERSEDED_BY = re.compile(r"super[sc]eded\s+by", re.I)
_SUPERSEDES = re.compile(r"super[sc]edes", re.I)
_SKIP_NAMES = {"readme.md", "index.md", "template.md", "adr-template.md", "toc.md"}
_KNOWN_FM = {
    "status",
    "date",
    "deciders",
    "decision-makers",
    "title",
    "tags",
    "id",
    "slug",
    "imported",
    "supersedes",
    "superseded_by",
    "superseded-by",
}

STATUS_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rejected", ("rejected", "declined", "abandoned", "withdrawn", "refused")),
    ("deprecated", ("deprecated", "obsolete", "retired")),
    (
        "accepted",
        (
            "accepted",
            "approved",
            "adopted",
            "agreed",
            "decided",
            "done",
            "active",
            "enforced",
            "implemented",
            "effective",
        ),
    ),
    (
        "proposed",
        ("proposed", "draft", "rfc", "proposal", "pending", "review", "open", "wip", "hold"),
    ),
)
# Still in force in part: the decision stands (raw value kept).
_PARTLY = re.compile(r"^\W*(?:partly|partially|partial)\s+super[sc]eded\b", re.I)


def map_status(raw: str) -> str:
    """'✅ Accepted' -> accepted, 'Superseded by …' -> superseded, 'RFC' -> proposed …"""
    if _PARTLY.match(raw):
        return "accepted"
    if _SUPERSEDED_BY.search(raw) or re.match(r"^\W*super[sc]eded\b", raw, re.I):
        return "superseded"
    words = re.findall(r"[a-z]+", raw.lower())
    for status, names in STATUS_WORDS:
        if any(w in names for w in words[:3]):
            return status
    return "proposed"


@dataclass
class AdrFile:
    """What one ADR file says, before ids are assigned."""

    path: Path
    number: int | None
    heading_number: int | None
    title: str
    raw_status: str
    date: str
    deciders: tuple[str, ...]
    body: str
    supersedes: list[str] = field(default_factory=list)  # link targets or texts
    superseded_by: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    chosen_outcome: bool = False


def _clean(raw: bytes) -> str:
    text = raw.decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _section(body: str, name: str) -> str:
    m = re.search(rf"^#{{2,3}}\s+{name}\s*$(.*?)(?=^#{{1,3}}\s|\Z)", body, re.M | re.S | re.I)
    return m.group(1).strip() if m else ""


def _as_text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _json_safe(value: Any) -> Any:
    """Front-matter values with dates as ISO text, so they survive JSON and YAML alike."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _people(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(s.strip() for s in re.split(r",|;| and ", str(value)) if s.strip())


def number_from_filename(name: str) -> int | None:
    """0007-foo.md, ADR-007.md, 7-foo.md -> 7; 2024-01-15-foo.md -> None."""
    if _DATE_PREFIX.match(name):
        return None
    m = _FILE_NUMBER.match(name)
    return int(m.group(1)) if m else None


def parse_adr(path: Path) -> AdrFile:
    """Read one ADR in any of the supported shapes."""
    text = _clean(path.read_bytes())
    meta, body = split_front_matter(text, path)
    meta = {str(k): yamlio.to_plain(v) for k, v in meta.items()}
    plain = _COMMENT.sub("", body)
    h1 = _H1.search(plain)
    heading = h1.group(1).strip() if h1 else ""
    heading_number = None
    title = heading
    m = _H1_NUMBER.match(heading)
    if m and not _DATE_PREFIX.match(heading):
        heading_number, title = int(m.group(1)), m.group(2).strip()
    # The file name is what links and tools (adr-tools, log4brains) use: it wins.
    number = number_from_filename(path.name)
    if number is None:
        number = heading_number
    bullets = {k.strip().lower(): v for k, v in _BULLET.findall(plain.split("\n## ", 1)[0])}
    status_section = _section(plain, "Status")
    raw_status = _as_text(meta.get("status")) or bullets.get("status", "")
    if not raw_status and status_section:
        raw_status = next((ln.strip() for ln in status_section.split("\n") if ln.strip()), "")
    status_line = _STATUS_LINE.search(plain.split("\n## ", 1)[0])
    if not raw_status and status_line:
        raw_status = status_line.group(1).strip()
    date_line = _DATE_LINE.search(plain)
    when = (
        _as_text(meta.get("date"))
        or bullets.get("date", "")
        or (date_line.group(1) if date_line else "")
    )
    deciders = _people(meta.get("deciders") or meta.get("decision-makers")) or _people(
        bullets.get("deciders", "")
    )
    adr = AdrFile(
        path=path,
        number=number,
        heading_number=heading_number,
        chosen_outcome=bool(_CHOSEN.search(plain)),
        title=_as_text(meta.get("title")) or title or path.stem,
        raw_status=raw_status,
        date=when,
        deciders=deciders,
        body=body.lstrip("\n"),
        extra={k: _json_safe(v) for k, v in meta.items() if k not in _KNOWN_FM},
    )
    for key, into in (
        ("supersedes", adr.supersedes),
        ("superseded_by", adr.superseded_by),
        ("superseded-by", adr.superseded_by),
    ):
        into += [str(v) for v in _people(meta.get(key))]
    # Supersede links may sit in the status section, a status bullet, or front matter.
    for line in [*status_section.split("\n"), raw_status]:
        targets = [t for _, t in _LINK.findall(line)] or [tx for tx, _ in _LINK.findall(line)]
        if not targets:
            plain_ref = re.search(r"(?:ADR[-_ ]?)?0*(\d+)\b", line.split(":", 1)[-1])
            targets = (
                [plain_ref.group(0)]
                if plain_ref and (_SUPERSEDES.search(line) or _SUPERSEDED_BY.search(line))
                else []
            )
        if _SUPERSEDED_BY.search(line):
            adr.superseded_by += [t for t in targets if t not in adr.superseded_by]
        elif _SUPERSEDES.search(line):
            adr.supersedes += [t for t in targets if t not in adr.supersedes]
    return adr


def _resolve(ref: str, by_file: dict[str, int]) -> int | None:
    name = ref.split("#", 1)[0].rsplit("/", 1)[-1]
    if name in by_file:
        return by_file[name]
    n = number_from_filename(name)
    if n is not None:
        return n
    m = re.match(r"^\s*(?:ADR[-_ ]?)?0*(\d+)", ref, re.I)
    return int(m.group(1)) if m else None


def _did(number: int) -> str:
    return f"D-{number:03d}"


def first_commit_date(path: Path) -> str:
    """YYYY-MM-DD of the commit that added `path` ('' outside a git repository)."""
    from govkit.git import run_git

    try:
        proc = run_git(
            ["log", "--diff-filter=A", "--follow", "--format=%cs", "--", path.name],
            cwd=path.parent,
            check=False,
        )
    except GovkitError:
        return ""
    lines = proc.stdout.split() if proc.returncode == 0 else []
    return lines[-1] if lines else ""


def _candidates(directory: Path, notes: list[BlockNote]) -> list[Path]:
    files = []
    for p in sorted(directory.iterdir()):
        if p.is_dir():
            notes.append(BlockNote(0, "file", f"{p.name}/: ignored: a folder (not read)"))
        elif p.suffix.lower() != ".md":
            notes.append(BlockNote(0, "file", f"{p.name}: ignored: not a Markdown file"))
        elif p.name.lower() in _SKIP_NAMES or "template" in p.name.lower():
            notes.append(BlockNote(0, "file", f"{p.name}: ignored: an index or template"))
        else:
            files.append(p)
    return files


def import_adr(
    ws: Workspace, directory: Path, *, dry_run: bool = False, allow_partial: bool = False
) -> ImportReport:
    """Import every ADR in a directory as numbered, imported decisions (all or nothing)."""
    if not directory.is_dir():
        raise NotFound(f"{directory}: no such directory")
    notes: list[BlockNote] = []
    files = _candidates(directory, notes)
    if not files:
        raise ValidationError(
            f"{directory}: no ADR files (*.md) to import",
            hint="give the folder that holds the decision files, e.g. doc/adr",
        )
    items: list[ImportItem] = []
    problems: list[str] = []
    warnings: list[str] = []
    parsed: list[AdrFile] = []
    for path in files:
        try:
            parsed.append(parse_adr(path))
        except GovkitError as exc:
            where = f"{path.name}:{exc.line}" if exc.line else path.name
            problems.append(f"{where}: {exc.message} (expected a Markdown ADR)")
            items.append(ImportItem("decision", path.name, "skipped", exc.message, str(path)))
    highest = max((a.number for a in parsed if a.number is not None), default=0)
    first: dict[int, AdrFile] = {}
    for adr in parsed:
        if adr.number is None:
            highest += 1
            adr.number = highest
            warnings.append(
                f"{adr.path.name}:1: no number in the file name or heading; imported as "
                f"{_did(highest)} (the next after the folder's highest)"
            )
        elif adr.heading_number is not None and adr.heading_number != adr.number:
            warnings.append(
                f"{adr.path.name}:1: heading says {adr.heading_number}, file name says "
                f"{adr.number}; the file name wins ({_did(adr.number)})"
            )
        if adr.number in first:
            other = first[adr.number].path.name
            problems.append(
                f"{adr.path.name}:1: duplicate number {adr.number}: {other} and "
                f"{adr.path.name} (expected one file per number)"
            )
            items.append(
                ImportItem(
                    "decision",
                    _did(adr.number),
                    "skipped",
                    f"duplicate number {adr.number}: {adr.path.name} skipped, {other} imported",
                    str(adr.path),
                )
            )
        else:
            first[adr.number] = adr
    by_file = {a.path.name: n for n, a in first.items()}
    decisions = {n: _decision(a, by_file, warnings) for n, a in first.items()}
    # Links are resolved on both sides: A supersedes B <=> B superseded_by A.
    for d in list(decisions.values()):
        for old in d.supersedes:
            n = int(old[2:])
            if n in decisions and d.id not in decisions[n].superseded_by:
                decisions[n] = replace(
                    decisions[n], superseded_by=(*decisions[n].superseded_by, d.id)
                )
        for new in d.superseded_by:
            n = int(new[2:])
            if n in decisions and d.id not in decisions[n].supersedes:
                decisions[n] = replace(decisions[n], supersedes=(*decisions[n].supersedes, d.id))
    refused = bool(problems) and not allow_partial
    writing = not (dry_run or refused)
    with ws.lock():
        existing = {d.id: d for d in load_decisions(ws)}
        writes: list[tuple[Decision, Path | None]] = []
        for n in sorted(decisions):
            d = decisions[n]
            prior = existing.get(d.id)
            rel = f"decisions/{d.id}-{d.slug}.md"
            if prior is not None and prior.imported and prior.extra.get("stub") is True:
                # A tracker import only knew the id; the real record replaces the stub.
                writes.append((d, prior.path))
                items.append(
                    ImportItem("decision", d.id, "created", f"{d.status}; replaces stub", rel)
                )
                continue
            if prior is not None:
                same = prior.imported and prior.extra.get("source") == d.extra.get("source")
                why = "already imported" if same else "a decision with this id exists"
                items.append(
                    ImportItem(
                        "decision", d.id, "skipped", why, ws.rel(prior.path) if prior.path else ""
                    )
                )
                continue
            writes.append((d, None))
            items.append(ImportItem("decision", d.id, "created", d.status, rel))
        if writing:
            _write_all(ws, writes)
    return ImportReport(
        str(directory),
        tuple(items),
        not writing,
        tuple(problems),
        blocks=tuple(notes),
        refused=refused,
        warnings=tuple(warnings),
    )


def _write_all(ws: Workspace, writes: list[tuple[Decision, Path | None]]) -> None:
    """Write every decision, or none: a failure part-way removes what this call wrote."""
    from govkit.atomic import atomic_write_bytes

    done: list[tuple[Path, Path | None, bytes | None]] = []
    try:
        for d, old in writes:
            backup = old.read_bytes() if old is not None and old.exists() else None
            done.append((save_decision(ws, d, old_path=old), old, backup))
    except BaseException:
        for path, old, backup in reversed(done):
            path.unlink(missing_ok=True)
            if old is not None and backup is not None:
                atomic_write_bytes(old, backup)
        raise


def _decision(adr: AdrFile, by_file: dict[str, int], warnings: list[str]) -> Decision:
    assert adr.number is not None
    supersedes = [_resolve(r, by_file) for r in adr.supersedes]
    superseded_by = [_resolve(r, by_file) for r in adr.superseded_by]
    status = map_status(adr.raw_status)
    if _PARTLY.match(adr.raw_status):
        superseded_by = []  # still in force: the raw status says what replaced a part
    if superseded_by and status != "superseded" and _SUPERSEDED_BY.search(adr.raw_status):
        status = "superseded"
    extra = dict(adr.extra)
    extra["raw_status"] = adr.raw_status
    extra["source"] = adr.path.name
    if not adr.raw_status:
        # MADR makes status optional; a recorded choice is a decision taken (D-016).
        if adr.chosen_outcome:
            status = "accepted"
            extra["status_from"] = "chosen outcome (the file has no status)"
        else:
            status = "proposed"
            extra["status_missing"] = True
        warnings.append(f"{adr.path.name}:1: no status; imported as {status}")
    when = adr.date
    if not when:
        when = first_commit_date(adr.path)
        if when:
            extra["date_from"] = "first git commit"
    return Decision(
        id=_did(adr.number),
        slug=slugify(adr.title),
        title=adr.title,
        status=status,
        date=when,
        deciders=adr.deciders,
        supersedes=tuple(_did(n) for n in supersedes if n is not None and n != adr.number),
        superseded_by=tuple(_did(n) for n in superseded_by if n is not None and n != adr.number),
        body=adr.body,
        imported=True,
        extra=extra,
    )
