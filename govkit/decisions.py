"""Decision records: Markdown with YAML front matter, MADR-compatible (DESIGN.md §4).

    decisions/D-017-clean-clone-policy.md      accepted (or later) decisions
    decisions/proposed-clean-clone-policy.md   proposed: placeholder id, no number yet

Front matter: id, title, status, date, deciders, tags, supersedes, superseded_by,
plus `imported`/`raw_status` for imported records and any unknown keys, kept as is.
The body holds `## Context`, `## Decision`, `## Consequences`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.errors import (
    ConflictError,
    GovkitError,
    NotFound,
    TransitionError,
    ValidationError,
)
from govkit.ids import check_id, id_sort_key
from govkit.lifecycle import Lifecycle
from govkit.records.cache import ParseCache
from govkit.timeutil import rfc3339
from govkit.workspace import Workspace

LIFECYCLE = Lifecycle(
    statuses=("proposed", "accepted", "rejected", "deprecated", "superseded"),
    moves={
        "proposed": ("accepted", "rejected"),
        "accepted": ("deprecated", "superseded"),
        "rejected": (),
        "deprecated": (),
        "superseded": (),
    },
    initial="proposed",
)
STATUSES = LIFECYCLE.statuses
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
    if len(slug) > 48:
        cut = slug[:49]
        # End on a whole word when one ends late enough; otherwise cut mid-word.
        slug = cut[: cut.rindex("-")] if cut.rfind("-") >= 24 else cut[:48]
    return slug.rstrip("-") or "decision"


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """(front matter mapping, body) of a Markdown file; no front matter -> ({}, text).

    The mapping is round-trip (key lines known, for check); reading uses read_front_matter.
    """
    return _split(text, path, yamlio.loads_round_trip)


def read_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Like split_front_matter, with plain data from the C loader: for front matter never
    written back (a save renders the Decision afresh)."""
    try:
        return _split(text, path, yamlio.loads_plain)
    except ValidationError as plain_error:
        # Rare, so reported as before: the pure parser names the exact line and column
        # (libyaml points past the end of an unclosed bracket).
        _split(text, path, yamlio.loads_round_trip)
        raise plain_error from None


def _split(text: str, path: Path, loads: Callable[..., Any]) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        data = loads(m.group(1), path=path)
    except ValidationError as exc:
        # Lines inside the front matter start after the opening `---` line.
        if exc.line is not None:
            exc.line += 1
        raise
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError("front matter must be a YAML mapping", path=path, line=2)
    return data, text[m.end() :]


def _read_parts(path: Path) -> list[Any]:
    """[front matter, body] of a decision file: what the parse cache keeps."""
    meta, body = read_front_matter(yamlio.read_text(path), path)
    return [meta, body]


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


def load_decision(path: Path, *, cache: ParseCache | None = None) -> Decision:
    """Parse one decision file (its front matter through `cache` when given)."""
    meta, body = cache.load(path, _read_parts) if cache is not None else _read_parts(path)
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


_DECISION_FILE = re.compile(r"^(D-\d+-.+|D-\d+|proposed-.+)\.md$")


def iter_decision_files(ws: Workspace) -> list[Path]:
    """Decision files: D-NNN-<slug>.md and proposed-<slug>.md (other notes are not decisions)."""
    if not ws.decisions_dir.is_dir():
        return []
    return sorted(p for p in ws.decisions_dir.glob("*.md") if _DECISION_FILE.match(p.name))


def decided_by(decision: Decision, owner: str | None) -> bool:
    """True when no owner is asked for, or `owner` is one of the deciders (ignoring case)."""
    if owner is None:
        return True
    wanted = owner.strip().casefold()
    return any(d.strip().casefold() == wanted for d in decision.deciders)


def load_decisions(ws: Workspace, *, skip_broken: bool = False) -> list[Decision]:
    """Every decision, numbered ones by number, then proposed ones by slug.

    A malformed file raises, unless `skip_broken` (for commands that touch other files).
    """
    out = []
    cache = ParseCache(ws.state_dir, "decisions")
    for path in iter_decision_files(ws):
        try:
            out.append(load_decision(path, cache=cache))
        except GovkitError:
            if not skip_broken:
                raise
    cache.save(prune=True)
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
        "title": yamlio.text_scalar(decision.title),
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
    from govkit.atomic import atomic_write_text  # not at the top: list/show write nothing

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


# Lifecycle operations ------------------------------------------------------------------

_NUMBER = re.compile(r"^D-(\d+)")


