"""audit --since REF: the evidence only grew since a commit, against real git history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.workspace import Workspace
from tests.audit.evidence import make_run, record_file
from tests.evidence.forgery import rewrite_record_and_rechain
from tests.helpers import git, invoke

# Real ssh-keygen / git subprocesses per test.
pytestmark = pytest.mark.slow


def _commit_all(ws: Workspace, message: str) -> str:
    git(ws.root, "add", "-A")
    git(ws.root, "commit", "-q", "-m", message)
    return git(ws.root, "rev-parse", "HEAD")


def _repo(ws: Workspace, runs: int = 3) -> str:
    git(ws.root, "init", "-q", "-b", "main")
    for i in range(runs):
        make_run(ws, started_at=f"2026-11-20T10:{i:02d}:00.000Z")
    return _commit_all(ws, "evidence")


def _findings(out: str) -> set[tuple[str, str]]:
    return {(f["code"], f["path"]) for f in json.loads(out)["findings"]}


def test_a_consistent_rewrite_passes_audit_but_not_audit_since(
    ws: Workspace, runner: CliRunner
) -> None:
    base = _repo(ws)
    forged = rewrite_record_and_rechain(ws, line=2)
    code, out = invoke(runner, ws, "audit", "--json")
    assert code == 0, out  # chain, hashes and summaries all agree after the forgery
    code, out = invoke(runner, ws, "audit", "--since", base, "--json")
    assert code == 1
    found = _findings(out)
    assert ("GK111", "evidence/ledger.jsonl") in found
    assert ("GK112", forged) in found
    assert json.loads(out)["since"].startswith(base)


def test_growth_is_fine_and_removal_is_caught(ws: Workspace, runner: CliRunner) -> None:
    base = _repo(ws, runs=2)
    make_run(ws, started_at="2026-11-21T09:00:00.000Z")
    code, out = invoke(runner, ws, "audit", "--since", base)
    assert code == 0, out
    assert f"append-only since {base} ({base[:12]})" in out
    victim = record_file(ws, make_run(ws, started_at="2026-11-19T09:00:00.000Z"))
    _commit_all(ws, "more")
    # Drop the newest ledger line and its run: the chain stays intact.
    lines = ws.ledger_path.read_text().splitlines(keepends=True)
    ws.ledger_path.write_text("".join(lines[:-1]))
    for f in victim.parent.iterdir():
        f.unlink()
    victim.parent.rmdir()
    code, out = invoke(runner, ws, "audit", "--json")
    assert code == 0, out
    code, out = invoke(runner, ws, "audit", "--since", "HEAD", "--json")
    found = _findings(out)
    assert ("GK111", "evidence/ledger.jsonl") in found
    assert ("GK112", ws.rel(victim)) in found
    assert any(c == "GK112" and p.endswith("stdout.log") for c, p in found)


def test_since_merge_base_finds_the_base_branch(ws: Workspace, runner: CliRunner) -> None:
    _repo(ws)
    git(ws.root, "checkout", "-q", "-b", "topic")
    make_run(ws, started_at="2026-11-22T09:00:00.000Z")
    _commit_all(ws, "topic run")
    code, out = invoke(runner, ws, "audit", "--since-merge-base")
    assert code == 0, out
    assert "merge base of HEAD and main" in out
    rewrite_record_and_rechain(ws, line=1)
    _commit_all(ws, "forged on the branch")
    code, out = invoke(runner, ws, "audit", "--since-merge-base")
    assert code == 1 and "GK111" in out and "GK112" in out
    code, out = invoke(runner, ws, "audit", "--since-merge-base=nosuch")
    assert code == 2 and "no merge base" in out


def test_since_outside_git_or_unknown_ref_is_a_clear_error(
    ws: Workspace, runner: CliRunner
) -> None:
    code, out = invoke(runner, ws, "audit", "--since", "HEAD")
    assert code == 2 and "not inside a git repository" in out
    _repo(ws, runs=1)
    code, out = invoke(runner, ws, "audit", "--since", "v9.9")
    assert code == 2 and "'v9.9' is not a commit" in out


def test_a_workspace_in_a_subfolder_of_the_repo(tmp_path: Path, runner: CliRunner) -> None:
    from govkit.workspace import init_workspace

    repo = tmp_path / "monorepo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    ws = init_workspace(repo / "governance", name="sub")
    make_run(ws)
    make_run(ws, started_at="2026-11-20T12:00:00.000Z")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "evidence")
    code, out = invoke(runner, ws, "audit", "--since", "HEAD")
    assert code == 0, out
    forged = rewrite_record_and_rechain(ws, line=1)
    code, out = invoke(runner, ws, "audit", "--since", "HEAD", "--json")
    assert ("GK112", forged) in _findings(out)
