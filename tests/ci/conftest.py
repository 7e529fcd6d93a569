"""A workspace with a real repo and two small gates, for bundle and CI tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from govkit.config import GateDef
from govkit.gates import add_gate
from govkit.tuples import add_repo, pin_tuple
from govkit.workspace import Workspace
from tests.helpers import commit, make_repo

# Passes while the flag file (outside the repo) exists: a test can flip the outcome.
CHECK = (
    "import os, sys\nprint('3 passed')\nif os.environ.get('REPORT'):\n    open('report.txt', 'w').write('report\\n')\n"
    "sys.exit(0 if os.path.exists(os.environ['FLAG']) else 1)\n"
)


@pytest.fixture
def gated(ws: Workspace, tmp_path: Path) -> Workspace:
    """`ws` with repo core, tuples canonical and candidate, and gates VG-CORE-1 and VG-CORE-2."""
    repo = ws.root.parent / "core"
    make_repo(repo, {"check.py": CHECK})
    add_repo(ws, "core", str(repo))
    pin_tuple(ws, "canonical", ["core=main"])
    commit(repo, {"README.md": "candidate\n"})
    pin_tuple(ws, "candidate", ["core=main"])
    flag = tmp_path / "flag"
    flag.touch()
    for n in (1, 2):
        add_gate(
            ws,
            GateDef(
                id=f"VG-CORE-{n}",
                title=f"core check {n}",
                repo="core",
                argv=(sys.executable, "check.py"),
                env={"FLAG": str(flag), **({"REPORT": "1"} if n == 2 else {})},
                parser="pytest",
                weekly=n == 1,
                heavy=n == 2,
                artifacts=("report.txt",) if n == 2 else (),
            ),
        )
    return ws
