"""`audit --since REF`: the evidence only grew since a commit (D-020).

A rewrite that recomputes a record's hash and re-chains every later ledger
line passes the plain chain check; it cannot also match what git already
holds. Against REF this proves: the ledger at REF is a prefix of the ledger
now, and every file committed under evidence/runs/ at REF is still there with
the same bytes (compared as git blob ids, so nothing is checked out).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from govkit.audit.findings import AuditFinding
from govkit.errors import NotFound, ValidationError
from govkit.git import run_git
from govkit.workspace import Workspace

# Tried in order when --since-merge-base names no branch.
BASE_CANDIDATES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


@dataclass(frozen=True)
class SinceRef:
    """The revision evidence is compared against, and how it was chosen."""

    commit: str
    label: str  # 'main@{merge-base}', 'v1.2', …


def _git(ws: Workspace, *args: str, check: bool = True) -> str:
    return run_git(["-C", str(ws.root), *args], what=f"git {args[0]}", check=check).stdout


def _repo_of(ws: Workspace) -> tuple[Path, str]:
    proc = run_git(
        ["-C", str(ws.root), "rev-parse", "--show-toplevel", "--show-prefix"], check=False
    )
    if proc.returncode != 0:
        raise ValidationError(
            f"{ws.root} is not inside a git repository",
            hint="--since compares evidence against git history; commit the workspace first",
        )
    top, _, prefix = proc.stdout.partition("\n")
    return Path(top.strip()), prefix.strip()


def resolve_since(ws: Workspace, ref: str) -> SinceRef:
    """REF as a commit, or a NotFound naming it."""
    _repo_of(ws)
    proc = run_git(
        [
            "-C",
            str(ws.root),
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
        ],
        check=False,
    )
    if proc.returncode != 0:
        raise NotFound(
            f"--since {ref!r} is not a commit in this repository",
            hint="give a branch, tag or SHA (git log --oneline)",
        )
    return SinceRef(proc.stdout.strip(), ref)


def merge_base(ws: Workspace, base: str | None = None) -> SinceRef | None:
    """The merge base of HEAD and `base` (default: origin/HEAD, origin/main, main, …).

    None when HEAD has no commit yet (nothing is committed, so nothing can have
    changed). With no base branch at all, HEAD itself.
    """
    _repo_of(ws)
    if run_git(
        ["-C", str(ws.root), "rev-parse", "--verify", "--quiet", "HEAD"], check=False
    ).returncode:
        return None
    candidates = (base,) if base else BASE_CANDIDATES
    for name in candidates:
        proc = run_git(["-C", str(ws.root), "merge-base", "HEAD", name], check=False)
        if proc.returncode == 0 and proc.stdout.strip():
            return SinceRef(proc.stdout.strip(), f"merge base of HEAD and {name}")
    if base:
        raise NotFound(
            f"no merge base of HEAD and {base!r}",
            hint="name a branch that shares history with HEAD (git branch -a)",
        )
    return SinceRef(_git(ws, "rev-parse", "HEAD").strip(), "HEAD (no main branch found)")


def since_option(ws: Workspace, ref: str | None, base: str | None) -> SinceRef | None:
    """--since REF / --since-merge-base [BRANCH] as the revision to compare with (or None)."""
    if ref is not None and base is not None:
        raise ValidationError("give --since or --since-merge-base, not both")
    if ref is not None:
        return resolve_since(ws, ref)
    if base is not None:
        return merge_base(ws, base or None)
    return None


def _blob_id(data: bytes, algo: str) -> str:
    h = hashlib.new(algo)
    h.update(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def check_since(ws: Workspace, since: SinceRef) -> list[AuditFinding]:
    """GK111 when the ledger at `since` is not a prefix of the ledger now; GK112 per
    record, log or artifact committed at `since` that changed or is gone."""
    top, prefix = _repo_of(ws)
    rel_ledger = ws.rel(ws.ledger_path)
    git_ledger = prefix + rel_ledger
    short = since.commit[:12]
    findings: list[AuditFinding] = []

    old_proc = run_git(
        ["-C", str(top), "cat-file", "blob", f"{since.commit}:{git_ledger}"], check=False
    )
    old = (
        [ln for ln in old_proc.stdout.splitlines() if ln.strip()]
        if old_proc.returncode == 0
        else []
    )
    try:
        now_text = ws.ledger_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        now_text = ""
    now = [ln for ln in now_text.splitlines() if ln.strip()]
    for i, line in enumerate(old):
        if i >= len(now):
            findings.append(
                AuditFinding(
                    "GK111",
                    rel_ledger,
                    len(now) or None,
                    f"the ledger had {len(old)} entries at {since.label} ({short}) and has "
                    f"{len(now)} now: entries were removed",
                )
            )
            break
        if now[i] != line:
            findings.append(
                AuditFinding(
                    "GK111",
                    rel_ledger,
                    i + 1,
                    f"ledger entry {i + 1} differs from the one committed at {since.label} "
                    f"({short}): the ledger was rewritten",
                )
            )
            break

    algo = (
        "sha256"
        if _git(ws, "rev-parse", "--show-object-format", check=False).strip() == "sha256"
        else "sha1"
    )
    runs = prefix + ws.rel(ws.runs_dir)
    listing = run_git(
        ["-C", str(top), "ls-tree", "-r", "-z", "--full-tree", since.commit, "--", runs + "/"],
        what="git ls-tree",
    ).stdout
    for item in listing.split("\0"):
        if not item:
            continue
        meta, _, path = item.partition("\t")
        mode, kind, blob = meta.split()
        if kind != "blob":
            continue
        where = path[len(prefix) :] if prefix and path.startswith(prefix) else path
        full = top / path
        try:
            data = os.readlink(full).encode() if mode == "120000" else full.read_bytes()
        except FileNotFoundError:
            findings.append(
                AuditFinding(
                    "GK112", where, None, f"committed at {since.label} ({short}), now gone"
                )
            )
            continue
        except OSError as exc:
            findings.append(AuditFinding("GK112", where, None, f"cannot be read: {exc.strerror}"))
            continue
        if _blob_id(data, algo) != blob:
            findings.append(
                AuditFinding(
                    "GK112",
                    where,
                    1 if where.endswith(".json") else None,
                    f"differs from the file committed at {since.label} ({short})",
                )
            )
    return findings
