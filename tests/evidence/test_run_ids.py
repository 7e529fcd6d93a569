"""Run ids: sortable by time, random enough for merged bundles, and retried on a collision."""

from __future__ import annotations

import itertools
import re

import pytest

from govkit.errors import ConflictError
from govkit.evidence.store import RUN_DIR_ATTEMPTS, claim_run_dir, new_run_id, run_dir
from govkit.runner import start_run
from govkit.workspace import Workspace

STAMP = "2026-11-21T04:45:00.123Z"


def test_ids_carry_the_millisecond_and_48_random_bits() -> None:
    run_id = new_run_id("VG-LA-002", STAMP)
    assert re.fullmatch(r"20261121T044500\.123Z-VG-LA-002-[0-9a-f]{12}", run_id)
    ids = {new_run_id("VG-LA-002", STAMP) for _ in range(2000)}
    assert len(ids) == 2000


def test_ids_sort_by_time() -> None:
    stamps = ["2026-11-21T04:45:00.999Z", "2026-11-21T04:45:01.000Z", "2026-11-21T04:45:01.002Z"]
    ids = [new_run_id("VG-A-1", s, token=lambda n: "f" * 2 * n) for s in stamps[:1]] + [
        new_run_id("VG-A-1", s, token=lambda n: "0" * 2 * n) for s in stamps[1:]
    ]
    assert sorted(ids) == ids


def test_a_taken_run_directory_is_retried_with_a_new_id(ws: Workspace) -> None:
    # A fixed random source: the first two draws repeat an id whose directory exists.
    draws = iter(["aaaaaaaaaaaa", "aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    taken = run_dir(ws, new_run_id("VG-A-1", STAMP, token=lambda n: "aaaaaaaaaaaa"), STAMP[:10])
    taken.mkdir(parents=True)
    (taken / "stdout.log").write_text("another process's run\n")
    prep = start_run(ws, "VG-A-1", clock=lambda: STAMP, token=lambda n: next(draws))
    assert prep.run_id.endswith("-bbbbbbbbbbbb")
    assert prep.directory.is_dir() and prep.directory != taken
    assert (taken / "stdout.log").read_text() == "another process's run\n"  # untouched


def test_endless_collisions_end_in_a_clear_error_not_file_exists(ws: Workspace) -> None:
    same = run_dir(ws, new_run_id("VG-A-1", STAMP, token=lambda n: "c" * 12), STAMP[:10])
    same.mkdir(parents=True)
    calls = itertools.count()

    def token(n: int) -> str:
        next(calls)
        return "c" * 12

    with pytest.raises(ConflictError) as err:
        claim_run_dir(ws, "VG-A-1", STAMP, token=token)
    assert next(calls) == RUN_DIR_ATTEMPTS
    assert "run directory" in err.value.message and err.value.hint
