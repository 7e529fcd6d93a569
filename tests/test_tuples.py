"""Repos and tuples: pinning resolves real revs in real git repos; errors name what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.errors import ConflictError, NotFound, ValidationError
from govkit.tuples import add_repo, describe_tuple, pin_tuple
from govkit.workspace import Workspace
from tests.helpers import commit, git, make_repo


@pytest.fixture
def repos(ws: Workspace) -> dict[str, str]:
    """Two sibling repos of the workspace: core (with a tag and a branch) and agent."""
    core = ws.root.parent / "core"
    first = make_repo(core, {"core.py": "VERSION = 1\n"})
    git(core, "tag", "v1")
    second = commit(core, {"core.py": "VERSION = 2\n"})
    git(core, "branch", "release", first)
    agent = make_repo(ws.root.parent / "agent", {"agent.py": "import core\n"})
    add_repo(ws, "core", str(core))
    add_repo(ws, "agent", str(ws.root.parent / "agent"))
    return {"core1": first, "core2": second, "agent": agent}


def test_repo_add_stores_path_relative_to_workspace(ws: Workspace, repos: dict[str, str]) -> None:
    assert ws.config.repos["core"].url == "../core"
    assert ws.config.repos["core"].ref == "main"


def test_repo_add_keeps_comments(ws: Workspace, repos: dict[str, str]) -> None:
    assert "# govkit workspace configuration" in ws.config_path.read_text()


def test_repo_add_rejects_non_repo_and_duplicates(
    ws: Workspace, repos: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(ValidationError, match="not a git repository"):
        add_repo(ws, "plain", str(tmp_path / "plain"))
    with pytest.raises(ConflictError, match="already exists"):
        add_repo(ws, "core", str(ws.root.parent / "core"))
    with pytest.raises(ValidationError):
        add_repo(ws, "../evil", str(ws.root.parent / "core"))


@pytest.mark.slow
def test_pin_resolves_branch_tag_short_and_full_sha(ws: Workspace, repos: dict[str, str]) -> None:
    assert pin_tuple(ws, "t", ["core=main"])["core"] == repos["core2"]
    assert pin_tuple(ws, "t", ["core=v1"])["core"] == repos["core1"]
    assert pin_tuple(ws, "t", ["core=release"])["core"] == repos["core1"]
    assert pin_tuple(ws, "t", [f"core={repos['core2'][:7]}"])["core"] == repos["core2"]
    pins = pin_tuple(ws, "t", [f"agent={repos['agent']}"])
    # Pinning one repo keeps the others.
    assert pins == {"core": repos["core2"], "agent": repos["agent"]}
    assert ws.config.tuples["t"] == pins


def test_pin_unknown_repo_and_rev_name_them(ws: Workspace, repos: dict[str, str]) -> None:
    with pytest.raises(NotFound, match="unknown repo 'nope'") as exc:
        pin_tuple(ws, "t", ["nope=main"])
    assert "agent, core" in exc.value.message
    with pytest.raises(NotFound, match="repo 'core' has no commit 'no-such-branch'"):
        pin_tuple(ws, "t", ["core=no-such-branch"])
    with pytest.raises(ValidationError, match="not REPO=REV"):
        pin_tuple(ws, "t", ["core"])
    assert "t" not in ws.config.tuples  # nothing written on error


def test_pin_from_url_uses_a_cached_mirror(ws: Workspace, tmp_path: Path) -> None:
    remote = tmp_path / "remote"
    sha = make_repo(remote, {"x.txt": "1\n"})
    add_repo(ws, "remote", f"file://{remote}")
    assert pin_tuple(ws, "t", ["remote=main"])["remote"] == sha
    mirrors = list((ws.state_dir / "mirrors").iterdir())
    assert len(mirrors) == 1 and mirrors[0].name.startswith("remote-")
    newer = commit(remote, {"x.txt": "2\n"})
    assert pin_tuple(ws, "t", ["remote=main"])["remote"] == newer  # pinning fetches


def test_describe_tuple_and_unknown_tuple(ws: Workspace, repos: dict[str, str]) -> None:
    pin_tuple(ws, "canonical", ["core=main", "agent=main"])
    rows = describe_tuple(ws, "canonical")
    assert [(r.repo, r.commit, r.url) for r in rows] == [
        ("agent", repos["agent"], "../agent"),
        ("core", repos["core2"], "../core"),
    ]
    with pytest.raises(NotFound, match="unknown tuple 'nope'"):
        describe_tuple(ws, "nope")


def test_cli_repo_and_tuple(ws: Workspace, repos: dict[str, str], runner: CliRunner) -> None:
    base = ["-C", str(ws.root)]
    res = runner.invoke(cli, [*base, "tuple", "pin", "cand", "core=v1"])
    assert res.exit_code == 0, res.output
    assert repos["core1"] in res.output
    res = runner.invoke(cli, [*base, "tuple", "show", "cand", "--json"])
    assert '"core": "' + repos["core1"] in res.output
    res = runner.invoke(cli, [*base, "tuple", "list"])
    assert "core@" + repos["core1"][:12] in res.output
    res = runner.invoke(cli, [*base, "repo", "list", "--json"])
    assert '"url": "../core"' in res.output
    res = runner.invoke(cli, [*base, "tuple", "pin", "cand", "core=bogus"])
    assert res.exit_code == 2
    assert "repo 'core' has no commit 'bogus'" in res.output


def test_unknown_names_list_what_is_defined(ws: Workspace) -> None:
    from govkit.gates import get_gate
    from govkit.tuples import get_tuple

    with pytest.raises(NotFound) as exc:
        get_tuple(ws, "nope")
    assert exc.value.message == "unknown tuple 'nope' (known: none yet)"
    assert exc.value.path == ws.config_path and "govkit tuple pin nope" in str(exc.value.hint)
    with pytest.raises(NotFound, match=r"unknown gate 'VG-X-1' \(known: none yet\)"):
        get_gate(ws, "VG-X-1")
