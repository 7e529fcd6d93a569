"""Signing overhead per run: `govkit gate run` of a 1 s gate, signed against unsigned.

Run: python benchmarks/bench_signing.py [--rounds 5] [--sleep 1.0]
Goal: a signed run takes at most 1.1x the wall time of an unsigned run of the same gate.
Two workspaces share one code repo and one gate (`sleep` for --sleep seconds); one has
signing.key and signing.allowed_signers set (a fresh ed25519 key, ssh-keygen). Each run is a
whole `govkit gate run` process (clean clone, safe-run, record, ledger, and for the signed
one the pre-run key check and `ssh-keygen -Y sign`); rounds are interleaved so machine load
hits both alike; the figures are medians.
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


if __name__ == "__main__":
    main()