def decision_number(decision_id: str) -> int | None:
    """17 for 'D-017' (or 'D-17'); None for a placeholder or anything else."""
    m = re.fullmatch(r"D-(\d+)", decision_id)
    return int(m.group(1)) if m else None


def resolve_ref(decisions: list[Decision], ref: str) -> Decision:
    """The decision named by REF: its id (D-017, D-17), placeholder id, slug, or a unique slug prefix."""
    ref = ref.strip()
    if not ref:
        raise ValidationError("empty decision reference", hint="give an id like D-017 or a slug")
    wanted = decision_number(ref)
    for d in decisions:
        if d.id == ref or (wanted is not None and decision_number(d.id) == wanted):
            return d
    bare = ref.removeprefix(PLACEHOLDER_PREFIX)
    exact = [d for d in decisions if d.slug == bare]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [d for d in decisions if d.slug.startswith(bare)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConflictError(
            f"decision reference {ref!r} is ambiguous",
            hint="matches: " + ", ".join(f"{d.id} ({d.slug})" for d in matches[:8]),
        )
    raise NotFound(f"no decision {ref!r}", hint="`govkit decision list` shows them")


def find_decision(ws: Workspace, ref: str) -> Decision:
    """Load the decisions and resolve REF."""
    return resolve_ref(load_decisions(ws), ref)


def _taken_numbers(ws: Workspace) -> set[int]:
    """D-numbers used by any file: by its name or its front matter, parseable or not."""
    taken: set[int] = set()
    if not ws.decisions_dir.is_dir():
        return taken
    for path in iter_decision_files(ws):
        m = _NUMBER.match(path.name)
        if m:
            taken.add(int(m.group(1)))
        try:
            number = decision_number(load_decision(path).id)
        except GovkitError:
            continue  # a broken file still reserves the number in its name
        if number is not None:
            taken.add(number)
    return taken


def next_decision_id(ws: Workspace) -> str:
    """One more than the highest D-number in use, as D-NNN."""
    return f"D-{max(_taken_numbers(ws), default=0) + 1:03d}"


def check_move(decision: Decision, target: str) -> None:
    """Raise TransitionError unless the decision lifecycle allows status -> target."""
    # Unlike a record, a decision never "moves" to the status it has: accepting twice is refused.
    LIFECYCLE.check_move(decision.id, decision.status, target)


def _today() -> str:
    return rfc3339()[:10]


def new_decision(
    ws: Workspace,
    title: str,
    *,
    context: str = "",
    decision: str = "",
    consequences: str = "",
    deciders: tuple[str, ...] = (),
    tags: tuple[str, ...] = (),
    slug: str | None = None,
) -> Decision:
    """Create a proposed decision with a placeholder id (proposed-<slug>); no number yet."""
    if not title.strip():
        raise ValidationError("a decision needs a title")
    if slug is not None and slugify(slug) != slug:
        raise ValidationError(
            f"slug {slug!r} is not a slug",
            hint=f"lowercase words joined by '-', e.g. {slugify(slug)}",
        )
    base = slug or slugify(title)
    with ws.lock():
        # Slugs from file names, so one broken file does not block proposing another.
        slugs = {_slug_of(p) for p in iter_decision_files(ws)}
        n = 1
        slug = base
        # Another branch may add the same slug; the suffix keeps this one distinct here.
        while slug in slugs:
            n += 1
            slug = f"{base}-{n}"
        placeholder = f"{PLACEHOLDER_PREFIX}{slug}"
        record = Decision(
            id=placeholder,
            slug=slug,
            title=title.strip(),
            status="proposed",
            date=_today(),
            deciders=deciders,
            tags=tags,
            body=default_body(title.strip(), placeholder, context, decision, consequences),
        )
        path = save_decision(ws, record)
        return load_decision(path)


def _slug_of(path: Path) -> str:
    m = re.match(r"^D-\d+-?(.*)$", path.stem)
    return m.group(1) if m else path.stem.removeprefix(PLACEHOLDER_PREFIX)


def _reference_pattern(placeholder: str) -> re.Pattern[str]:
    # `proposed-foo` but not `proposed-foo-2` or `xproposed-foo`.
    return re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(placeholder)}(?![A-Za-z0-9_]|-[A-Za-z0-9])")


def _replace_reference(text: str, placeholder: str, new_id: str, slug: str) -> str:
    text = text.replace(f"{placeholder}.md", f"{new_id}-{slug}.md")
    return _reference_pattern(placeholder).sub(new_id, text)


