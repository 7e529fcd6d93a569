"""Bad input never gives a traceback: each case names the file (and line or field) and exits 2.

Every case here was a traceback (exit 3) or a misleading message before its fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from govkit.cli import cli
from govkit.workspace import Workspace
from tests.helpers import make_repo

GARBAGE = b"\xff\xfe not utf-8 \x00\n"


def invoke(runner: CliRunner, ws: Workspace, *args: str) -> Result:
    return runner.invoke(cli, ["-C", str(ws.root), *args])


def assert_user_error(res: Result, *needles: str) -> None:
    """Exit 2, no traceback, and the message says each needle."""
    assert res.exit_code == 2, (res.exit_code, res.output, res.exception)
    assert "Traceback" not in res.output
    assert not isinstance(res.exception, AssertionError)
    for needle in needles:
        assert needle in res.stderr, res.stderr


def add_to_config(ws: Workspace, text: str) -> None:
    config = ws.config_path.read_text(encoding="utf-8")
    for key in ("repos", "tuples", "gates"):
        config = config.replace(f"{key}: {{}}\n", "")
    ws.config_path.write_text(config + text, encoding="utf-8")


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("gates:\n  VG-X-001:\n    repo: core\n    argv: [true]\n    timeout: [1, 2]\n", "timeout"),
        ("gates:\n  VG-X-001:\n    repo: core\n    argv: [true]\n    mem: {a: 1}\n", "mem"),
        ("gates:\n  VG-X-001:\n    repo: core\n    argv: [true]\n    timeout: -5\n", "timeout"),
        ("gates:\n  VG-X-001:\n    repo: core\n    argv: [true]\n    timeout: true\n", "timeout"),
        ("tuples:\n  canonical:\n    core: [abc]\n", "tuples.canonical.core"),
    ],
)
def test_config_value_of_the_wrong_type_names_the_field(
    ws: Workspace, runner: CliRunner, yaml_text: str, field: str
) -> None:
    add_to_config(ws, "repos:\n  core: ../core\n" + yaml_text)
    res = invoke(runner, ws, "gate", "list")
    assert_user_error(res, "govkit.yaml:", field)


def test_ledger_line_that_is_not_utf8(ws: Workspace, runner: CliRunner) -> None:
    ws.ledger_path.parent.mkdir(parents=True, exist_ok=True)
    ws.ledger_path.write_bytes(GARBAGE)
    for args in (("evidence", "list"), ("render", "status"), ("handoff",)):
        res = invoke(runner, ws, *args)
        assert_user_error(res, "ledger.jsonl", "malformed ledger line", "evidence verify")


def test_evidence_record_that_is_not_utf8(ws: Workspace) -> None:
    from govkit.errors import ValidationError
    from govkit.evidence.record import EvidenceRecord

    path = ws.runs_dir / "record.json"
    path.write_bytes(GARBAGE)
    with pytest.raises(ValidationError, match="not valid UTF-8") as info:
        EvidenceRecord.load(path)
    assert info.value.path == path
    assert info.value.hint


def test_tracker_that_is_not_utf8(ws: Workspace, runner: CliRunner, tmp_path: Path) -> None:
    tracker = tmp_path / "TRACKER.md"
    tracker.write_bytes(GARBAGE)
    res = invoke(runner, ws, "import", "tracker", str(tracker))
    assert_user_error(res, "TRACKER.md", "not valid UTF-8")


def test_status_md_that_is_not_utf8_is_stale_not_a_crash(ws: Workspace, runner: CliRunner) -> None:
    assert invoke(runner, ws, "render", "status").exit_code == 0
    status = ws.root / "STATUS.md"
    status.write_bytes(status.read_bytes() + GARBAGE)
    res = invoke(runner, ws, "render", "status", "--check")
    assert res.exit_code == 1, res.output
    assert "stale" in res.output


def test_template_that_is_not_utf8(ws: Workspace, runner: CliRunner) -> None:
    (ws.root / "templates").mkdir(exist_ok=True)
    (ws.root / "templates" / "status.md.j2").write_bytes(GARBAGE)
    res = invoke(runner, ws, "render", "status")
    assert_user_error(res, "templates/status.md.j2", "not valid UTF-8")


def test_missing_included_template_is_named(ws: Workspace, runner: CliRunner) -> None:
    (ws.root / "templates").mkdir(exist_ok=True)
    (ws.root / "templates" / "status.md.j2").write_text('a\n{% include "nope.j2" %}\n')
    res = invoke(runner, ws, "render", "status")
    # Before: "no template 'status.md.j2'", which exists.
    assert_user_error(res, "status.md.j2:2", "no template 'nope.j2'")


@pytest.mark.parametrize(
    "args",
    [
        ("render", "status", "-o", "/proc/govkit-test/x.md"),
        ("handoff", "-o", "/proc/govkit-test/x.md"),
        ("site", "-o", "/proc/govkit-test"),
    ],
)
def test_unwritable_output_path(ws: Workspace, runner: CliRunner, args: tuple[str, ...]) -> None:
    res = invoke(runner, ws, *args)
    # The message names the path asked for, not a temp file next to it.
    assert_user_error(res, f"{args[-1]}:", "hint: check that the path")
    assert ".tmp" not in res.stderr


def test_gate_error_says_why(ws: Workspace, runner: CliRunner, tmp_path: Path) -> None:
    make_repo(tmp_path / "core")
    add_to_config(
        ws,
        "repos:\n  gone: ../gone\n  core: ../core\n"
        f"tuples:\n  canonical:\n    gone: {'a' * 40}\n"
        "gates:\n  VG-X-001:\n    repo: gone\n    argv: [true]\n",
    )
    res = invoke(runner, ws, "gate", "run", "VG-X-001")
    assert res.exit_code == 1, res.output
    assert "error" in res.stdout
    # The reason used to live only in record.json.
    assert "is not a git repository" in res.stderr


@pytest.mark.parametrize(
    ("week", "hint"),
    [("2026-W99", "2026-W01 to 2026-W53"), ("0000-W01", "write it like"), ("2026-W00", "W53")],
)
def test_week_that_does_not_exist(ws: Workspace, runner: CliRunner, week: str, hint: str) -> None:
    res = invoke(runner, ws, "cadence", "show", week)
    assert_user_error(res, f"week {week!r} does not exist", hint)


def test_negative_numbers_are_refused(ws: Workspace, runner: CliRunner) -> None:
    assert invoke(runner, ws, "evidence", "list", "--limit", "-5").exit_code == 2
    add_to_config(
        ws,
        "repos:\n  core: ../core\ngates:\n  VG-X-001:\n    repo: core\n    argv: [true]\n"
        "    min_tests: -3\n",
    )
    assert_user_error(invoke(runner, ws, "gate", "list"), "min_tests must be at least 0")


def test_gate_run_refuses_before_running_when_the_ledger_tail_is_damaged(
    ws: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    make_repo(tmp_path / "core")
    marker = tmp_path / "ran"
    add_to_config(
        ws,
        f"repos:\n  core: ../core\ntuples:\n  canonical:\n    core: {'a' * 40}\n"
        f"gates:\n  VG-X-001:\n    repo: core\n    argv: [touch, {marker}]\n",
    )
    ws.ledger_path.parent.mkdir(parents=True, exist_ok=True)
    ws.ledger_path.write_bytes(b'{"seq": 1}\n{"torn": ')  # a crash in the middle of an append
    res = invoke(runner, ws, "gate", "run", "VG-X-001")
    assert_user_error(res, "ledger.jsonl:2:", "malformed ledger line")
    # Before: the gate ran, wrote record.json, then failed to append: a record with no ledger line.
    assert not marker.exists()
    assert not list(ws.runs_dir.rglob("record.json"))


def test_supersede_by_a_final_decision_does_not_hint_accepting_it(
    ws: Workspace, runner: CliRunner
) -> None:
    for title in ("Old way", "New way"):
        assert invoke(runner, ws, "decision", "new", title).exit_code == 0
    assert invoke(runner, ws, "decision", "accept", "old-way").exit_code == 0
    assert invoke(runner, ws, "decision", "reject", "new-way").exit_code == 0
    res = invoke(runner, ws, "decision", "supersede", "D-001", "--by", "new-way")
    assert_user_error(res, "only an accepted decision can supersede", "rejected is final")
    assert "decision accept" not in res.stderr


def test_evidence_list_of_an_unknown_gate_is_an_error_not_an_empty_list(
    ws: Workspace, runner: CliRunner
) -> None:
    res = invoke(runner, ws, "evidence", "list", "--gate", "VG-TYPO-001")
    assert_user_error(res, "no gate 'VG-TYPO-001'", "gate list")


def test_audit_of_a_markdown_file_that_is_not_utf8(
    ws: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    doc = tmp_path / "NOTES.md"
    doc.write_bytes(GARBAGE)
    res = invoke(runner, ws, "audit", str(doc))
    assert_user_error(res, "NOTES.md", "not valid UTF-8", "hint: save it as UTF-8")


def test_waiting_for_the_lock_is_announced(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl
    import os
    import threading

    from govkit import lock

    told: list[str] = []
    monkeypatch.setattr(lock, "on_wait", told.append)
    monkeypatch.setattr(lock, "WAIT_NOTICE_AFTER", 0.1)
    path = ws.state_dir / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT)  # another holder: its own open file description
    fcntl.flock(fd, fcntl.LOCK_EX)
    threading.Timer(0.5, lambda: fcntl.flock(fd, fcntl.LOCK_UN)).start()
    try:
        with ws.lock():
            pass
    finally:
        os.close(fd)
    # Before: a busy lock made the command sit silently for up to a minute.
    assert len(told) == 1 and "waiting for the workspace lock" in told[0], told


@pytest.mark.parametrize(
    ("yaml_text", "message", "hint"),
    [
        (
            "gates:\n  VG-X-001:\n    repo: core\n    argv: [true]\n    timout: 5m\n",
            "unknown key 'timout' in gates.VG-X-001",
            "did you mean 'timeout'?",
        ),
        ("gatez: {}\n", "unknown key 'gatez' in govkit.yaml", "did you mean 'gates'?"),
        ("repos:\n  core: {url: ../core, branch: dev}\n", "in repos.core", "known keys: url, ref"),
    ],
)
def test_config_key_typo_is_refused(
    ws: Workspace, runner: CliRunner, yaml_text: str, message: str, hint: str
) -> None:
    # Before: silently ignored, so `timout: 5m` meant the 30m default.
    add_to_config(
        ws, yaml_text if "repos" in yaml_text else "repos:\n  core: ../core\n" + yaml_text
    )
    res = invoke(runner, ws, "gate", "list")
    assert_user_error(res, "govkit.yaml:", message, hint)


@pytest.mark.parametrize(
    ("field_text", "message"),
    [
        ("created: yesterday\n", "field 'created' is not a time: 'yesterday'"),
        ("history:\n  - {at: soon, to_status: todo}\n", "history entry time 'soon' is not a time"),
    ],
)
def test_record_time_that_is_not_a_time(
    ws: Workspace, runner: CliRunner, field_text: str, message: str
) -> None:
    assert invoke(runner, ws, "milestone", "add", "M1", "--title", "m").exit_code == 0
    path = ws.records_dir / "milestones" / "M1.yaml"
    kept = [ln for ln in path.read_text().splitlines(keepends=True) if ln[0] not in " -"]
    kept = [ln for ln in kept if not ln.startswith(field_text.split(":")[0] + ":")]
    path.write_text("".join(kept) + field_text)
    # Before: accepted, and sorted as text into history, handoff windows and "latest change".
    assert_user_error(invoke(runner, ws, "milestone", "list"), "M1.yaml:", message)
    res = invoke(runner, ws, "check")
    assert res.exit_code == 1 and message in res.output


@pytest.mark.parametrize("option", ["--record", "--log-dir"])
def test_safe_run_checks_where_it_writes_before_running(
    runner: CliRunner, tmp_path: Path, option: str
) -> None:
    marker = tmp_path / "ran"
    target = "/proc/govkit-test/r.json" if option == "--record" else "/proc/govkit-test"
    res = runner.invoke(cli, ["safe-run", option, target, "--", "touch", str(marker)])
    assert res.exit_code == 2, res.output
    assert option in res.output and "Traceback" not in res.output
    # Before: the command ran, then the record could not be written (exit 2, result lost),
    # or the log dir failed inside safe-run (exit 125 with a raw FileNotFoundError).
    assert not marker.exists()


def test_handoff_since_an_impossible_date_says_how_to_write_one(
    ws: Workspace, runner: CliRunner
) -> None:
    res = invoke(runner, ws, "handoff", "--since", "2026-13-45")
    assert_user_error(res, "'2026-13-45' is not a valid date", "hint: write it like 2026-11-18")


@pytest.mark.parametrize("inside", ["evidence", "records/site", "decisions"])
def test_site_is_not_written_among_what_govkit_manages(
    ws: Workspace, runner: CliRunner, inside: str
) -> None:
    res = invoke(runner, ws, "site", "-o", str(ws.root / inside))
    assert_user_error(res, "which govkit manages", "hint: choose a directory of its own")
    # Before: pages were written into evidence/runs/, records/ or decisions/.
    assert not list(ws.root.rglob("index.html"))


def test_importing_a_file_that_is_not_a_tracker_is_an_error(
    ws: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    notes = tmp_path / "review.md"
    notes.write_text("# A review\n\nSome prose, no tables.\n")
    res = invoke(runner, ws, "import", "tracker", str(notes))
    # Before: "0 created, 0 skipped", exit 0, as if the tracker were empty.
    assert_user_error(res, "review.md", "found nothing to import", "M1, F1, B1")
    empty = tmp_path / "adr"
    empty.mkdir()
    assert_user_error(invoke(runner, ws, "import", "adr", str(empty)), "no ADR files")


def test_a_missing_record_says_how_to_recover(ws: Workspace) -> None:
    from govkit.errors import ValidationError
    from govkit.evidence.record import EvidenceRecord

    gone = ws.runs_dir / "2026-11-21" / "r1" / "record.json"
    with pytest.raises(ValidationError, match="evidence record not found") as info:
        EvidenceRecord.load(gone)
    assert info.value.hint and "GK104" in info.value.hint


@pytest.mark.parametrize(
    ("args", "target"),
    [
        (("render", "status", "-o"), "records/milestones/M1.yaml"),
        (("handoff", "-o"), "govkit.yaml"),
        (("export", "intoto", "--all", "-o"), "evidence/ledger.jsonl"),
    ],
)
def test_output_never_overwrites_govkit_data(
    ws: Workspace, runner: CliRunner, args: tuple[str, ...], target: str
) -> None:
    assert invoke(runner, ws, "milestone", "add", "M1", "--title", "m").exit_code == 0
    ws.ledger_path.parent.mkdir(parents=True, exist_ok=True)
    ws.ledger_path.touch()
    path = ws.root / target
    before = path.read_bytes()
    res = invoke(runner, ws, *args, str(path))
    # Before: `render status -o records/...` replaced the record with STATUS.md.
    assert_user_error(res, "would write over govkit's own data", target)
    assert path.read_bytes() == before


def test_tuple_pin_with_a_repo_given_twice(
    ws: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    make_repo(tmp_path / "core")
    add_to_config(ws, "repos:\n  core: ../core\n")
    res = invoke(runner, ws, "tuple", "pin", "canonical", "core=main", "core=HEAD")
    # Before: the last one won silently.
    assert_user_error(res, "core is given twice")
    assert "canonical" not in ws.config.tuples


@pytest.mark.slow
def test_a_lock_wait_is_told_off_a_terminal_too(ws: Workspace) -> None:
    # A real govkit process with stderr on a pipe (as in CI) waits for a held lock.
    import fcntl
    import os
    import threading

    from tests.helpers import run_govkit

    path = ws.state_dir / "lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    threading.Timer(2.5, lambda: fcntl.flock(fd, fcntl.LOCK_UN)).start()
    try:
        res = run_govkit("milestone", "add", "M1", "--title", "t", cwd=ws.root)
    finally:
        os.close(fd)
    assert res.returncode == 0, res.stderr
    assert "govkit: waiting for the workspace lock" in res.stderr
