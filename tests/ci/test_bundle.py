"""Bundles: `gate run --bundle` outside the ledger, and `evidence ingest` verifying them."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from govkit.evidence.bundle import ingest_bundles, open_bundle, run_into_bundles, write_bundle
from govkit.evidence.record import EvidenceRecord
from govkit.evidence.store import read_ledger
from govkit.promotion import check_promotion
from govkit.runner import run_gate_at
from govkit.tuples import pin_tuple
from govkit.workspace import Workspace, init_workspace
from tests.helpers import commit, invoke, run_govkit, spawn_govkit

pytestmark = pytest.mark.slow  # every test runs real gates in real clones


def _bundle(ws: Workspace, out: Path, gate: str = "VG-CORE-1", fmt: str = "tar") -> Path:
    [(_, bundle)] = run_into_bundles(ws, [gate], out, fmt=fmt, tuple_name="candidate")
    return bundle.path


def _ledger_bytes(ws: Workspace) -> bytes:
    return ws.ledger_path.read_bytes() if ws.ledger_path.exists() else b""


def test_gate_run_bundle_leaves_the_ledger_alone(
    gated: Workspace, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_RUN_ID", "777")
    monkeypatch.setenv("RUNNER_NAME", "runner-x")
    out = tmp_path / "bundles"
    code, output = invoke(
        runner, gated, "gate", "run", "VG-CORE-1", "--tuple", "candidate", "--bundle", str(out)
    )
    assert code == 0, output
    assert "bundle sha256:" in output
    assert not gated.ledger_path.exists()
    assert not list(gated.runs_dir.rglob("record.json"))
    [tar] = list(out.iterdir())  # the staging directory is gone, only the bundle is left
    assert tar.suffix == ".tar"
    with tarfile.open(tar) as t:
        names = t.getnames()
        manifest = json.loads(t.extractfile("bundle.json").read())  # type: ignore[union-attr]
    assert names[0] == "bundle.json"
    assert {"run/record.json", "run/stdout.log", "run/stderr.log"} <= set(names)
    assert manifest["program"] == "test-program"
    assert manifest["gate"]["id"] == "VG-CORE-1"
    assert manifest["gate_hash"] == gated.config.gates["VG-CORE-1"].definition_hash()
    assert manifest["pins"] == {"core": gated.config.tuples["candidate"]["core"]}
    assert manifest["runner"] == {"GITHUB_RUN_ID": "777", "RUNNER_NAME": "runner-x"}
    record = json.loads(t_read(tar, "run/record.json"))
    assert record["host"]["ci"] == {"GITHUB_RUN_ID": "777", "RUNNER_NAME": "runner-x"}


def t_read(tar: Path, name: str) -> bytes:
    with tarfile.open(tar) as t:
        member = t.extractfile(name)
        assert member is not None
        return member.read()


def test_a_bundle_is_content_addressed_and_byte_for_byte_reproducible(
    gated: Workspace, tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    run = run_gate_at(gated, "VG-CORE-1", staging=staging)
    gate = gated.config.gates["VG-CORE-1"]
    one = write_bundle(gated, gate, run.record, run.path.parent, tmp_path / "one")
    two = write_bundle(gated, gate, run.record, run.path.parent, tmp_path / "two")
    as_dir = write_bundle(gated, gate, run.record, run.path.parent, tmp_path / "d", fmt="dir")
    assert one.path.read_bytes() == two.path.read_bytes()
    assert one.digest == two.digest == as_dir.digest
    (run.path.parent / "stdout.log").write_text("changed\n")
    three = write_bundle(gated, gate, run.record, run.path.parent, tmp_path / "three")
    assert three.digest != one.digest


def test_ingest_lands_runs_in_start_order_and_twice_changes_nothing(
    gated: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    first = _bundle(gated, tmp_path / "a")
    second = _bundle(gated, tmp_path / "b", gate="VG-CORE-2", fmt="dir")
    code, output = invoke(runner, gated, "evidence", "ingest", str(second), str(first))
    assert code == 0, output
    entries = read_ledger(gated)
    assert [e.gate_id for e in entries] == ["VG-CORE-1", "VG-CORE-2"]  # by start, not by argument
    assert all(e.claim_grade for e in entries)
    landed = gated.evidence_dir / entries[1].record
    record = EvidenceRecord.load(landed)
    assert [a.path for a in record.artifacts] == ["artifacts/report.txt"]
    assert (landed.parent / "artifacts" / "report.txt").read_text() == "report\n"
    assert invoke(runner, gated, "evidence", "verify")[0] == 0
    before = _ledger_bytes(gated)
    code, output = invoke(runner, gated, "evidence", "ingest", str(first), str(second), "--json")
    assert code == 0
    assert [r["status"] for r in json.loads(output)] == ["already", "already"]
    assert _ledger_bytes(gated) == before
    # Promotion counts them like local runs.
    check = check_promotion(gated, "candidate", into="canonical", streak_needed=1)
    assert check.promotable


def test_a_folder_of_bundles_and_a_stray_file(gated: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    run_into_bundles(gated, ["VG-CORE-1", "VG-CORE-2"], out, tuple_name="candidate")
    (out / "notes.txt").write_text("not a bundle\n")
    (out / ".govkit-staging-k2j4").mkdir()  # a gate run stopped mid-way
    results = ingest_bundles(gated, [out])
    assert sorted(r.status for r in results) == ["ingested", "ingested", "refused", "refused"]
    refused = {Path(r.bundle).name: r.reason for r in results if r.status == "refused"}
    assert "not a bundle" in refused["notes.txt"]
    assert "stopped" in refused[".govkit-staging-k2j4"]
    assert len(read_ledger(gated)) == 2


def _tamper_tar(path: Path, member: str, new: bytes) -> None:
    """Rewrite one member of a bundle tar (as someone editing it on the way would)."""
    with tarfile.open(path) as t:
        members = [(m, t.extractfile(m).read()) for m in t.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(path, "w") as t:
        for m, data in members:
            if m.name == member:
                data = new
                m.size = len(data)
            t.addfile(m, io.BytesIO(data))


def test_bad_bundles_are_refused_by_name_and_the_good_one_still_lands(
    gated: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    good = _bundle(gated, tmp_path / "good")
    truncated = _bundle(gated, tmp_path / "truncated")
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    tampered = _bundle(gated, tmp_path / "tampered")
    _tamper_tar(tampered, "run/stdout.log", b"100 passed\n")
    edited_dir = _bundle(gated, tmp_path / "edited", fmt="dir")
    (edited_dir / "run" / "artifacts").mkdir()
    (edited_dir / "run" / "artifacts" / "extra.txt").write_text("slipped in\n")
    other = init_workspace(tmp_path / "other", name="another-program")
    shutil.copy(gated.config_path, other.config_path)
    text = other.config_path.read_text().replace("program: test-program", "program: another")
    other.config_path.write_text(text)
    foreign = _bundle(other, tmp_path / "foreign")

    code, output = invoke(
        runner,
        gated,
        "evidence",
        "ingest",
        str(truncated),
        str(tampered),
        str(edited_dir),
        str(foreign),
        str(good),
        str(tmp_path / "missing.tar"),
    )
    assert code == 1
    assert f"{truncated}: refused: not a complete tar archive" in output, output
    assert f"{tampered}: refused: run/stdout.log does not match its sha256" in output
    assert f"{edited_dir}: refused: run/artifacts/extra.txt is not listed" in output
    assert f"{foreign}: refused: made for program 'another'" in output
    assert f"{tmp_path / 'missing.tar'}: refused: no such file" in output
    assert f"{good}: ingested" in output
    assert [e.run_id for e in read_ledger(gated)] == [good.stem]
    # Nothing half-ingested: one run directory, no scratch left behind.
    assert [p.parent.name for p in gated.runs_dir.rglob("record.json")] == [good.stem]
    assert not any((gated.state_dir / "ingest").iterdir())


def test_unknown_gate_other_pins_and_a_changed_gate(gated: Workspace, tmp_path: Path) -> None:
    bundle = _bundle(gated, tmp_path / "a")
    other_gate = _bundle(gated, tmp_path / "b", gate="VG-CORE-2")
    with gated.edit_config() as data:
        del data["gates"]["VG-CORE-2"]
        data["gates"]["VG-CORE-1"]["timeout"] = "5m"
    [gone] = ingest_bundles(gated, [other_gate])
    assert gone.status == "refused"
    assert gone.reason == "gate VG-CORE-2 is not defined in this workspace"
    [changed] = ingest_bundles(gated, [bundle])
    assert changed.status == "ingested"
    assert any("earlier definition of VG-CORE-1" in n and "timeout" in n for n in changed.notes)
    # The old definition's run does not count toward promotion of the current one.
    assert check_promotion(gated, "candidate", into="canonical", streak_needed=1).gates[0].missing
    repo = Path(gated.config.repos["core"].url)
    commit(gated.root / repo, {"NEW.md": "moved on\n"})
    pin_tuple(gated, "candidate", ["core=main"])
    moved = _bundle(gated, tmp_path / "c")
    pin_tuple(gated, "candidate", ["core=main~1"])
    [stale] = ingest_bundles(gated, [moved])
    assert stale.status == "refused" and "but tuple candidate pins core@" in stale.reason


def test_same_run_id_with_another_record_is_refused(gated: Workspace, tmp_path: Path) -> None:
    bundle = _bundle(gated, tmp_path / "a", fmt="dir")
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    assert ingest_bundles(gated, [bundle])[0].status == "ingested"
    # A re-signed-looking copy: the record and the manifest agree, but the record differs.
    record = json.loads((copy / "run" / "record.json").read_text())
    record["message"] = "edited"
    raw = (json.dumps(record, sort_keys=True, indent=2) + "\n").encode()
    (copy / "run" / "record.json").write_bytes(raw)
    manifest = json.loads((copy / "bundle.json").read_text())
    manifest["files"]["run/record.json"] = {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
    }
    (copy / "bundle.json").write_text(json.dumps(manifest))
    [result] = ingest_bundles(gated, [copy])
    assert result.status == "refused" and "different run with id" in result.reason


def test_an_interrupted_ingest_is_completed(gated: Workspace, tmp_path: Path) -> None:
    bundle = _bundle(gated, tmp_path / "a", fmt="dir")
    opened = open_bundle(bundle, tmp_path / "scratch")
    # As if a crash came between the run directory's rename and its ledger line.
    target = gated.runs_dir / opened.record.date / opened.record.run_id
    shutil.copytree(bundle / "run", target)
    [result] = ingest_bundles(gated, [bundle])
    assert result.status == "ingested"
    assert any("interrupted" in n for n in result.notes)
    assert [e.run_id for e in read_ledger(gated)] == [opened.record.run_id]
    assert EvidenceRecord.load(target / "record.json").run_id == opened.record.run_id


def test_bundle_needs_a_tuple_not_a_worktree(
    gated: Workspace, runner: CliRunner, tmp_path: Path
) -> None:
    code, output = invoke(
        runner, gated, "gate", "run", "VG-CORE-1", "--worktree", str(tmp_path), "--bundle", "b"
    )
    assert code == 2 and "cannot use --worktree" in output


def test_two_ingests_at_once_land_each_run_once(gated: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "bundles"
    run_into_bundles(gated, ["VG-CORE-1", "VG-CORE-2"], out, tuple_name="candidate")
    run_into_bundles(gated, ["VG-CORE-1"], out, tuple_name="candidate", fmt="dir")
    procs = [
        spawn_govkit(
            "evidence", "ingest", str(out), "--json", cwd=gated.root, stdout=subprocess.PIPE
        )
        for _ in range(2)
    ]
    statuses = []
    for proc in procs:
        stdout, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        statuses.append(sorted(r["status"] for r in json.loads(stdout)))
    # Whichever got the lock first ingested all three; the other found them in the ledger.
    assert sorted(statuses) == [["already"] * 3, ["ingested"] * 3]
    entries = read_ledger(gated)
    assert len(entries) == len({e.run_id for e in entries}) == 3
    assert run_govkit("evidence", "verify", cwd=gated.root).returncode == 0


@pytest.mark.parametrize(
    "extra",
    [{}, {"required": True}, {"required_artifacts": ("out.txt",)}, {"required": True, "mem": 1}],
)
def test_a_stored_gate_definition_hashes_like_the_gate(extra: dict[str, object]) -> None:
    # One hash rule for the gate and its copy in bundle.json (they once disagreed on `required`).
    from govkit.config import GateDef, definition_hash_of
    from govkit.evidence.bundle import gate_definition

    gate = GateDef(id="VG-X-1", title="x", repo="core", argv=("true",), **extra)  # type: ignore[arg-type]
    stored = json.loads(json.dumps(gate_definition(gate)))
    assert definition_hash_of(stored) == gate.definition_hash()
