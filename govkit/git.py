"""The one place govkit runs git.

Hot paths (clone, checkout, status, rev-parse for every run) are plain `git`
subprocesses: faster than GitPython for these few porcelain calls (measured
here: importing GitPython costs ~58 ms, and resolving a rev took 2.6 ms through
GitPython against 1.6 ms as a subprocess), and their errors are plain text we can
pass on. GitPython serves the cold paths that read the repository's object model
(a ref's commit time for `handoff --since REF`); it is imported there, lazily.
The environment is stripped of GIT_* so a caller's GIT_DIR or GIT_INDEX_FILE can
never redirect a clone.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from govkit.errors import GovkitError, NotFound

FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:")

# Caches that test tools write into a checkout. Ignoring them (in the clone's
# .git/info/exclude, never in the tree) keeps a run claim-grade; a test that
# writes anything else into the clone is reported.
TOOL_CACHES = (
    "__pycache__/",
    "*.py[cod]",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".hypothesis/",
    ".coverage",
    ".coverage.*",
    ".tox/",
    ".nox/",
    "*.egg-info/",
)


class GitError(GovkitError):
    """A git command failed; the message carries git's own words."""


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default os.environ) without any GIT_* variable."""
    source = os.environ if base is None else base
    return {k: v for k, v in source.items() if not k.startswith("GIT_")}


def _git_env() -> dict[str, str]:
    env = clean_env()
    env["GIT_TERMINAL_PROMPT"] = "0"  # never hang on a credential prompt
    env.setdefault("LC_ALL", "C")  # git's messages in English, for our error text
    return env


def run_git(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    what: str = "",
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS` with a clean environment (plus `env`); raise GitError naming `what`."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env={**_git_env(), **(env or {})},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (no `git` on PATH)") from None
    if check and proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        reason = detail[-1] if detail else f"exit {proc.returncode}"
        raise GitError(f"{what or 'git ' + args[0]} failed: {reason}")
    return proc


@cache
def git_version() -> str:
    """'2.39.5', or '' when git is missing."""
    try:
        out = run_git(["--version"]).stdout
    except GitError:
        return ""
    m = re.search(r"(\d+(?:\.\d+)+)", out)
    return m.group(1) if m else out.strip()


def is_url(location: str) -> bool:
    """True for remote locations (scheme://… or user@host:path), false for local paths."""
    return "://" in location or bool(_SCP_LIKE.match(location))


def is_repo(path: Path) -> bool:
    """True when `path` is a git repository (work tree or bare)."""
    if not path.exists():
        return False
    proc = run_git(["-C", str(path), "rev-parse", "--git-dir"], check=False)
    return proc.returncode == 0


def resolve_rev(repo: Path, rev: str, *, repo_name: str) -> str:
    """Full commit SHA of `rev` (branch, tag, short or full SHA) in `repo`."""
    proc = run_git(
        [
            "-C",
            str(repo),
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{rev}^{{commit}}",
        ],
        check=False,
    )
    sha = proc.stdout.strip()
    if proc.returncode != 0 or not FULL_SHA.match(sha):
        raise NotFound(
            f"repo {repo_name!r} has no commit {rev!r}",
            hint=f"check the branch, tag or SHA (git -C {repo} log --oneline)",
        )
    return sha


def has_commit(repo: Path, sha: str) -> bool:
    """True when `repo` contains commit `sha`."""
    proc = run_git(["-C", str(repo), "cat-file", "-e", f"{sha}^{{commit}}"], check=False)
    return proc.returncode == 0


def mirror_dir(state_dir: Path, url: str) -> Path:
    """Where the cached bare mirror of `url` lives: .govkit/mirrors/<name>-<hash>.git."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"))
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return state_dir / "mirrors" / f"{name or 'repo'}-{digest}.git"


def update_mirror(state_dir: Path, url: str) -> Path:
    """Create or refresh the bare mirror of `url`; return its path."""
    path = mirror_dir(state_dir, url)
    if path.is_dir():
        run_git(["-C", str(path), "fetch", "--prune", "--tags", "origin"], what=f"fetch {url}")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        if tmp.exists():
            import shutil

            shutil.rmtree(tmp)
        run_git(["clone", "--mirror", "--quiet", url, str(tmp)], what=f"mirror {url}")
        tmp.rename(path)
    return path


@dataclass(frozen=True)
class Checkout:
    """A detached checkout made by `clone_detached`."""

    path: Path
    commit: str
    tree: str


def clone_detached(source: Path, dest: Path, sha: str, *, exclude: Sequence[str] = ()) -> Checkout:
    """Clone `source` into `dest` at `sha`, detached, and verify HEAD and a clean status.

    `exclude` patterns go to the clone's .git/info/exclude (tool caches, expected outputs).
    """
    run_git(
        ["clone", "--local", "--no-checkout", "--quiet", str(source), str(dest)],
        what=f"clone {source}",
    )
    if exclude:
        info = dest / ".git" / "info"
        info.mkdir(parents=True, exist_ok=True)
        with (info / "exclude").open("a", encoding="utf-8") as fh:
            fh.write("\n# govkit: tool caches and declared outputs\n" + "\n".join(exclude) + "\n")
    run_git(
        ["-C", str(dest), "checkout", "--quiet", "--detach", sha, "--"],
        what=f"checkout {sha[:12]}",
    )
    if (dest / ".gitmodules").is_file():
        run_git(
            [
                "-C",
                str(dest),
                "-c",
                "protocol.file.allow=always",
                "submodule",
                "update",
                "--init",
                "--recursive",
                "--quiet",
            ],
            what="submodule update",
        )
    head, tree = run_git(["-C", str(dest), "rev-parse", "HEAD", "HEAD^{tree}"]).stdout.split()
    if head != sha:
        raise GitError(f"clone of {source} is at {head}, expected {sha}")
    problems = dirty_paths(dest)
    if problems:
        raise GitError(f"fresh clone of {source} at {sha[:12]} is not clean: {problems[0]}")
    return Checkout(dest, head, tree)


def head_of(repo: Path) -> tuple[str, str]:
    """(commit, tree) of HEAD in a work tree."""
    out = run_git(["-C", str(repo), "rev-parse", "HEAD", "HEAD^{tree}"], what="rev-parse HEAD")
    head, tree = out.stdout.split()
    return head, tree


def dirty_paths(repo: Path) -> list[str]:
    """What `status --porcelain` reports, as readable lines ('modified: a.py', 'untracked: x')."""
    proc = run_git(
        ["-C", str(repo), "status", "--porcelain=v1", "-z", "--untracked-files=all"],
        what="git status",
    )
    lines: list[str] = []
    fields = proc.stdout.split("\0")
    i = 0
    while i < len(fields):
        item = fields[i]
        i += 1
        if len(item) < 4:
            continue
        code, path = item[:2], item[3:]
        if code[0] in "RC":
            i += 1  # the rename source follows as its own field
        if code == "??":
            lines.append(f"untracked: {path}")
        elif "D" in code:
            lines.append(f"deleted: {path}")
        elif "A" in code:
            lines.append(f"added: {path}")
        else:
            lines.append(f"modified: {path}")
    return lines


def commit_time(repo: Path, ref: str) -> str:
    """Committer time (RFC 3339 UTC) of `ref` in `repo`, through GitPython (cold path)."""
    import git as gitpython  # GitPython: imported only here, never at startup

    from govkit.timeutil import rfc3339

    try:
        commit = gitpython.Repo(repo, search_parent_directories=True).commit(ref)
    except (gitpython.exc.GitError, ValueError, IndexError) as exc:
        raise NotFound(
            f"{ref!r} is not a git ref of {repo}", hint=f"git -C {repo} log --oneline"
        ) from exc
    return rfc3339(commit.committed_datetime)


def remote_url(repo: Path) -> str | None:
    """URL of `origin` in a work tree, if any."""
    proc = run_git(["-C", str(repo), "remote", "get-url", "origin"], check=False)
    return proc.stdout.strip() or None
