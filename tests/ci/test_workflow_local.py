"""The generated workflow, run for real on this machine: two gate runners at once, then collect.

GitHub is not reachable from the tests, so tests/ci/actions.py plays GitHub: each
matrix job is a separate "runner" (its own clone of the workspace repository, HOME,
TMPDIR and heavy-slot dir), all started together; their `run:` steps are the
generated scripts as written, in bash; the `uses:` steps (checkout, setup-python,
upload/download-artifact) are emulated by cloning and copying. The collect job
then ingests, renders, writes the packet and pushes to the bare "origin", and the
test reads the result from a fresh clone of origin.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from govkit import yamlio
from govkit.timeutil import iso_week, utc_now
from tests.ci.actions import JobResult, LocalActions, matrix_entries
from tests.evidence.keys import make_key
from tests.helpers import REPO_ROOT, git, make_repo, run_govkit

pytestmark = pytest.mark.slow

TEST_FILE = "def test_one():\n    assert True\n\n\ndef test_two():\n    assert 1 + 1 == 2\n"


def _config(core_url: str) -> str:
    py = json.dumps(sys.executable)
    gate = (
        "    repo: core\n"
        f"    argv: [{py}, -m, pytest, -q, -p, no:cacheprovider]\n"
        "    parser: pytest\n"
        "    min_tests: 2\n"
        "    tuple: candidate\n"
    )
    return (
        "program: ci-program\n"
        f"repos:\n  core:\n    url: {core_url}\n    ref: main\n"
        "tuples: {}\n"
        "gates:\n"
        f"  VG-CORE-1:\n    title: core tests\n{gate}    weekly: true\n"
        f"  VG-CORE-2:\n    title: core tests, heavy\n{gate}    heavy: true\n"
        "ci:\n"
        "  install: govkit --version   # govkit is installed here already (offline)\n"
        "  publish: commit\n"
        "  heavy_runner: [self-hosted, big]\n"
    )


@pytest.fixture
def program(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """(bare origin of the workspace repo, a maintainer's clone, runner base env)."""
    core = tmp_path / "core"
    make_repo(core, {"test_core.py": TEST_FILE})
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    author = tmp_path / "author"
    make_repo(author, {"README.md": "the program\n"})
    git(author, "remote", "add", "origin", str(origin))
    ws = author / "gov"  # the workspace is a folder in the repository, as it may be
    ws.mkdir()
    assert run_govkit("init", cwd=ws).returncode == 0
    (ws / "govkit.yaml").write_text(_config(core.as_uri()))
    sha = git(core, "rev-parse", "HEAD")
    assert run_govkit("tuple", "pin", "candidate", f"core={sha}", cwd=ws).returncode == 0
    assert run_govkit("tuple", "pin", "canonical", f"core={sha}", cwd=ws).returncode == 0
    made = run_govkit("ci", "github", cwd=ws)
    assert made.returncode == 0, made.stderr
    git(author, "add", "-A")
    git(author, "commit", "-q", "-m", "govkit workspace and workflow")
    git(author, "push", "-q", "origin", "main")
    # `govkit` on PATH runs this checkout (what "Install govkit" provides on GitHub).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "govkit"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m govkit "$@"\n')
    shim.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO_ROOT),
        "LANG": "C.UTF-8",
        "GIT_AUTHOR_NAME": "unused",  # the publish step sets its own bot identity
    }
    return origin, author, env


def _run_workflow(actions: LocalActions, workflow: dict[str, object]) -> list[JobResult]:
    """Every gate job's matrix entries at once on separate runners, then the collect job."""
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    entries = [
        (job_id, entry)
        for job_id in ("gates", "heavy-gates")
        if job_id in jobs
        for entry in matrix_entries(jobs[job_id])
    ]
    start = threading.Barrier(len(entries))
    with ThreadPoolExecutor(max_workers=len(entries)) as pool:
        results = list(
            pool.map(
                lambda e: actions.run_job(
                    workflow, e[0], e[1], f"runner-{actions.run_id}-{e[1]['gate']}", start=start
                ),
                entries,
            )
        )
    results.append(actions.run_job(workflow, "collect", {}, f"runner-{actions.run_id}-collect"))
    return results


