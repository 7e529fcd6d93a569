"""Clean clones of a tuple (DESIGN.md §5): fresh, detached, verified before and after a run.

Each repo of the gate is cloned side by side under one temp dir
(`<tmp>/<repo-name>/`), so a command finds its sibling repos at `../<name>`
as in a developer's checkout. Clones live under `.govkit/clones/` (the
workspace's filesystem, so `git clone --local` hardlinks objects) and are
deleted after the run; clones left by a killed govkit are swept on the next run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from govkit import git
from govkit.errors import NotFound, ValidationError
from govkit.evidence.record import RepoPin
from govkit.tuples import get_repo, source_with_commit
from govkit.workspace import Workspace


@dataclass(frozen=True)
class ClonedRepo:
    """One repo checked out for a run: where, and the pin it stands for."""

    name: str
    path: Path
    pin: RepoPin
    fresh: bool  # a clean clone govkit made (False: the user's worktree)


@dataclass
class TupleCheckout:
    """The repos of one run, working repo first."""

    root: Path | None  # the temp dir holding the clones (None: nothing cloned)
    repos: list[ClonedRepo] = field(default_factory=list)

    @property
    def working(self) -> ClonedRepo:
        return self.repos[0]

    @property
    def pins(self) -> list[RepoPin]:
        return [r.pin for r in self.repos]

    def problems_after(self) -> list[str]:
        """Why the run is no longer claim-grade: tracked changes or new untracked files."""
        reasons = []
        for repo in self.repos:
            if not repo.fresh:
                continue
            changes = git.dirty_paths(repo.path)
            if changes:
                shown = ", ".join(changes[:5]) + (
                    f" (+{len(changes) - 5} more)" if len(changes) > 5 else ""
                )
                reasons.append(f"clone of {repo.name} was dirty after the run: {shown}")
        return reasons

    def cleanup(self) -> None:
        """Delete the clones."""
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TupleCheckout:
        return self

    def __exit__(self, *exc: object) -> None:
        """`with clone_tuple(...) as checkout:` always deletes the clones."""
        self.cleanup()


def missing_pins(pins: Mapping[str, str], repos: Sequence[str], tuple_name: str) -> None:
    """Raise NotFound when the tuple does not pin every repo the gate needs."""
    missing = [r for r in repos if r not in pins]
    if missing:
        raise NotFound(
            f"tuple {tuple_name!r} does not pin {', '.join(missing)}",
            hint=f"govkit tuple pin {tuple_name} {missing[0]}=REV",
        )


def clone_tuple(
    ws: Workspace,
    pins: Mapping[str, str],
    repos: Sequence[str],
    *,
    tuple_name: str,
    exclude: Sequence[str] = (),
    worktree: Path | None = None,
) -> TupleCheckout:
    """Clean-clone `repos` at `pins` (working repo first); with `worktree`, use it for the first.

    Raises GitError/NotFound when a clone cannot be made or verified; the
    caller turns that into an `error` run.
    """
    clones_dir = ws.state_dir / "clones"
    clones_dir.mkdir(parents=True, exist_ok=True)
    _sweep_stale(clones_dir)
    root = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=clones_dir))
    checkout = TupleCheckout(root)
    try:
        to_clone = list(repos[1:] if worktree is not None else repos)
        if worktree is not None:
            checkout.repos.append(_worktree_repo(ws, repos[0], worktree))
        missing_pins(pins, to_clone, tuple_name)
        jobs = [(name, pins[name]) for name in to_clone]

        def one(job: tuple[str, str]) -> ClonedRepo:
            name, sha = job
            spec = get_repo(ws, name)
            if git.is_url(spec.url):
                source = source_with_commit(ws, spec, sha)  # may fetch the mirror first
            else:
                source = (ws.root / spec.url).resolve()
            try:
                made = git.clone_detached(source, root / name, sha, exclude=exclude)
            except git.GitError:
                # Explain the usual causes (not a repo, unknown commit) by name.
                source_with_commit(ws, spec, sha)
                raise
            pin = RepoPin(
                name=name, url=spec.url, ref=tuple_name, commit=made.commit, tree=made.tree
            )
            return ClonedRepo(name, made.path, pin, fresh=True)

        if len(jobs) > 1:
            # Repos are independent; cloning them at once hides git's start-up cost.
            with ThreadPoolExecutor(max_workers=min(4, len(jobs))) as pool:
                checkout.repos.extend(pool.map(one, jobs))
        else:
            checkout.repos.extend(one(j) for j in jobs)
    except BaseException:
        checkout.cleanup()
        raise
    return checkout


def _worktree_repo(ws: Workspace, name: str, worktree: Path) -> ClonedRepo:
    path = worktree.resolve()
    if not git.is_repo(path):
        raise ValidationError(f"--worktree {worktree} is not a git work tree")
    commit, tree = git.head_of(path)
    dirty = git.dirty_paths(path)
    spec = ws.config.repos.get(name)
    pin = RepoPin(
        name=name,
        url=str(path) if spec is None else spec.url,
        ref="worktree",
        commit=commit,
        tree=tree,
        dirty=bool(dirty),
    )
    return ClonedRepo(name, path, pin, fresh=False)


def _sweep_stale(clones_dir: Path) -> None:
    """Remove clone dirs whose govkit process is gone (SIGKILL leaves them behind)."""
    for entry in clones_dir.iterdir():
        parts = entry.name.split("-")
        if len(parts) < 3 or parts[0] != "run" or not parts[1].isdigit():
            continue
        pid = int(parts[1])
        if pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
