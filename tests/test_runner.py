"""Gate runs end to end: real repos, real clean clones, real processes through safe-run."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govkit.config import GateDef
from govkit.evidence.record import EvidenceRecord, Outcome
from govkit.evidence.store import iter_record_paths, read_ledger, verify_chain
from govkit.gates import add_gate
from govkit.runner import run_gate, run_gate_at
from govkit.tuples import add_repo, pin_tuple
from govkit.workspace import Workspace
from tests.helpers import commit, git, make_repo, run_govkit, spawn_govkit

PY = sys.executable

SUITE = {
    "test_core.py": "def test_one():\n    assert 1\n\n\ndef test_two():\n    assert 2\n\n\n"
    "def test_three():\n    assert 3\n",
    "rewrite.py": "open('test_core.py', 'a').write('# touched\\n')\n",
    "echo_env.py": "import os, sys\nfor k in sys.argv[1:]:\n    print(k, os.environ.get(k))\n"
    "    print(k, os.environ.get(k), file=sys.stderr)\n",
    "make_out.py": "import pathlib\npathlib.Path('out').mkdir(exist_ok=True)\n"
    "pathlib.Path('out/report.txt').write_text('artifact body\\n')\n",
}


@pytest.fixture
def core(ws: Workspace) -> Path:
    """A repo `core` with a three-test pytest suite, pinned as canonical."""
    path = ws.root.parent / "core"
    make_repo(path, SUITE)
    add_repo(ws, "core", str(path))
    pin_tuple(ws, "canonical", ["core=main"])
    return path


def gate(ws: Workspace, gid: str, *argv: str, **kw: object) -> GateDef:
    return add_gate(ws, GateDef(id=gid, title=gid, repo="core", argv=argv, **kw))  # type: ignore[arg-type]


def stored_bytes(ws: Workspace) -> bytes:
    """Every byte govkit stored under evidence/."""
    return b"".join(p.read_bytes() for p in ws.evidence_dir.rglob("*") if p.is_file())


@pytest.mark.slow
def test_pytest_gate_produces_counts_and_a_claim_grade_record(ws: Workspace, core: Path) -> None:
    gate(
        ws,
        "VG-CORE-1",
        PY,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        parser="pytest",
        min_tests=3,
    )
    rec = run_gate(ws, "VG-CORE-1")
    assert rec.outcome is Outcome.PASS, rec.message
    assert rec.counts is not None and rec.counts.passed == 3
    assert rec.claim_grade and rec.not_claim_grade_because == []
    pin = rec.working_pin
    assert pin is not None and pin.commit == git(core, "rev-parse", "HEAD")
    assert pin.tree == git(core, "rev-parse", "HEAD^{tree}")
    assert rec.gate_hash == ws.config.gates["VG-CORE-1"].definition_hash()
    assert rec.started_at.endswith("Z") and rec.ended_at.endswith("Z")
    assert rec.host["git"] and rec.host["cpus"] and rec.govkit_version
    assert rec.env["PATH"] and rec.cwd == "core"
    assert rec.logs["stdout"].size > 0
    # The ledger entry matches, the chain verifies, and the clone is gone.
    (entry,) = read_ledger(ws)
    assert entry.run_id == rec.run_id and entry.pins == {"core": pin.commit}
    assert verify_chain(ws) == []
    assert list((ws.state_dir / "clones").iterdir()) == []


@pytest.mark.slow
def test_failing_gate_and_min_tests(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-FAIL-1", PY, "-c", "raise SystemExit(3)")
    rec = run_gate(ws, "VG-FAIL-1")
    assert rec.outcome is Outcome.FAIL and rec.exit_code == 3 and "exit code 3" in rec.message
    gate(ws, "VG-EMPTY-1", PY, "-c", "print('no tests here')", parser="pytest", min_tests=1)
    assert run_gate(ws, "VG-EMPTY-1").outcome is Outcome.FAIL


def test_tracked_file_rewritten_is_not_claim_grade(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-DIRTY-1", PY, "rewrite.py")
    rec = run_gate(ws, "VG-DIRTY-1")
    assert rec.outcome is Outcome.PASS
    assert not rec.claim_grade
    assert any("modified: test_core.py" in r for r in rec.not_claim_grade_because)


@pytest.mark.slow
def test_untracked_output_is_a_reason_unless_declared_as_artifact(
    ws: Workspace, core: Path
) -> None:
    gate(ws, "VG-OUT-1", PY, "make_out.py")
    rec = run_gate(ws, "VG-OUT-1")
    assert not rec.claim_grade
    assert any("untracked: out/report.txt" in r for r in rec.not_claim_grade_because)
    gate(ws, "VG-OUT-2", PY, "make_out.py", artifacts=("out/*.txt",))
    rec = run_gate(ws, "VG-OUT-2")
    assert rec.claim_grade, rec.not_claim_grade_because
    (art,) = rec.artifacts
    assert art.path == "artifacts/out/report.txt" and art.size == len("artifact body\n")
    stored = ws.runs_dir / rec.date / rec.run_id / art.path
    assert stored.read_text() == "artifact body\n"


@pytest.mark.slow
def test_worktree_runs_are_never_claim_grade_and_record_dirt(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-WT-1", PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", parser="pytest")
    clean = run_gate(ws, "VG-WT-1", worktree=core)
    assert clean.source == "worktree" and not clean.claim_grade
    assert clean.working_pin is not None and not clean.working_pin.dirty
    (core / "test_core.py").write_text("def test_only():\n    pass\n")
    dirty = run_gate(ws, "VG-WT-1", worktree=core)
    assert dirty.counts is not None and dirty.counts.passed == 1  # it really ran the edit
    assert dirty.working_pin is not None and dirty.working_pin.dirty
    assert any("uncommitted changes" in r for r in dirty.not_claim_grade_because)


def test_secrets_never_reach_stored_files(
    ws: Workspace, core: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inherited = "inherited-s3cr3t-value-42"
    gate_secret = "gate-env-hunter2-value"
    monkeypatch.setenv("MY_API_TOKEN", inherited)
    gate(
        ws,
        "VG-SECRET-1",
        PY,
        "echo_env.py",
        "MY_API_TOKEN",
        "DB_PASSWORD",
        env={"DB_PASSWORD": gate_secret},
    )
    rec = run_gate(ws, "VG-SECRET-1")
    assert rec.outcome is Outcome.PASS
    stdout = (ws.runs_dir / rec.date / rec.run_id / "stdout.log").read_text()
    assert "MY_API_TOKEN ***" in stdout and "DB_PASSWORD ***" in stdout  # it was echoed
    data = stored_bytes(ws)
    assert inherited.encode() not in data and gate_secret.encode() not in data
    assert "DB_PASSWORD" in rec.env_redacted and "MY_API_TOKEN" in rec.env_redacted


def test_clone_failure_is_an_error_record(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-ERR-1", "true")
    with ws.edit_config() as data:
        data["tuples"]["canonical"]["core"] = "f" * 40
    rec = run_gate(ws, "VG-ERR-1")
    assert rec.outcome is Outcome.ERROR and "has no commit" in rec.message
    assert not rec.claim_grade
    assert verify_chain(ws) == []


@pytest.mark.slow
def test_cli_run_prints_one_line_and_exit_codes(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-OK-1", PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", parser="pytest")
    gate(ws, "VG-BAD-1", PY, "-c", "raise SystemExit(1)")
    res = run_govkit("gate", "run", "VG-OK-1", cwd=ws.root)
    assert res.returncode == 0, res.stderr
    (line,) = res.stdout.splitlines()
    sha = git(core, "rev-parse", "HEAD")[:12]
    assert line.startswith("VG-OK-1  pass  3 passed  core@" + sha)
    assert "evidence/runs/" in line and line.rstrip().endswith("record.json")
    res = run_govkit("gate", "run", "--all", "--json", cwd=ws.root)
    assert res.returncode == 1
    outcomes = {r["gate_id"]: r["outcome"] for r in json.loads(res.stdout)}
    assert outcomes == {"VG-BAD-1": "fail", "VG-OK-1": "pass"}
    res = run_govkit("gate", "run", "VG-NOPE-1", cwd=ws.root)
    assert res.returncode == 2 and "unknown gate 'VG-NOPE-1'" in res.stderr


def _spawn(ws: Workspace, *args: str) -> subprocess.Popen[bytes]:
    return spawn_govkit(*args, cwd=ws.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_until_started(ws: Workspace, proc: subprocess.Popen[bytes], gate_id: str) -> None:
    """Wait until the gate's command has printed 'started' into its run's stdout.log."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        logs = list(ws.runs_dir.rglob(f"*-{gate_id}-*/stdout.log"))
        if logs and b"started" in logs[0].read_bytes():
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"{gate_id} never started")


