"""cli.output: progress shows only to a person at a terminal."""

from __future__ import annotations

import os
import sys

import pytest

from govkit.cli.output import progress_printer


def test_progress_is_off_with_json_and_only_waits_show_off_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert progress_printer(False) is None
    assert not sys.stderr.isatty()  # pytest captures it
    show = progress_printer(True)
    assert show is not None
    show("cloning core")  # routine progress: not for a CI log
    show("waiting for heavy slot: held by VG-LA-002 pid 4242")  # a wait: a silent job looks hung
    err = capsys.readouterr().err
    assert err == "govkit: waiting for heavy slot: held by VG-LA-002 pid 4242\n"


def test_progress_writes_dim_lines_to_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    leader, follower = os.openpty()  # a real pseudo-terminal as stderr
    with os.fdopen(follower, "w") as tty:
        monkeypatch.setattr(sys, "stderr", tty)
        show = progress_printer(True)
        assert show is not None
        show("cloning core")
        tty.flush()
        written = os.read(leader, 1024).decode()
    os.close(leader)
    assert "  … cloning core" in written and "\x1b[2m" in written