def rewrite_references(ws: Workspace, placeholder: str, new_id: str, slug: str) -> list[Path]:
    """Replace a placeholder id in every decision and record file; return the files changed."""
    from govkit.atomic import atomic_write_text

    changed = []
    candidates = [*ws.decisions_dir.rglob("*.md"), *ws.records_dir.rglob("*.yaml")]
    for path in candidates:
        if path.name.startswith("."):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if placeholder not in text:
            continue
        new_text = _replace_reference(text, placeholder, new_id, slug)
        if new_text != text:
            atomic_write_text(path, new_text)
            changed.append(path)
    return changed


def accept_decision(ws: Workspace, ref: str, *, decision_id: str | None = None) -> Decision:
    """Accept a proposed decision: give it the next D-NNN (or `decision_id`) and rename it.

    A proposal that is numbered already (imported as D-017) keeps its number.
    """
    with ws.lock():
        d = resolve_ref(load_decisions(ws, skip_broken=True), ref)
        check_move(d, "accepted")
        if decision_id is None:
            # A proposal that already has its number (an imported D-017) keeps it:
            # other records and documents cite it by that number.
            decision_id = d.id if d.numbered else next_decision_id(ws)
        elif d.numbered and decision_number(decision_id) == decision_number(d.id):
            decision_id = d.id
        else:
            check_id("decision", decision_id)
            number = decision_number(decision_id)
            if number in _taken_numbers(ws):
                raise ConflictError(
                    f"{decision_id} is already taken",
                    hint=f"the next free id is {next_decision_id(ws)}",
                )
        old_path, placeholder = d.path, d.id
        accepted = replace(
            d,
            id=decision_id,
            status="accepted",
            date=_today(),
            body=_replace_reference(d.body, placeholder, decision_id, d.slug),
        )
        path = save_decision(ws, accepted, old_path=old_path)
        if d.numbered is False:
            rewrite_references(ws, placeholder, decision_id, d.slug)
        return load_decision(path)


def _set_status(ws: Workspace, ref: str, target: str) -> Decision:
    with ws.lock():
        d = find_decision(ws, ref)
        check_move(d, target)
        path = save_decision(ws, replace(d, status=target, date=_today()), old_path=d.path)
        return load_decision(path)


def reject_decision(ws: Workspace, ref: str) -> Decision:
    """Reject a proposed decision (it keeps its placeholder id)."""
    return _set_status(ws, ref, "rejected")


def deprecate_decision(ws: Workspace, ref: str) -> Decision:
    """Deprecate an accepted decision."""
    return _set_status(ws, ref, "deprecated")


def supersede_decision(ws: Workspace, old_ref: str, new_ref: str) -> tuple[Decision, Decision]:
    """OLD is superseded by NEW (accepted): both files say so."""
    with ws.lock():
        decisions = load_decisions(ws)
        old, new = resolve_ref(decisions, old_ref), resolve_ref(decisions, new_ref)
        if old.id == new.id:
            raise ValidationError(f"{old.id} cannot supersede itself")
        if new.status != "accepted":
            raise TransitionError(
                f"{new.id} is {new.status}: only an accepted decision can supersede another",
                hint=f"accept it first: govkit decision accept {new.slug}"
                if new.status == "proposed"
                else f"{new.status} is final: supersede {old.id} with an accepted decision",
            )
        check_move(old, "superseded")
        old_after = replace(
            old,
            status="superseded",
            date=_today(),
            superseded_by=_append(old.superseded_by, new.id),
        )
        new_after = replace(new, supersedes=_append(new.supersedes, old.id))
        old_path = save_decision(ws, old_after, old_path=old.path)
        new_path = save_decision(ws, new_after, old_path=new.path)
        return load_decision(old_path), load_decision(new_path)


def _append(items: tuple[str, ...], value: str) -> tuple[str, ...]:
    return items if value in items else (*items, value)


def decision_data(ws: Workspace, d: Decision) -> dict[str, Any]:
    """The JSON shape of a decision."""
    return {
        "id": d.id,
        "slug": d.slug,
        "title": d.title,
        "status": d.status,
        "date": d.date,
        "deciders": list(d.deciders),
        "tags": list(d.tags),
        "supersedes": list(d.supersedes),
        "superseded_by": list(d.superseded_by),
        "imported": d.imported,
        "extra": d.extra,
        "path": ws.rel(d.path) if d.path else None,
        "context": d.section("Context"),
        "decision": d.section("Decision"),
        "consequences": d.section("Consequences"),
    }
