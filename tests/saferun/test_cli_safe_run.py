"""`govkit safe-run` as a real process: slots, refusal records, secrets, RSS, signals."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from govkit.evidence.record import EvidenceRecord, Outcome
from tests.helpers import govkit_cmd, govkit_env, run_govkit

STAMPER = (
    "import sys, time; out = sys.argv[1]; "
    "s = time.time(); time.sleep(0.4); e = time.time(); "
    "open(out, 'w').write(f'{s} {e}')"
)


def test_exit_code_and_tee(tmp_path: Path) -> None:
    r = run_govkit("safe-run", "--", "sh", "-c", "echo visible; exit 4", cwd=tmp_path)
    assert r.returncode == 4
    assert r.stdout == "visible\n"
    assert "logs in" in r.stderr


def test_timeout_exit_124_and_json(tmp_path: Path) -> None:
    r = run_govkit(
        "safe-run",
        "--timeout",
        "300ms",
        "--grace",
        "0.2s",
        "--json",
        "--",
        "sleep",
        "20",
        cwd=tmp_path,
    )
    assert r.returncode == 124
    data = json.loads(r.stdout)
    assert data["outcome"] == "timeout" and data["wrapper_exit"] == 124


@pytest.mark.slow
def test_three_heavy_runs_never_overlap(tmp_path: Path) -> None:
    env = govkit_env({"GOVKIT_SLOT_DIR": str(tmp_path / "locks")})
    procs = [
        subprocess.Popen(
            [
                *govkit_cmd(),
                "safe-run",
                "--heavy",
                "--slots",
                "1",
                "--label",
                f"run{i}",
                "--",
                sys.executable,
                "-c",
                STAMPER,
                str(tmp_path / f"t{i}"),
            ],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    errs = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errs
    intervals = sorted(
        tuple(map(float, (tmp_path / f"t{i}").read_text().split())) for i in range(3)
    )
    for (_, end), (start, _) in itertools.pairwise(intervals):
        assert end <= start, intervals
    # Whoever waited was told who held the slot.
    assert any("waiting for heavy slot: held by run" in e for e in errs), errs


def test_refused_with_record(tmp_path: Path) -> None:
    record = tmp_path / "rec" / "record.json"
    r = run_govkit(
        "safe-run", "--mem", "100T", "--record", str(record), "--", "touch", "ran", cwd=tmp_path
    )
    assert r.returncode == 75, r.stderr
    assert not (tmp_path / "ran").exists()
    rec = EvidenceRecord.load(record)
    assert rec.outcome is Outcome.REFUSED and rec.gate_id == "safe-run"
    assert rec.source == "direct" and rec.claim_grade is False and rec.not_claim_grade_because
    assert rec.exit_code is None and "100T" in rec.message
    assert set(rec.logs) == {"stdout", "stderr"} and rec.host["cpus"]
    assert (record.parent / rec.logs["stdout"].path).exists()


def test_planted_secret_absent_from_every_stored_file(tmp_path: Path) -> None:
    secret = "sk-live-4f3e2d1c0b9a8877"
    logs, record = tmp_path / "logs", tmp_path / "record.json"
    script = (
        'echo "token is $API_TOKEN"; printf "%s" "${API_TOKEN%????????????}"; sleep 0.1; '
        'printf "%s\\n" "${API_TOKEN#????????????}"; echo "$API_TOKEN" >&2; exit 1'
    )
    r = run_govkit(
        "safe-run",
        "--log-dir",
        str(logs),
        "--record",
        str(record),
        "--shell",
        "--",
        script + f" # {secret}",
        cwd=tmp_path,
        env={"API_TOKEN": secret},
    )
    assert r.returncode == 1
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in stored} >= {"stdout.log", "stderr.log", "record.json"}
    for path in stored:
        assert secret.encode() not in path.read_bytes(), path
    assert (logs / "stdout.log").read_text() == "token is ***\n***\n"
    rec = EvidenceRecord.load(record)
    assert "API_TOKEN" in rec.env_redacted and "API_TOKEN" not in rec.env
    # The terminal copy is scrubbed too.
    assert secret not in r.stdout and secret not in r.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_to_govkit_kills_the_tree_and_exits_130(tmp_path: Path, sig: int) -> None:
    pid_file = tmp_path / "pid"
    env = govkit_env()
    proc = subprocess.Popen(
        [
            *govkit_cmd(),
            "safe-run",
            "--grace",
            "0.5s",
            "--",
            "sh",
            "-c",
            f"echo $$ > {pid_file}; sleep 60",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(pid_file.read_text())
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


@pytest.mark.slow
def test_one_gigabyte_of_output_keeps_govkit_small(tmp_path: Path) -> None:
    """Peak RSS of the govkit process itself (VmHWM), not of the child, stays < 100 MB.

    A secret in the environment forces the pumping path (read, scrub, write, tee),
    the one that could buffer; stdout goes to /dev/null as the "terminal".
    """
    logs = tmp_path / "logs"
    env = govkit_env({"SOME_SECRET": "not-in-zeros"})
    proc = subprocess.Popen(
        [*govkit_cmd(), "safe-run", "--log-dir", str(logs), "--", "head", "-c", "1G", "/dev/zero"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak_kb = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):  # this process's own high-water mark
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert (logs / "stdout.log").stat().st_size == 1 << 30
    assert 0 < peak_kb * 1024 < 100 * 1024 * 1024, f"govkit peak RSS {peak_kb} kB"
    (logs / "stdout.log").unlink()


def test_safe_run_does_not_import_heavy_libraries(tmp_path: Path) -> None:
    # -X importtime lists every module the real entry point imports, os._exit or not.
    record = tmp_path / "r.json"
    env = govkit_env()
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "govkit",
            "safe-run",
            "--record",
            str(record),
            "--",
            "true",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "govkit.saferun.supervise" in imported  # the listing is real
    assert {m for m in imported if m.split(".")[0] in {"git", "jinja2", "markdown_it"}} == set()
    assert record.exists()


def test_temp_logs_removed_on_pass_kept_on_failure(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    ok = run_govkit("safe-run", "--", "echo", "fine", cwd=tmp_path, env={"TMPDIR": str(tmp)})
    assert ok.returncode == 0 and ok.stdout == "fine\n"
    assert list(tmp.iterdir()) == []
    bad = run_govkit(
        "safe-run",
        "--no-tee",
        "--",
        "sh",
        "-c",
        "echo lost; exit 2",
        cwd=tmp_path,
        env={"TMPDIR": str(tmp)},
    )
    assert bad.returncode == 2 and bad.stdout == ""
    (kept,) = tmp.iterdir()
    assert f"logs in {kept}" in bad.stderr
    assert (kept / "stdout.log").read_text() == "lost\n"


def test_not_found_is_127_with_a_message(tmp_path: Path) -> None:
    r = run_govkit("safe-run", "--", "govkit-no-such-program", cwd=tmp_path)
    assert r.returncode == 127
    assert "command not found: govkit-no-such-program" in r.stderr


def test_ctrl_c_while_waiting_for_a_slot(tmp_path: Path) -> None:
    env = govkit_env({"GOVKIT_SLOT_DIR": str(tmp_path / "locks")})

    def start(*cmd: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*govkit_cmd(), "safe-run", "--heavy", "--label", "holder", "--", *cmd],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    holder = start("sh", "-c", f"touch {tmp_path / 'holding'}; sleep 60")
    deadline = time.monotonic() + 20
    while not (tmp_path / "holding").exists():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    waiter = start("touch", str(tmp_path / "never"))
    # Wait until it reports waiting, then interrupt it.
    assert waiter.stderr is not None
    line = waiter.stderr.readline()
    assert "waiting for heavy slot: held by holder pid" in line
    t0 = time.monotonic()
    waiter.send_signal(signal.SIGINT)
    _, err = waiter.communicate(timeout=20)
    assert waiter.returncode == 130 and "before the start" in err
    assert time.monotonic() - t0 < 15  # not the 60 s the holder would take
    assert not (tmp_path / "never").exists()
    holder.send_signal(signal.SIGTERM)
    holder.communicate(timeout=20)
    assert holder.returncode == 130


def test_stdin_is_passed_through(tmp_path: Path) -> None:
    env = govkit_env()
    proc = subprocess.run(
        [*govkit_cmd(), "safe-run", "--", "cat"],
        input="from stdin\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (0, "from stdin\n")


def test_sigkill_of_govkit_leaves_no_record_and_the_slot_held(tmp_path: Path) -> None:
    """govkit killed outright: no half-written record; the orphaned command keeps the slot."""
    env = govkit_env({"GOVKIT_SLOT_DIR": str(tmp_path / "locks")})
    record, pid_file = tmp_path / "r.json", tmp_path / "pid"
    first = subprocess.Popen(
        [
            *govkit_cmd(),
            "safe-run",
            "--heavy",
            "--record",
            str(record),
            "--",
            "sh",
            "-c",
            f"echo $$ > {pid_file}; exec sleep 60",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    orphan = int(pid_file.read_text())
    first.kill()
    first.wait(timeout=20)
    try:
        assert [
            p.name for p in tmp_path.iterdir() if p.name.startswith(("r.json", ".r.json"))
        ] == []
        second = subprocess.Popen(
            [*govkit_cmd(), "safe-run", "--heavy", "--", "touch", str(tmp_path / "second")],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert second.stderr is not None
        assert "waiting for heavy slot" in second.stderr.readline()
        assert not (tmp_path / "second").exists()
    finally:
        os.kill(orphan, signal.SIGKILL)  # the slot frees when its last holder is gone
    _, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    assert (tmp_path / "second").exists()
