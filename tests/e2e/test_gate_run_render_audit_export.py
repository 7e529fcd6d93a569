"""A real gate run, rendered and audited: the whole chain govkit promises."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import commit, make_repo, run_govkit


@pytest.mark.slow
def test_gate_run_render_audit_export(tmp_path: Path) -> None:
    core = tmp_path / "core"
    make_repo(core, {"tests/test_x.py": "def test_a():\n    pass\n\ndef test_b():\n    pass\n"})
    ws = tmp_path / "ws"
    steps = [
        ("init", str(ws)),
        ("-C", str(ws), "repo", "add", "core", str(core)),
        ("-C", str(ws), "tuple", "pin", "canonical", "core=main"),
        (
            "-C",
            str(ws),
            "gate",
            "add",
            "VG-CORE-001",
            "--title",
            "core suite",
            "--repo",
            "core",
            "--parser",
            "pytest",
            "--",
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
        ),
        ("-C", str(ws), "gate", "run", "VG-CORE-001"),
        ("-C", str(ws), "render", "status"),
    ]
    for args in steps:
        proc = run_govkit(*args, cwd=tmp_path)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)

    audit = run_govkit("-C", str(ws), "audit", "--format", "json", cwd=tmp_path)
    assert audit.returncode == 0, audit.stdout
    assert json.loads(audit.stdout)["findings"] == []

    # A hand edit of the rendered claim is caught against the stored log.
    status = ws / "STATUS.md"
    text = status.read_text()
    assert "2 passed" in text
    status.write_text(text.replace("2 passed", "20 passed", 1))
    audit = run_govkit("-C", str(ws), "audit", "--format", "json", cwd=tmp_path)
    assert audit.returncode == 1
    assert {f["code"] for f in json.loads(audit.stdout)["findings"]} == {"GK202"}
    status.write_text(text)

    # The tuple moves on: the cited run is now stale (a warning; --strict fails).
    commit(core, {"README.md": "moved\n"})
    proc = run_govkit("-C", str(ws), "tuple", "pin", "canonical", "core=main", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    audit = run_govkit("-C", str(ws), "audit", "--strict", cwd=tmp_path)
    assert audit.returncode == 1 and "GK402 stale-evidence-commit" in audit.stdout

    out = tmp_path / "runs.intoto.jsonl"
    proc = run_govkit("-C", str(ws), "export", "intoto", "--all", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["predicate"].get("result") for x in lines] == ["PASSED", None]
