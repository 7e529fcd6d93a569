from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from govkit.demo.repos import build_demo_repos


def test_demo_repos_have_fixed_shas(tmp_path: Path) -> None:
    first = build_demo_repos(tmp_path / "a")
    second = build_demo_repos(tmp_path / "b")
    assert first == second  # fixed dates and identity: same SHAs on every machine
    assert set(first) == {"core-lib", "consumer-app", "perf-harness"}
    assert set(first["core-lib"]) == {"v1", "v2", "v3-experimental"}


@pytest.mark.slow
def test_experimental_core_really_fails_its_suite(tmp_path: Path) -> None:
    shas = build_demo_repos(tmp_path / "repos")
    clone = tmp_path / "clone" / "core-lib"
    subprocess.run(
        ["git", "clone", "-q", str(tmp_path / "repos" / "core-lib"), str(clone)], check=True
    )

    def run_at(sha: str) -> subprocess.CompletedProcess[str]:
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", sha], check=True)
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=clone,
            capture_output=True,
            text=True,
        )

    good = run_at(shas["core-lib"]["v2"])
    assert good.returncode == 0 and "18 passed" in good.stdout
    bad = run_at(shas["core-lib"]["v3-experimental"])
    assert bad.returncode == 1 and "4 failed, 14 passed" in bad.stdout
