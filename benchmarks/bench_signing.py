"""Signing overhead per run: `govkit gate run` of a 1 s gate, signed against unsigned.

Run: python benchmarks/bench_signing.py [--rounds 5] [--sleep 1.0]
Goal: a signed run takes at most 1.1x the wall time of an unsigned run of the same gate.
Two workspaces share one code repo and one gate (`sleep` for --sleep seconds); one has
signing.key and signing.allowed_signers set (a fresh ed25519 key, ssh-keygen). Each run is a
whole `govkit gate run` process (clean clone, safe-run, record, ledger, and for the signed
one the pre-run key check and `ssh-keygen -Y sign`); rounds are interleaved so machine load
hits both alike; the figures are medians.

Then the cost of checking signatures: `govkit audit` over --audit-runs signed records, with
signing.allowed_signers set (one ssh-keygen -Y verify per run) and with the signing section
removed (same files, no signature checks).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from process_timing import wall_seconds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govkit.config import GateDef  # noqa: E402
from govkit.gates import add_gate  # noqa: E402
from govkit.tuples import add_repo, pin_tuple  # noqa: E402
from govkit.workspace import Workspace, init_workspace  # noqa: E402

GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def make_code_repo(path: Path) -> None:
    path.mkdir()
    env = {**os.environ, **GIT_ENV}
    (path / "README.md").write_text("bench\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", "-C", str(path), *args], check=True, env=env)


def make_workspace(root: Path, repo: Path, sleep: float) -> Workspace:
    ws = init_workspace(root, name="bench")
    add_repo(ws, "core", str(repo))
    pin_tuple(ws, "canonical", ["core=main"])
    argv = (sys.executable, "-c", f"import time; time.sleep({sleep})")
    add_gate(ws, GateDef(id="VG-BENCH-001", title="sleep", repo="core", argv=argv))
    return ws


def sign(ws: Workspace, work: Path) -> None:
    key = work / "id_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    public = " ".join(key.with_name("id_ed25519.pub").read_text().split()[:2])
    (ws.root / "allowed_signers").write_text(f"bench@example.invalid {public}\n")
    with ws.edit_config() as data:
        data["signing"] = {"key": str(key), "allowed_signers": "allowed_signers"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sleep", type=float, default=1.0)
    parser.add_argument("--audit-runs", type=int, default=200)
    args = parser.parse_args()
    if shutil.which("ssh-keygen") is None:
        raise SystemExit("ssh-keygen is not on PATH (Debian: apt-get install openssh-client)")
    with tempfile.TemporaryDirectory(prefix="bench-signing-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "GOVKIT_SLOT_DIR": str(work / "slots")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        env.pop("GOVKIT_SIGNING_KEY", None)
        repo = work / "core"
        make_code_repo(repo)
        plain = make_workspace(work / "plain", repo, args.sleep)
        signed = make_workspace(work / "signed", repo, args.sleep)
        sign(signed, work)
        govkit = [sys.executable, "-m", "govkit"]
        times: dict[str, list[float]] = {"unsigned": [], "signed": []}
        for _ in range(args.rounds):
            for name, ws in (("unsigned", plain), ("signed", signed)):
                argv = [*govkit, "-C", str(ws.root), "gate", "run", "VG-BENCH-001"]
                times[name].append(wall_seconds(argv, env=env))
        sigs = list(signed.runs_dir.rglob("record.json.sig"))
        if len(sigs) != args.rounds:
            raise SystemExit(f"expected {args.rounds} signed runs, found {len(sigs)}")
        unsigned_s = statistics.median(times["unsigned"])
        signed_s = statistics.median(times["signed"])
        ratio = signed_s / unsigned_s
        print(f"gate: sleep {args.sleep:g} s; {args.rounds} interleaved rounds, medians")
        print(f"unsigned run: {unsigned_s * 1000:8.1f} ms")
        print(f"signed run:   {signed_s * 1000:8.1f} ms")
        print(f"overhead:     {(signed_s - unsigned_s) * 1000:8.1f} ms per run")
        print(f"ratio signed/unsigned: {ratio:.3f}x (target <= 1.10x)")
        if args.audit_runs:
            audit_figures(signed, args.audit_runs, govkit, env)


def audit_figures(ws: Workspace, runs: int, govkit: list[str], env: dict[str, str]) -> None:
    """Wall time of audit over `runs` signed records, checking signatures and not."""
    import dataclasses

    from govkit.evidence.record import EvidenceRecord
    from govkit.evidence.store import iter_records, run_dir, write_record

    template = next(iter_records(ws))
    for n in range(runs):
        stamp = f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}.000Z"
        run_id = f"20260101T00{n // 60:02d}{n % 60:02d}.000Z-VG-BENCH-001-{n:012x}"
        rec: EvidenceRecord = dataclasses.replace(
            template, run_id=run_id, started_at=stamp, logs={}, signer=None
        )
        run_dir(ws, run_id, stamp[:10]).mkdir(parents=True)
        write_record(ws, rec)
    argv = [*govkit, "-C", str(ws.root), "audit", "--format", "json"]
    config = ws.config_path.read_text()
    checked, unchecked = [], []
    for _ in range(3):
        ws.config_path.write_text(config)
        checked.append(wall_seconds_any(argv, env))
        ws.config_path.write_text(config.split("signing:")[0])
        unchecked.append(wall_seconds_any(argv, env))
    ws.config_path.write_text(config)
    total = len(list(ws.runs_dir.rglob("record.json.sig")))
    with_sigs, without = statistics.median(checked), statistics.median(unchecked)
    print(
        f"audit over {total} signed runs: {with_sigs:.2f} s checking signatures, "
        f"{without:.2f} s without ({(with_sigs - without) / total * 1000:.1f} ms per run)"
    )


def wall_seconds_any(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one audit (exit 0 or 1: findings are fine here, a crash is not)."""
    import time

    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stderr.decode()[-2000:]}")
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