def test_generated_workflow_runs_gates_on_two_runners_and_lands_their_evidence(
    program: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    origin, author, env = program
    workflow = yamlio.load_plain(author / ".github" / "workflows" / "govkit.yml")
    # The heavy gate has its own job, label and parallelism; the collect job needs both.
    assert workflow["jobs"]["heavy-gates"]["runs-on"] == ["self-hosted", "big"]
    assert workflow["jobs"]["heavy-gates"]["strategy"]["max-parallel"] == 1
    assert workflow["jobs"]["collect"]["needs"] == ["gates", "heavy-gates"]

    actions = LocalActions(origin=origin, root=tmp_path / "actions", base_env=env)
    results = _run_workflow(actions, workflow)
    for job in results:
        assert not job.failed, [(s.name, s.outcome, s.output) for s in job.steps]
    gate_jobs, collect = results[:-1], results[-1]
    assert len(gate_jobs) == 2
    assert "ingested" in collect.step("Ingest the bundles").output

    # What landed on the branch, read from a fresh clone of origin.
    landed = tmp_path / "landed"
    git(tmp_path, "clone", "-q", str(origin), str(landed))
    ws = landed / "gov"
    assert "govkit: evidence from workflow run 1000" in git(landed, "log", "-1", "--format=%s")
    ledger = [
        json.loads(line) for line in (ws / "evidence" / "ledger.jsonl").read_text().splitlines()
    ]
    assert sorted(e["gate_id"] for e in ledger) == ["VG-CORE-1", "VG-CORE-2"]
    assert [e["started_at"] for e in ledger] == sorted(e["started_at"] for e in ledger)
    assert all(e["outcome"] == "pass" and e["claim_grade"] for e in ledger)
    runners = set()
    for entry in ledger:
        record = json.loads((ws / "evidence" / entry["record"]).read_text())
        assert record["counts"]["passed"] == 2
        assert record["host"]["ci"]["GITHUB_RUN_ID"] == "1000"
        runners.add(record["host"]["ci"]["RUNNER_NAME"])
        bundle = json.loads(
            (ws / "evidence" / entry["record"]).with_name("bundle.json").read_text()
        )
        assert bundle["runner"]["RUNNER_NAME"] == record["host"]["ci"]["RUNNER_NAME"]
    assert runners == {"runner-1000-VG-CORE-1", "runner-1000-VG-CORE-2"}
    assert run_govkit("evidence", "verify", cwd=ws).returncode == 0
    audit = run_govkit("audit", cwd=ws)
    assert audit.returncode == 0, audit.stdout + audit.stderr

    status = (ws / "STATUS.md").read_text()
    for entry in ledger:
        assert entry["run_id"] in status  # each gate's latest run is linked from STATUS.md
    assert run_govkit("render", "status", "--check", cwd=ws).returncode == 0
    packet = ws / "evidence" / "packets" / f"{iso_week(utc_now())}.md"
    assert "VG-CORE-1" in packet.read_text()

    promote = run_govkit("promote", "candidate", "--streak", "1", "--check", "--json", cwd=ws)
    assert promote.returncode == 0, promote.stdout
    assert json.loads(promote.stdout)["promotable"] is True
    # A streak of two needs a second green run: promotion counts ingested runs one by one.
    assert run_govkit("promote", "candidate", "--streak", "2", "--check", cwd=ws).returncode == 1

    # The collect job again over the same bundles: nothing changes, nothing is committed.
    head = git(landed, "rev-parse", "HEAD")
    git(landed, "fetch", "-q")
    again = actions.run_job(workflow, "collect", {}, "runner-1000-collect-again")
    assert not again.failed, [(s.name, s.outcome, s.output) for s in again.steps]
    assert "already" in again.step("Ingest the bundles").output
    assert "no new evidence" in again.step("Commit the evidence").output
    git(landed, "pull", "-q")
    assert git(landed, "rev-parse", "HEAD") == head


def test_pull_request_mode_with_a_refused_bundle_among_the_good(
    program: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    origin, author, env = program
    config = author / "gov" / "govkit.yaml"
    # The runners sign with a key from an Actions secret; the workspace allows that key.
    key = make_key(tmp_path / "keys" / "ci")
    (author / "gov" / "allowed_signers").write_text(f"ci@example.org {key.public}\n")
    text = config.read_text().replace("publish: commit", "publish: pull-request")
    text += "  signing_secret: GOVKIT_KEY\nsigning:\n  allowed_signers: allowed_signers\n"
    config.write_text(text)
    assert run_govkit("ci", "github", cwd=author / "gov").returncode == 0
    git(author, "add", "-A")
    git(author, "commit", "-q", "-m", "evidence by pull request, signed")
    git(author, "push", "-q", "origin", "main")
    main_before = git(author, "rev-parse", "HEAD")
    # `gh` talks to GitHub, which cannot exist here: a stand-in records what it was asked.
    fake_bin = tmp_path / "fake-gh"
    fake_bin.mkdir()
    asked = tmp_path / "gh-args"
    gh = fake_bin / "gh"
    gh.write_text(f'#!/bin/sh\nprintf "%s\\n" "$GH_TOKEN" "$@" > {asked}\n')
    gh.chmod(0o755)
    env = {**env, "PATH": f"{fake_bin}{os.pathsep}{env['PATH']}"}
    workflow = yamlio.load_plain(author / ".github" / "workflows" / "govkit.yml")
    actions = LocalActions(
        origin=origin,
        root=tmp_path / "actions",
        base_env=env,
        run_id="3000",
        secrets={"GOVKIT_KEY": key.path.read_text()},
    )
    entry = matrix_entries(workflow["jobs"]["gates"])[0]
    gate_job = actions.run_job(workflow, "gates", entry, "runner-a")
    assert not gate_job.failed, [(s.name, s.output) for s in gate_job.steps]
    # A second artifact: the same bundle with its log edited on the way.
    good = next((actions.artifacts / f"govkit-bundle-{entry['gate']}").glob("*.tar"))
    bad_dir = actions.artifacts / "govkit-bundle-tampered"
    bad_dir.mkdir()
    data = bytearray(good.read_bytes())
    at = data.find(b"passed")
    data[at : at + 6] = b"PASSED"
    (bad_dir / "tampered.tar").write_bytes(bytes(data))
    collect = actions.run_job(workflow, "collect", {}, "runner-collect")
    # The refusal is tolerated by the ingest step, the good run is published, and then the
    # job fails in its last step so the refusal shows.
    ingest = collect.step("Ingest the bundles")
    assert ingest.outcome == "failure" and ingest.tolerated
    assert "tampered.tar: refused" in ingest.output and "ingested" in ingest.output
    assert "signed-ok: ci@example.org" in ingest.output
    assert collect.step("Open a pull request with the evidence").outcome == "success"
    assert collect.step("Fail if a bundle was refused").outcome == "failure"
    branch = "govkit/evidence-3000-1"
    args = asked.read_text().splitlines()
    assert args[0] == actions.token  # the job's token reaches gh through GH_TOKEN
    assert args[1:7] == ["pr", "create", "--base", "main", "--head", branch]
    assert git(tmp_path, "--git-dir", str(origin), "rev-parse", "main") == main_before
    ledger = git(tmp_path, "--git-dir", str(origin), "show", f"{branch}:gov/evidence/ledger.jsonl")
    assert [json.loads(line)["gate_id"] for line in ledger.splitlines()] == [entry["gate"]]