@pytest.mark.slow
def test_sigkill_mid_run_leaves_no_corrupt_record(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-OK-1", "true")
    gate(ws, "VG-SLOW-1", PY, "-c", "import time; print('started', flush=True); time.sleep(60)")
    assert run_gate(ws, "VG-OK-1").outcome is Outcome.PASS
    proc = _spawn(ws, "gate", "run", "VG-SLOW-1")
    _wait_until_started(ws, proc, "VG-SLOW-1")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    _kill_orphans(ws)
    for path in iter_record_paths(ws):
        EvidenceRecord.load(path)  # every record.json present is complete
    assert [e.gate_id for e in read_ledger(ws)] == ["VG-OK-1"]
    assert verify_chain(ws) == []
    assert not list(ws.runs_dir.rglob("*-VG-SLOW-1-*/record.json"))
    # The next run still appends to an intact chain.
    assert run_gate(ws, "VG-OK-1").outcome is Outcome.PASS
    assert verify_chain(ws) == [] and len(read_ledger(ws)) == 2
    # …and sweeps the clone the killed govkit left behind.
    assert list((ws.state_dir / "clones").iterdir()) == []


def _kill_orphans(ws: Workspace) -> None:
    """The command outlives a SIGKILLed govkit (its own session); end it so the suite stays tidy."""
    import psutil

    clones = str(ws.state_dir / "clones")
    for p in psutil.process_iter(["cwd"]):
        cwd = p.info.get("cwd") or ""
        if cwd.startswith(clones):
            p.kill()


def test_run_gate_at_returns_the_record_path(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-OK-1", "true")
    done = run_gate_at(ws, "VG-OK-1")
    assert done.path == ws.runs_dir / done.record.date / done.record.run_id / "record.json"
    assert EvidenceRecord.load(done.path) == done.record


@pytest.mark.slow
def test_tuple_option_runs_another_tuple(ws: Workspace, core: Path) -> None:
    old = git(core, "rev-parse", "HEAD")
    new = commit(core, {"test_core.py": "def test_x():\n    pass\n"})
    pin_tuple(ws, "candidate", ["core=main"])
    gate(ws, "VG-CORE-1", PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", parser="pytest")
    a = run_gate(ws, "VG-CORE-1")
    b = run_gate(ws, "VG-CORE-1", tuple_name="candidate")
    assert a.working_pin and a.working_pin.commit == old and a.counts and a.counts.passed == 3
    assert b.working_pin and b.working_pin.commit == new and b.counts and b.counts.passed == 1
    assert b.tuple_name == "candidate"


@pytest.mark.slow
def test_sigterm_records_interrupted_and_stops_the_batch(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-SLOW-1", PY, "-c", "import time; print('started', flush=True); time.sleep(60)")
    gate(ws, "VG-OK-1", "true")
    proc = _spawn(ws, "gate", "run", "VG-SLOW-1", "VG-OK-1")
    _wait_until_started(ws, proc, "VG-SLOW-1")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 130
    (entry,) = read_ledger(ws)
    assert (entry.gate_id, entry.outcome) == ("VG-SLOW-1", "interrupted")
    assert verify_chain(ws) == []
    assert list((ws.state_dir / "clones").iterdir()) == []


@pytest.mark.slow
def test_three_concurrent_heavy_gate_runs_never_overlap(
    ws: Workspace, core: Path, tmp_path: Path
) -> None:
    stamps = tmp_path / "stamps.txt"
    with ws.edit_config() as data:
        data["safe_mode"]["lock_dir"] = str(tmp_path / "slots")
        data["safe_mode"]["heavy_slots"] = 1
    script = (
        "import os, time\n"
        "p = os.environ['STAMPS']\n"
        "s = time.time(); time.sleep(0.4); e = time.time()\n"
        "open(p, 'a').write(f'{os.environ[\"GOVKIT_GATE\"]} {s} {e}\\n')\n"
    )
    for n in (1, 2, 3):
        gate(ws, f"VG-HEAVY-{n}", PY, "-c", script, heavy=True, env={"STAMPS": str(stamps)})
    procs = [_spawn(ws, "gate", "run", f"VG-HEAVY-{n}") for n in (1, 2, 3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    spans = sorted(
        (float(s), float(e))
        for _, s, e in (line.split() for line in stamps.read_text().splitlines())
    )
    assert len(spans) == 3
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, spans
    assert verify_chain(ws) == [] and len(read_ledger(ws)) == 3


@pytest.mark.slow
def test_shell_gate_timeout_and_bad_cwd(ws: Workspace, core: Path) -> None:
    add_gate(ws, GateDef(id="VG-SH-1", title="sh", repo="core", shell="echo one && echo two >&2"))
    rec = run_gate(ws, "VG-SH-1")
    assert rec.outcome is Outcome.PASS and rec.shell and rec.argv == ["echo one && echo two >&2"]
    assert (ws.runs_dir / rec.date / rec.run_id / "stdout.log").read_text() == "one\n"
    gate(ws, "VG-SLEEP-1", PY, "-c", "import time; time.sleep(30)", timeout=1.0)
    rec = run_gate(ws, "VG-SLEEP-1")
    assert rec.outcome is Outcome.TIMEOUT and rec.duration_s < 20
    from govkit.errors import ValidationError

    # A cwd with '..' is refused when the gate is defined; a committed symlink that leads out
    # of the clone is caught when the gate runs.
    with pytest.raises(ValidationError, match=r"cwd '\.\./\.\.' leaves the repository"):
        gate(ws, "VG-ESC-0", "true", cwd="../..")
    (core / "out").symlink_to("../..")
    git(core, "add", "out")
    git(core, "commit", "-q", "-m", "symlink out")
    pin_tuple(ws, "canonical", ["core=main"])
    gate(ws, "VG-ESC-1", "true", cwd="out")
    rec = run_gate(ws, "VG-ESC-1")
    assert rec.outcome is Outcome.ERROR and "not a directory inside the clone" in rec.message


@pytest.mark.slow
def test_artifacts_come_only_from_the_clone(ws: Workspace, core: Path, tmp_path: Path) -> None:
    from govkit.errors import ValidationError

    secret = tmp_path / "secret.txt"
    secret.write_text("not evidence\n")
    for pattern in (str(secret), "../secret.txt", "~/x"):
        with pytest.raises(ValidationError, match="leaves the repository"):
            gate(ws, "VG-ART-0", "true", artifacts=(pattern,))
    # A symlink committed into the repo that points out of it is not collected either
    # (before: copied into the evidence; an absolute pattern was a traceback after the run).
    (core / "leak.txt").symlink_to(secret)
    git(core, "add", "leak.txt")
    git(core, "commit", "-q", "-m", "symlink out")
    pin_tuple(ws, "canonical", ["core=main"])
    gate(ws, "VG-ART-1", "true", artifacts=("*.txt", "*.py"))
    rec = run_gate(ws, "VG-ART-1")
    assert rec.outcome is Outcome.PASS, rec.message
    names = [a.path for a in rec.artifacts]
    assert names and not any("leak" in n for n in names), names


def test_worktree_needs_one_working_repo(ws: Workspace, core: Path) -> None:
    make_repo(ws.root.parent / "other")
    add_repo(ws, "other", str(ws.root.parent / "other"))
    gate(ws, "VG-A-1", "true")
    add_gate(ws, GateDef(id="VG-B-1", title="b", repo="other", argv=("true",)))
    from govkit.errors import ValidationError
    from govkit.runner import run_gates

    with pytest.raises(ValidationError, match="stands for one repo"):
        run_gates(ws, ["VG-A-1", "VG-B-1"], worktree=core)
    assert read_ledger(ws) == []


def test_worktree_run_needs_no_tuple_for_a_single_repo_gate(ws: Workspace, core: Path) -> None:
    gate(ws, "VG-OK-1", "true", tuple_name="not-pinned-yet")
    rec = run_gate(ws, "VG-OK-1", worktree=core)
    assert rec.outcome is Outcome.PASS and rec.source == "worktree" and not rec.claim_grade


@pytest.mark.slow
def test_a_missing_required_artifact_fails_the_run_and_says_what_was_expected(
    ws: Workspace, core: Path
) -> None:
    gate(ws, "VG-ART-1", PY, "make_out.py", required_artifacts=("out/report.txt",))
    ok = run_gate(ws, "VG-ART-1")
    assert ok.outcome is Outcome.PASS, ok.message
    assert [a.path for a in ok.artifacts] == ["artifacts/out/report.txt"]
    gate(ws, "VG-ART-2", PY, "-c", "pass", required_artifacts=("out/report.txt", "cov/*.xml"))
    bad = run_gate(ws, "VG-ART-2")
    assert bad.outcome is Outcome.FAIL
    assert bad.message == (
        "required artifacts missing: out/report.txt, cov/*.xml "
        "(expected: out/report.txt, cov/*.xml)"
    )
    # Required artifacts are part of the definition: the hash differs from the same gate without.
    plain = GateDef(id="VG-ART-2", title="VG-ART-2", repo="core", argv=(PY, "-c", "pass"))
    assert plain.definition_hash() != ws.config.gates["VG-ART-2"].definition_hash()
