from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govkit.evidence.record import EvidenceRecord
from govkit.workspace import Workspace, init_workspace
from tests.render.fixture import build_workspace


@pytest.fixture(scope="session")
def _harbor_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, EvidenceRecord]]:
    root = tmp_path_factory.mktemp("harbor-template") / "harbor"
    ws = init_workspace(root, name="harbor")
    runs = build_workspace(ws)
    return root, runs


@pytest.fixture
def harbor(_harbor_template: tuple[Path, dict[str, EvidenceRecord]], tmp_path: Path) -> Workspace:
    """A private copy of the fixture workspace (tests may change it)."""
    src, _ = _harbor_template
    dst = tmp_path / "harbor"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("lock", "*.lock"))
    return Workspace(dst)


@pytest.fixture
def harbor_runs(
    _harbor_template: tuple[Path, dict[str, EvidenceRecord]],
) -> dict[str, EvidenceRecord]:
    """The fixture's runs by key (core-1, relay-3, …)."""
    return _harbor_template[1]
