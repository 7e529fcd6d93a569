"""Clean clones of a tuple: detached at the pins, verified, checked again after the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from govkit import git as gitadapter
from govkit.clone import clone_tuple
from govkit.errors import NotFound
from govkit.tuples import add_repo, pin_tuple
from govkit.workspace import Workspace
from tests.helpers import commit, git, make_repo


@pytest.fixture
def pinned(ws: Workspace) -> dict[str, str]:
    core = ws.root.parent / "core"
    old = make_repo(core, {"core.py": "V = 1\n", ".gitignore": "build/\n"})
    commit(core, {"core.py": "V = 2\n"})
    agent = ws.root.parent / "agent"
    make_repo(agent, {"agent.py": "A = 1\n"})
    add_repo(ws, "core", str(core))
    add_repo(ws, "agent", str(agent))
    return pin_tuple(ws, "canonical", [f"core={old}", "agent=main"])


@pytest.mark.slow
def test_clone_is_detached_at_the_pins_and_clean(ws: Workspace, pinned: dict[str, str]) -> None:
    with clone_tuple(ws, pinned, ["core", "agent"], tuple_name="canonical") as co:
        assert [r.name for r in co.repos] == ["core", "agent"]
        core = co.working
        assert core.path.parent == co.root
        assert git(core.path, "rev-parse", "HEAD") == pinned["core"]
        assert git(core.path, "status", "--porcelain") == ""
        assert (core.path / "core.py").read_text() == "V = 1\n"  # the old commit, not main
        assert core.pin.commit == pinned["core"]
        assert core.pin.tree == git(core.path, "rev-parse", "HEAD^{tree}")
        assert core.pin.ref == "canonical" and core.pin.url == "../core"
        assert co.problems_after() == []
        root = co.root
    assert root is not None and not root.exists()  # deleted after the run


def test_head_is_detached(ws: Workspace, pinned: dict[str, str]) -> None:
    with clone_tuple(ws, pinned, ["core"], tuple_name="canonical") as co:
        out = git(co.working.path, "branch", "--show-current")
        assert out == ""


@pytest.mark.slow
def test_tracked_change_and_untracked_file_are_reported(
    ws: Workspace, pinned: dict[str, str]
) -> None:
    with clone_tuple(ws, pinned, ["core", "agent"], tuple_name="canonical") as co:
        (co.working.path / "core.py").write_text("rewritten by a test\n")
        (co.repos[1].path / "leftover.txt").write_text("x")
        reasons = co.problems_after()
    assert any("clone of core" in r and "modified: core.py" in r for r in reasons)
    assert any("clone of agent" in r and "untracked: leftover.txt" in r for r in reasons)


def test_ignored_and_tool_cache_files_do_not_count(ws: Workspace, pinned: dict[str, str]) -> None:
    with clone_tuple(
        ws, pinned, ["core"], tuple_name="canonical", exclude=(*gitadapter.TOOL_CACHES, "out.xml")
    ) as co:
        p = co.working.path
        (p / "build").mkdir()
        (p / "build" / "x.o").write_text("ignored by the repo's .gitignore")
        (p / "__pycache__").mkdir()
        (p / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"\0")
        (p / ".pytest_cache").mkdir()
        (p / ".pytest_cache" / "v").write_text("x")
        (p / "out.xml").write_text("<testsuite/>")  # a declared artifact
        assert co.problems_after() == []
        # The exclusions live in .git/info/exclude, never in the tree.
        assert git(p, "status", "--porcelain") == ""
        assert "__pycache__/" in (p / ".git" / "info" / "exclude").read_text()


def test_git_env_is_stripped(
    ws: Workspace, pinned: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A caller's GIT_DIR would otherwise redirect every git command to another repo.
    monkeypatch.setenv("GIT_DIR", str(ws.root / "nowhere"))
    monkeypatch.setenv("GIT_WORK_TREE", str(ws.root))
    with clone_tuple(ws, pinned, ["core"], tuple_name="canonical") as co:
        assert co.working.pin.commit == pinned["core"]
    assert "GIT_DIR" not in gitadapter.clean_env()


def test_missing_pin_and_missing_commit(ws: Workspace, pinned: dict[str, str]) -> None:
    with pytest.raises(NotFound, match="does not pin core"):
        clone_tuple(ws, {"agent": pinned["agent"]}, ["core", "agent"], tuple_name="t")
    with pytest.raises(NotFound, match="has no commit"):
        clone_tuple(ws, {"core": "f" * 40}, ["core"], tuple_name="t")
    # Failed clones leave nothing behind.
    assert list((ws.state_dir / "clones").iterdir()) == []


@pytest.mark.slow
def test_submodules_are_checked_out(ws: Workspace, tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    make_repo(sub, {"lib.txt": "from the submodule\n"})
    parent = tmp_path / "parent"
    make_repo(parent, {"README.md": "p\n"})
    git(
        parent, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor/sub"
    )
    git(parent, "commit", "-q", "-m", "add submodule")
    add_repo(ws, "parent", str(parent))
    pins = pin_tuple(ws, "t", ["parent=main"])
    with clone_tuple(ws, pins, ["parent"], tuple_name="t") as co:
        assert (co.working.path / "vendor/sub/lib.txt").read_text() == "from the submodule\n"
        assert co.problems_after() == []


def test_worktree_is_used_in_place_and_marked_dirty(ws: Workspace, pinned: dict[str, str]) -> None:
    wt = ws.root.parent / "core"
    (wt / "core.py").write_text("uncommitted\n")
    with clone_tuple(ws, pinned, ["core", "agent"], tuple_name="canonical", worktree=wt) as co:
        assert co.working.path == wt.resolve() and not co.working.fresh
        assert co.working.pin.dirty and co.working.pin.ref == "worktree"
        assert co.working.pin.commit == git(wt, "rev-parse", "HEAD")
        assert co.repos[1].fresh
    assert wt.exists()  # the user's tree is never deleted


def test_stale_clones_of_dead_processes_are_swept(ws: Workspace, pinned: dict[str, str]) -> None:
    clones = ws.state_dir / "clones"
    clones.mkdir(parents=True, exist_ok=True)
    dead = clones / "run-999999-abc"  # no such pid
    dead.mkdir()
    mine = clones / f"run-{os.getppid()}-xyz"  # a live process
    mine.mkdir()
    with clone_tuple(ws, pinned, ["core"], tuple_name="canonical"):
        pass
    assert not dead.exists() and mine.exists()
