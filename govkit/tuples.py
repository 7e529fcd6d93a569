"""Repos and tuples: where the code lives and which commits a name stands for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from govkit import git, yamlio
from govkit.config import RepoDef
from govkit.errors import ConflictError, NotFound, ValidationError
from govkit.ids import check_safe_id
from govkit.workspace import Workspace


def get_repo(ws: Workspace, name: str) -> RepoDef:
    """The repo named `name`, or NotFound listing the known ones."""
    hint = f"add it with `govkit repo add {name} PATH_OR_URL`"
    return NotFound.lookup("repo", ws.config.repos, name, path=ws.config_path, hint=hint)


def repo_source(ws: Workspace, repo: RepoDef, *, fetch: bool = False) -> Path:
    """A local git directory holding `repo`'s commits: its path, or the cached mirror of its URL.

    `fetch` refreshes a URL's mirror first (when pinning); clones reuse the mirror as is
    and only fetch when a pinned commit is missing.
    """
    if git.is_url(repo.url):
        mirror = git.mirror_dir(ws.state_dir, repo.url)
        if fetch or not mirror.is_dir():
            return git.update_mirror(ws.state_dir, repo.url)
        return mirror
    path = (ws.root / repo.url).resolve()
    if not git.is_repo(path):
        raise NotFound(
            f"repo {repo.name!r}: {path} is not a git repository",
            path=ws.config_path,
            hint="fix its url in govkit.yaml (a path relative to the workspace root, or a URL)",
        )
    return path


def source_with_commit(ws: Workspace, repo: RepoDef, sha: str) -> Path:
    """repo_source(), fetching a URL mirror once if it lacks `sha`."""
    if not git.is_url(repo.url):
        path = (ws.root / repo.url).resolve()
        # One git call on the fast path; the slower checks only explain a failure.
        if git.has_commit(path, sha):
            return path
        repo_source(ws, repo)  # raises when the path is not a repository
    else:
        source = repo_source(ws, repo)
        if git.has_commit(source, sha):
            return source
        source = repo_source(ws, repo, fetch=True)
        if git.has_commit(source, sha):
            return source
    raise NotFound(
        f"repo {repo.name!r} has no commit {sha}",
        hint="the commit may have been rewritten away; re-pin the tuple",
    )


def add_repo(ws: Workspace, name: str, location: str, *, ref: str = "main") -> RepoDef:
    """Add a repo to govkit.yaml (a local path relative to the root, or a URL)."""
    check_safe_id(name, what="repo name")
    if not git.is_url(location):
        path = Path(location)
        absolute = path if path.is_absolute() else (Path.cwd() / path)
        if not git.is_repo(absolute):
            raise ValidationError(
                f"{location} is not a git repository", hint="give a repo path or a URL"
            )
        location = _relative_to_root(ws, absolute.resolve())
    with ws.edit_config() as data:
        repos = data.get("repos")
        if repos is None or not isinstance(repos, dict):
            repos = data["repos"] = yamlio.new_map()
        if name in repos:
            raise ConflictError(f"repo {name!r} already exists", path=ws.config_path)
        repos[name] = yamlio.new_map({"url": location, "ref": ref})
    return RepoDef(name, location, ref)


def _relative_to_root(ws: Workspace, path: Path) -> str:
    import os

    return Path(os.path.relpath(path, ws.root.resolve())).as_posix()


@dataclass(frozen=True)
class TuplePin:
    """One repo of a tuple, resolved for display."""

    repo: str
    commit: str
    url: str
    ref: str


def get_tuple(ws: Workspace, name: str) -> dict[str, str]:
    """The pins of tuple `name`, or NotFound listing the known tuples."""
    hint = f"create it with `govkit tuple pin {name} REPO=REV …`"
    return dict(NotFound.lookup("tuple", ws.config.tuples, name, path=ws.config_path, hint=hint))


def resolve_pins(ws: Workspace, specs: Sequence[str]) -> dict[str, str]:
    """Turn REPO=REV arguments into repo -> full SHA, resolving in each repo."""
    pins: dict[str, str] = {}
    for spec in specs:
        name, sep, rev = spec.partition("=")
        if not sep or not name or not rev:
            raise ValidationError(
                f"{spec!r} is not REPO=REV", hint="write it like rlm-core=main or rlm-core=3f9a2c1"
            )
        if name in pins:
            raise ValidationError(
                f"{name} is given twice", hint="pin each repo once: REPO=REV per repo"
            )
        repo = get_repo(ws, name)
        source = repo_source(ws, repo, fetch=git.is_url(repo.url))
        pins[name] = git.resolve_rev(source, rev, repo_name=name)
    return pins


def pin_tuple(ws: Workspace, name: str, specs: Sequence[str]) -> dict[str, str]:
    """Set pins of tuple `name` (created if new; other repos' pins are kept); return all pins."""
    check_safe_id(name, what="tuple name")
    if not specs:
        raise ValidationError(
            "give at least one REPO=REV", hint=f"govkit tuple pin {name} core=main"
        )
    pins = resolve_pins(ws, specs)
    return set_tuple(ws, name, pins, replace=False)


def set_tuple(
    ws: Workspace, name: str, pins: Mapping[str, str], *, replace: bool, locked: bool = False
) -> dict[str, str]:
    """Write pins into govkit.yaml (round-trip); `replace` drops pins not given.

    `locked`: the caller already holds the workspace lock.
    """
    with ws.edit_config(locked=locked) as data:
        tuples = data.get("tuples")
        if tuples is None or not isinstance(tuples, dict):
            tuples = data["tuples"] = yamlio.new_map()
        current = tuples.get(name)
        if current is None or not isinstance(current, dict) or replace:
            current = tuples[name] = yamlio.new_map()
        for repo, sha in pins.items():
            current[repo] = sha
        result = {str(k): str(v) for k, v in current.items()}
    return result


def describe_tuple(ws: Workspace, name: str) -> list[TuplePin]:
    """The pins of a tuple with each repo's url and ref."""
    rows = []
    for repo, sha in sorted(get_tuple(ws, name).items()):
        spec = ws.config.repos.get(repo)
        rows.append(TuplePin(repo, sha, spec.url if spec else "?", spec.ref if spec else "?"))
    return rows
