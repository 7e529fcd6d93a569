"""Test helpers: real git repositories and real govkit processes in temp dirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from click.testing import CliRunner

    from govkit.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parent.parent

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` and return stripped stdout."""
    env = {**os.environ, **GIT_ENV, "HOME": str(repo)}
    out = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    )
    return out.stdout.strip()


def make_repo(path: Path, files: dict[str, str] | None = None, message: str = "initial") -> str:
    """Create a git repo at `path` with `files` committed on main; return the commit SHA."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    return commit(path, files or {"README.md": "test repo\n"}, message)


def commit(path: Path, files: dict[str, str], message: str = "change") -> str:
    """Write `files` into the repo, commit them, return the new SHA."""
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message)
    return git(path, "rev-parse", "HEAD")


def govkit_cmd() -> list[str]:
    """argv prefix that runs this checkout's govkit as a real process."""
    return [sys.executable, "-m", "govkit"]


def govkit_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment, with this checkout's govkit importable, plus `extra`."""
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), **(extra or {})}


def spawn_govkit(
    *args: str, cwd: Path, env: dict[str, str] | None = None, **popen: Any
) -> subprocess.Popen[Any]:
    """Start govkit as a separate process (signals, concurrency); Popen options pass through."""
    return subprocess.Popen([*govkit_cmd(), *args], cwd=cwd, env=govkit_env(env), **popen)


def run_govkit(
    *args: str,
    cwd: Path,
    check: bool = False,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run govkit as a separate process (for concurrency, crash and startup tests)."""
    return subprocess.run(
        [*govkit_cmd(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=govkit_env(env),
        check=check,
        timeout=timeout,
    )


def invoke(runner: CliRunner, ws: Workspace, *args: str) -> tuple[int, str]:
    """Run govkit in-process on `ws`; (exit code, output). A crash fails the calling test."""
    from govkit.cli import cli

    result = runner.invoke(cli, ["-C", str(ws.root), *args])
    # CliRunner swallows exceptions: anything but a clean exit is a bug, not an answer.
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed and "Traceback" not in result.output, result.output + repr(result.exception)
    return result.exit_code, result.output
