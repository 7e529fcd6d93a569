"""Build the demo's git repositories with fixed dates, so their SHAs are the same everywhere."""

from __future__ import annotations

import os
from pathlib import Path

from govkit.demo.programs import DEMO_REPOS, DemoCommit
from govkit.git import run_git

_EPOCH = 1_790_000_000  # 2026-09-21: demo history starts here, one day per commit


def _git(repo: Path, *args: str, when: int | None = None) -> str:
    env = {
        "GIT_AUTHOR_NAME": "govkit demo",
        "GIT_AUTHOR_EMAIL": "demo@govkit.invalid",
        "GIT_COMMITTER_NAME": "govkit demo",
        "GIT_COMMITTER_EMAIL": "demo@govkit.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"
    what = f"git {' '.join(args)} in {repo}"
    return run_git(["-C", str(repo), *args], env=env, what=what).stdout.strip()


def build_repo(path: Path, commits: list[DemoCommit], *, day: int = 0) -> dict[str, str]:
    """Create a repo at `path` with the given history; return tag -> commit SHA."""
    path.mkdir(parents=True, exist_ok=True)
    _git(path, "init", "-q", "-b", "main")
    tags: dict[str, str] = {}
    for i, commit in enumerate(commits):
        for name, text in commit.files.items():
            target = path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        _git(path, "add", "-A")
        _git(path, "commit", "-q", "-m", commit.message, when=_EPOCH + 86400 * (day + i))
        sha = _git(path, "rev-parse", "HEAD")
        if commit.tag:
            _git(path, "tag", commit.tag)
            tags[commit.tag] = sha
    return tags


def build_demo_repos(root: Path) -> dict[str, dict[str, str]]:
    """All demo repos under `root`; returns repo -> tag -> SHA."""
    return {name: build_repo(root / name, commits) for name, commits in DEMO_REPOS.items()}
