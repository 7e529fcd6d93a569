"""`check` on decisions/: front matter, numbering, file names, slugs and supersession.

Each rule is one function over the loaded decision files, next to the decision
module it validates (govkit.decisions).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govkit import decisions as dec
from govkit import yamlio
from govkit.errors import GovkitError
from govkit.ids import check_id
from govkit.problems import ProblemList
from govkit.workspace import Workspace

_PLACEHOLDER = re.compile(r"^proposed-[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class DecisionFile:
    """One decision that loaded, with the line of each front-matter key."""

    decision: dec.Decision
    path: Path
    line: Callable[[str], int]


def check_decisions(ws: Workspace, problems: ProblemList) -> list[dec.Decision]:
    """Every decision file; the decisions that loaded (for the reference checks)."""
    loaded = _load(ws, problems)
    numbers: dict[int, Path] = {}
    for f in loaded:
        _status_and_id(f, problems)
        _numbering(f, numbers, problems)
    _slugs(loaded, problems)
    _supersession(loaded, problems)
    return [f.decision for f in loaded]


def _load(ws: Workspace, problems: ProblemList) -> list[DecisionFile]:
    loaded = []
    for path in dec.iter_decision_files(ws):
        try:
            meta, _ = dec.split_front_matter(yamlio.read_text(path), path)
            d = dec.load_decision(path)
        except GovkitError as exc:
            problems.from_error("yaml", exc, path)
            continue
        loaded.append(DecisionFile(d, path, _front_matter_line(meta)))
    return loaded


def _front_matter_line(meta: Any) -> Callable[[str], int]:
    """File line of a front-matter key (the front matter starts on line 2)."""

    def line(key: str) -> int:
        found = yamlio.key_line(meta, key)
        return found + 1 if found is not None else 1

    return line


def _status_and_id(f: DecisionFile, problems: ProblemList) -> None:
    """A known status; an id that is D-NNN or proposed-<slug>; the file named after it."""
    d, path = f.decision, f.path
    if d.status not in dec.STATUSES:
        problems.add(
            "unknown-status",
            path,
            f.line("status"),
            f"unknown decision status {d.status!r}",
            hint=f"one of: {', '.join(dec.STATUSES)}",
        )
    if d.numbered:
        try:
            check_id("decision", d.id)
        except GovkitError as exc:
            problems.add("bad-id", path, f.line("id"), exc.message, exc.hint)
    elif not _PLACEHOLDER.fullmatch(d.id):
        problems.add(
            "bad-id",
            path,
            f.line("id"),
            f"decision id {d.id!r} is neither D-NNN nor proposed-<slug>",
        )
    elif d.status in ("accepted", "superseded", "deprecated"):
        problems.add(
            "bad-id",
            path,
            f.line("status"),
            f"{d.status} decision {d.id} has no number",
            hint="accepted decisions get a D-NNN id: govkit decision accept assigns one",
        )
    expected = dec.decision_filename(d)
    if expected != path.name:
        problems.add(
            "filename-mismatch",
            path,
            f.line("id"),
            f"file {path.name} holds decision {d.id} (expected {expected})",
            hint="rename the file or fix the front matter id",
        )


def _numbering(f: DecisionFile, numbers: dict[int, Path], problems: ProblemList) -> None:
    """Each D-number used once (two branches that each numbered one collide on merge)."""
    number = dec.decision_number(f.decision.id) if f.decision.numbered else None
    if number is None:
        return
    if number in numbers:
        problems.add(
            "duplicate-id",
            f.path,
            f.line("id"),
            f"{f.decision.id} is also used by {problems.rel(numbers[number])}",
            hint="two branches each numbered a decision: renumber one with "
            "a free id (the highest + 1) and update references to it",
        )
    else:
        numbers[number] = f.path


def _slugs(loaded: list[DecisionFile], problems: ProblemList) -> None:
    """A proposal must not share the slug of a numbered decision."""
    # Numbered decisions may share a slug (their numbers tell them apart); a proposal
    # with the slug of a numbered decision is what an interrupted accept leaves behind.
    numbered_slugs = {f.decision.slug: f.path for f in loaded if f.decision.numbered}
    for f in loaded:
        twin = numbered_slugs.get(f.decision.slug)
        if not f.decision.numbered and twin is not None:
            problems.add(
                "duplicate-slug",
                f.path,
                f.line("id"),
                f"proposal {f.decision.id} has the slug of {problems.rel(twin)}",
                hint="left by an interrupted `decision accept` (delete the proposal), or the "
                "same title proposed on another branch (rename it to a new slug)",
            )


def _supersession(loaded: list[DecisionFile], problems: ProblemList) -> None:
    """supersedes / superseded_by name existing decisions and are written on both sides."""
    by_id = {f.decision.id: f.decision for f in loaded}
    for f in loaded:
        d = f.decision
        for key, other_side in (("supersedes", "superseded_by"), ("superseded_by", "supersedes")):
            for ref in getattr(d, key):
                target = by_id.get(ref)
                if target is None:
                    problems.add(
                        "dangling-ref",
                        f.path,
                        f.line(key),
                        f"{d.id} {key} {ref}, which does not exist",
                    )
                elif d.id not in getattr(target, other_side):
                    problems.add(
                        "one-sided",
                        f.path,
                        f.line(key),
                        f"{d.id} {key} {ref}, but {ref} does not list {d.id} in {other_side}",
                        hint=f"govkit decision supersede writes both sides; add {d.id} to "
                        f"{ref}'s {other_side}",
                    )
        if d.status == "superseded" and not d.superseded_by:
            problems.add(
                "schema",
                f.path,
                f.line("status"),
                f"{d.id} is superseded but names no superseded_by",
                hint="govkit decision supersede OLD --by NEW",
            )
