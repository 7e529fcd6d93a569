"""Decision records: Markdown with YAML front matter, MADR-compatible (DESIGN.md §4).

    decisions/D-017-clean-clone-policy.md      accepted (or later) decisions
    decisions/proposed-clean-clone-policy.md   proposed: placeholder id, no number yet

Front matter: id, title, status, date, deciders, tags, supersedes, superseded_by,
plus `imported`/`raw_status` for imported records and any unknown keys, kept as is.
The body holds `## Context`, `## Decision`, `## Consequences`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.atomic import atomic_write_text
from govkit.errors import ValidationError
from govkit.ids import id_sort_key
from govkit.workspace import Workspace

STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("accepted", "rejected"),
    "accepted": ("deprecated", "superseded"),
    "rejected": (),
    "deprecated": (),
    "superseded": (),
}
PLACEHOLDER_PREFIX = "proposed-"
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Decision:
    """One decision record."""

    id: str  # D-017, or proposed-<slug> before acceptance
    slug: str
    title: str
    status: str
    date: str = ""
    deciders: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    supersedes: tuple[str, ...] = ()
    superseded_by: tuple[str, ...] = ()
    body: str = ""
    imported: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # unknown front-matter keys, kept
    path: Path | None = field(default=None, compare=False)

    @property
    def numbered(self) -> bool:
        return not self.id.startswith(PLACEHOLDER_PREFIX)

    def section(self, name: str) -> str:
        """Text of a `## name` section of the body ('' when absent)."""
        m = re.search(rf"^##\s+{re.escape(name)}\s*$(.*?)(?=^##\s|\Z)", self.body, re.M | re.S)
        return m.group(1).strip() if m else ""


def slugify(title: str) -> str:
    """'Clean-clone tuple policy!' -> 'clean-clone-tuple-policy' (ASCII, ≤ 48 chars)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return (slug[:48].rstrip("-")) or "decision"


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """(front matter mapping, body) of a Markdown file; no front matter -> ({}, text)."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    data = yamlio.loads_round_trip(m.group(1), path=path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError("front matter must be a YAML mapping", path=path, line=2)
    return data, text[m.end() :]


_KNOWN = {
    "id",
    "title",
    "status",
    "date",
    "deciders",
    "tags",
    "supersedes",
    "superseded_by",
    "imported",
    "slug",
}


def _strings(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return tuple(s.strip() for s in str(value).split(",") if s.strip())


def load_decision(path: Path) -> Decision:
    """Parse one decision file."""
    meta, body = split_front_matter(yamlio.read_text(path), path)
    stem = path.stem
    m = re.match(r"^(D-\d+)-(.*)$", stem)
    default_id = m.group(1) if m else stem
    slug = str(meta.get("slug") or (m.group(2) if m else stem.removeprefix(PLACEHOLDER_PREFIX)))
    status = str(meta.get("status", "proposed")).strip().lower()
    title = str(meta.get("title") or _h1(body) or slug)
    return Decision(
        id=str(meta.get("id") or default_id),
        slug=slug,
        title=title,
        status=status,
        date=str(meta.get("date") or ""),
        deciders=_strings(meta.get("deciders")),
        tags=_strings(meta.get("tags")),
        supersedes=_strings(meta.get("supersedes")),
        superseded_by=_strings(meta.get("superseded_by")),
        body=body,
        imported=bool(meta.get("imported", False)),
        extra={str(k): yamlio.to_plain(v) for k, v in meta.items() if str(k) not in _KNOWN},
        path=path,
    )


def _h1(body: str) -> str:
    m = re.search(r"^#\s+(.+)$", body, re.M)
    if not m:
        return ""
    return re.sub(r"^D-\d+:?\s*", "", m.group(1).strip())


def load_decisions(ws: Workspace) -> list[Decision]:
    """Every decision, numbered ones by number, then proposed ones by slug."""
    if not ws.decisions_dir.is_dir():
        return []
    out = [load_decision(p) for p in ws.decisions_dir.glob("*.md") if p.name.lower() != "readme.md"]
    return sorted(out, key=lambda d: (not d.numbered, id_sort_key(d.id)))


def decision_filename(decision: Decision) -> str:
    """D-017-slug.md, or proposed-slug.md before acceptance."""
    if decision.numbered:
        return f"{decision.id}-{decision.slug}.md"
    return f"{PLACEHOLDER_PREFIX}{decision.slug}.md"


def render_decision(decision: Decision) -> str:
    """The file text: front matter then body."""
    meta: dict[str, Any] = {
        "id": decision.id,
        "title": decision.title,
        "status": decision.status,
        "date": decision.date,
        "deciders": list(decision.deciders),
        "tags": list(decision.tags),
        "supersedes": list(decision.supersedes),
        "superseded_by": list(decision.superseded_by),
    }
    if decision.imported:
        meta["imported"] = True
    meta.update(decision.extra)
    return "---\n" + yamlio.dumps(meta) + "---\n" + decision.body.lstrip("\n")


def save_decision(ws: Workspace, decision: Decision, *, old_path: Path | None = None) -> Path:
    """Write a decision atomically (renaming from old_path if the name changed). Caller locks."""
    path = ws.decisions_dir / decision_filename(decision)
    atomic_write_text(path, render_decision(decision))
    if old_path is not None and old_path.resolve() != path.resolve() and old_path.exists():
        old_path.unlink()
    return path


def default_body(
    title: str, decision_id: str, context: str, decision: str, consequences: str
) -> str:
    """The MADR-shaped body of a new decision."""
    return (
        f"# {decision_id}: {title}\n\n"
        f"## Context\n\n{context or 'What is the issue that motivates this decision?'}\n\n"
        f"## Decision\n\n{decision or 'What is the change that we are proposing or doing?'}\n\n"
        f"## Consequences\n\n{consequences or 'What becomes easier or harder because of it?'}\n"
    )
