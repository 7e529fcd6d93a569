"""`govkit ci github`: the workflow text, its stability, --check, and GitHub's own schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit import yamlio
from govkit.workspace import Workspace
from tests.helpers import invoke, make_repo

SCHEMA_CHECK = [
    sys.executable,
    "-m",
    "check_jsonschema",
    "--builtin-schema",
    "vendor.github-workflows",
]


def _ci(ws: Workspace, **settings: object) -> None:
    with ws.edit_config() as data:
        data["ci"] = yamlio.new_map(dict(settings))


def test_rerun_writes_identical_bytes_and_check_catches_staleness(
    gated: Workspace, runner: CliRunner
) -> None:
    out = gated.root / ".github" / "workflows" / "govkit.yml"
    code, output = invoke(runner, gated, "ci", "github", "--tuple", "candidate")
    assert code == 0 and f"wrote {out}" in output
    first = out.read_bytes()
    code, output = invoke(runner, gated, "ci", "github", "--tuple", "candidate")
    assert code == 0 and "unchanged" in output and out.read_bytes() == first
    assert invoke(runner, gated, "ci", "github", "--tuple", "candidate", "--check")[0] == 0
    # A govkit.yaml change the workflow must follow: a gate's timeout sets its job timeout.
    with gated.edit_config() as data:
        data["gates"]["VG-CORE-1"]["timeout"] = "2h"
    code, output = invoke(runner, gated, "ci", "github", "--tuple", "candidate", "--check")
    assert (
        code == 1 and "-            minutes: 45" in output and "+            minutes: 135" in output
    )
    assert out.read_bytes() == first  # --check writes nothing
    out.unlink()
    code, output = invoke(runner, gated, "ci", "github", "--tuple", "candidate", "--check")
    assert code == 1 and "/dev/null" in output


def test_matrix_split_by_weight_with_runner_labels(gated: Workspace, runner: CliRunner) -> None:
    _ci(
        gated,
        runner="ubuntu-24.04",
        heavy_runner=["self-hosted", "big"],
        heavy_max_parallel=2,
        max_parallel=4,
    )
    assert invoke(runner, gated, "ci", "github", "--weekly", "-o", "wf.yml")[0] == 0
    wf = yamlio.load_plain(Path("wf.yml"))
    assert wf["on"]["schedule"] == [{"cron": "0 5 * * 1"}]
    # --weekly: only VG-CORE-1 is weekly; it is light, so there is no heavy job.
    assert list(wf["jobs"]) == ["gates", "collect"]
    assert wf["jobs"]["gates"]["strategy"]["matrix"]["include"] == [
        {"gate": "VG-CORE-1", "minutes": 45}
    ]
    assert wf["jobs"]["gates"]["strategy"]["max-parallel"] == 4
    run = [s["run"] for s in wf["jobs"]["gates"]["steps"] if "run" in s][-1]
    assert (
        run
        == 'govkit gate run "$GATE" --tuple canonical --bundle "$GITHUB_WORKSPACE/.govkit-bundles"'
    )
    assert invoke(runner, gated, "ci", "github", "-o", "all.yml")[0] == 0
    wf = yamlio.load_plain(Path("all.yml"))
    heavy = wf["jobs"]["heavy-gates"]
    assert heavy["runs-on"] == ["self-hosted", "big"] and heavy["strategy"]["max-parallel"] == 2
    assert wf["jobs"]["gates"]["runs-on"] == "ubuntu-24.04"
    assert wf["jobs"]["collect"]["needs"] == ["gates", "heavy-gates"]
    # No --tuple: each gate runs on its own tuple.
    assert "--tuple" not in [s["run"] for s in heavy["steps"] if "run" in s][-1]
    steps = [s["name"] for s in wf["jobs"]["collect"]["steps"]]
    assert steps.index("Ingest the bundles") < steps.index("Render STATUS.md")
    assert "Write the weekly packet" in steps and "Open a pull request with the evidence" in steps


@pytest.mark.parametrize("publish", ["pull-request", "commit", "none"])
def test_publish_modes(gated: Workspace, runner: CliRunner, publish: str) -> None:
    _ci(gated, publish=publish)
    assert invoke(runner, gated, "ci", "github", "-o", "wf.yml")[0] == 0
    collect = yamlio.load_plain(Path("wf.yml"))["jobs"]["collect"]
    scripts = "\n".join(s.get("run", "") for s in collect["steps"])
    assert ("gh pr create" in scripts) is (publish == "pull-request")
    assert ('git push -q origin "HEAD:$GITHUB_REF_NAME"' in scripts) is (publish == "commit")
    assert collect["permissions"]["contents"] == ("read" if publish == "none" else "write")


@pytest.mark.slow
def test_generated_workflows_validate_against_githubs_schema(
    gated: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    """check-jsonschema's vendored GitHub workflow schema (works offline)."""
    files = []
    for n, (settings, args) in enumerate(
        [
            ({}, ["--tuple", "candidate"]),
            ({"publish": "commit", "heavy_runner": "big", "signing_secret": "KEY"}, ["--weekly"]),
            ({"publish": "none", "max_parallel": 1, "runner": ["self-hosted", "linux"]}, []),
        ]
    ):
        _ci(gated, **settings)
        out = tmp_path / f"wf{n}.yml"
        assert invoke(runner, gated, "ci", "github", *args, "-o", str(out))[0] == 0
        files.append(str(out))
    # A workspace in a folder of its repository gets a working-directory default.
    make_repo(tmp_path / "repo")
    inner = tmp_path / "repo" / "gov"
    shutil.copytree(gated.root, inner)
    assert invoke(runner, Workspace(inner), "ci", "github")[0] == 0
    nested = tmp_path / "repo" / ".github" / "workflows" / "govkit.yml"
    assert yamlio.load_plain(nested)["defaults"]["run"]["working-directory"] == "gov"
    assert "`govkit -C gov ci github`" in nested.read_text()
    files.append(str(nested))
    proc = subprocess.run([*SCHEMA_CHECK, *files], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # And the schema check is real: a broken workflow fails it.
    broken = tmp_path / "broken.yml"
    broken.write_text(Path(files[0]).read_text().replace("runs-on:", "run-on:"))
    assert subprocess.run([*SCHEMA_CHECK, str(broken)], capture_output=True).returncode == 1


def test_bad_settings_and_inputs(gated: Workspace, runner: CliRunner) -> None:
    good = gated.config_path.read_text()
    gated.config_path.write_text(good + "ci:\n  publish: email\n")
    code, output = invoke(runner, gated, "ci", "github")
    assert code == 2 and "ci.publish 'email' is unknown" in output and "govkit.yaml:" in output
    gated.config_path.write_text(good + "ci:\n  signing_secret: my-key\n")
    code, output = invoke(runner, gated, "ci", "github")
    assert code == 2 and "'my-key' is not a GitHub secret name" in output
    gated.config_path.write_text(good + "ci:\n  runnr: x\n")
    code, output = invoke(runner, gated, "ci", "github")
    assert code == 2 and "unknown key 'runnr' in ci" in output and "'runner'" in output
    gated.config_path.write_text(
        gated.config_path.read_text().replace("  runnr: x\n", "  python: '3.12'\n")
    )
    code, output = invoke(runner, gated, "ci", "github", "--tuple", "nope")
    assert code == 2 and "unknown tuple 'nope'" in output
    code, output = invoke(runner, gated, "ci", "github", "-o", str(gated.ledger_path))
    assert code == 2 and "would write over govkit's own data" in output
    with gated.edit_config() as data:
        for gate in data["gates"].values():
            gate.pop("weekly", None)
    code, output = invoke(runner, gated, "ci", "github", "--weekly")
    assert code == 2 and "no gates to run on CI (none is weekly)" in output
