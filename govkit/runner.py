"""Running gates: clean clone, safe-run, parse, judge, collect, record (DESIGN.md §5).

`run_gate` is the one path from a gate definition to an evidence record; the
CLI, `verify` and the demo all go through it. Progress goes to `on_event`.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ParamSpec

from govkit import __version__, git
from govkit.clone import TupleCheckout, clone_tuple
from govkit.config import GateDef
from govkit.errors import GovkitError
from govkit.evidence.record import EvidenceRecord, FileDigest, Outcome
from govkit.evidence.signing import preflight as preflight_signing
from govkit.evidence.store import check_ledger_tail, claim_run_dir, store_record
from govkit.gates import get_gate
from govkit.timeutil import parse_rfc3339, rfc3339
from govkit.tuples import get_tuple
from govkit.workspace import Workspace

Event = Callable[[str], None]
P = ParamSpec("P")


@dataclass(frozen=True)
class GateRun:
    """A finished run: its record and where record.json was written."""

    record: EvidenceRecord
    path: Path


def _noop(_: str) -> None:
    pass


def run_gate_at(
    ws: Workspace,
    gate_id: str,
    *,
    tuple_name: str | None = None,
    worktree: Path | None = None,
    on_event: Event | None = None,
    pins: Mapping[str, str] | None = None,
    staging: Path | None = None,
) -> GateRun:
    """Run one gate on a tuple (or with its working repo from `worktree`) and record it.

    `pins` overrides the tuple's pins (verify re-runs recorded commits). `staging`: keep the run under this directory and leave the ledger alone (a bundle
    for `evidence ingest` elsewhere, D-021).
    """
    gate = get_gate(ws, gate_id)
    if staging is None:
        # The run ends by appending to the ledger: a damaged tail would fail that append after
        # the whole run and leave a record no ledger line covers. Say so before running.
        check_ledger_tail(ws)
    # A key that cannot sign, or a signer not allowed, is told before the run, not after it.
    preflight_signing(ws)
    if worktree is not None:
        check_worktree_gates([gate])
    tname = tuple_name or gate.tuple_name
    if pins is not None:
        tuple_pins = dict(pins)
    elif worktree is not None and tname not in ws.config.tuples:
        tuple_pins = {}  # fine while the gate needs no repo beside the worktree
    else:
        tuple_pins = get_tuple(ws, tname)
    emit = on_event or _noop
    if gate.perf is not None:
        from govkit.perf import run_perf_gate

        record = run_perf_gate(
            ws, gate, tuple_name=tname, pins=tuple_pins, on_event=emit, runs_root=staging
        )
    else:
        record = _run_plain(ws, gate, tname, tuple_pins, worktree, emit, staging)
    stored, path = store_record(ws, record, staging=staging)
    return GateRun(stored, path)


def _record_only(run: Callable[P, GateRun]) -> Callable[P, EvidenceRecord]:
    def record_of(*args: P.args, **kwargs: P.kwargs) -> EvidenceRecord:
        return run(*args, **kwargs).record

    return record_of


# run_gate_at() without the record's path: what most callers want.
run_gate = _record_only(run_gate_at)


def run_gates(
    ws: Workspace,
    gate_ids: Sequence[str],
    *,
    tuple_name: str | None = None,
    worktree: Path | None = None,
    on_event: Event | None = None,
    on_done: Callable[[GateRun], None] | None = None,
    jobs: int | None = None,
    staging: Path | None = None,
) -> list[GateRun]:
    """Run several gates (heavy ones are serialized by safe-run slots in any case).

    `staging`: as in run_gate_at, the runs stay out of the ledger.
    """
    gates = [get_gate(ws, gid) for gid in gate_ids]  # unknown ids fail before anything runs
    if worktree is not None:
        check_worktree_gates(gates)
    # One at a time by default: safe-run installs signal handlers and a subreaper,
    # both process-wide, so concurrent runs in threads would not stop cleanly on Ctrl-C.
    workers = max(1, min(jobs or 1, len(gate_ids)))

    def one(gid: str) -> GateRun:
        done = run_gate_at(
            ws, gid, tuple_name=tuple_name, worktree=worktree, on_event=on_event, staging=staging
        )
        if on_done is not None:
            on_done(done)
        return done

    if workers == 1:
        results: list[GateRun] = []
        for gid in gate_ids:
            results.append(one(gid))
            if results[-1].record.outcome is Outcome.INTERRUPTED:
                break  # Ctrl-C / SIGTERM stops the batch, not just the current gate
        return results
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, gate_ids))


def check_worktree_gates(gates: Sequence[GateDef]) -> None:
    """--worktree stands for one working repo, and perf gates compare tuples only."""
    from govkit.errors import ValidationError

    repos = sorted({g.repo for g in gates})
    if len(repos) > 1:
        raise ValidationError(
            f"--worktree stands for one repo, but these gates work in {', '.join(repos)}",
            hint="run the gates of one working repo at a time with --worktree",
        )
    perf = [g.id for g in gates if g.perf is not None]
    if perf:
        raise ValidationError(
            f"{', '.join(perf)} compares tuples (perf) and cannot run from a worktree",
            hint="pin the commits into a tuple and use --tuple",
        )


def selected_gates(ws: Workspace, *, weekly: bool = False) -> list[str]:
    """Every gate id (with `weekly`, only weekly gates), in natural order."""
    from govkit.ids import id_sort_key

    gates = ws.config.gates.values()
    return sorted((g.id for g in gates if g.weekly or not weekly), key=id_sort_key)


# --- one plain run ---------------------------------------------------------


@dataclass
class Prepared:
    """Everything decided before the command starts."""

    run_id: str
    started_at: str
    directory: Path


def start_run(
    ws: Workspace,
    gate_id: str,
    *,
    clock: Callable[[], str] = rfc3339,
    token: Callable[[int], str] = secrets.token_hex,
    runs_root: Path | None = None,
) -> Prepared:
    """A run id and its run directory (logs stream into it), under `runs_root` if given;
    a taken id is retried."""
    started = clock()
    run_id, directory = claim_run_dir(ws, gate_id, started, token=token, runs_root=runs_root)
    return Prepared(run_id, started, directory)


def _run_plain(
    ws: Workspace,
    gate: GateDef,
    tuple_name: str,
    pins: Mapping[str, str],
    worktree: Path | None,
    emit: Event,
    runs_root: Path | None = None,
) -> EvidenceRecord:
    prep = start_run(ws, gate.id, runs_root=runs_root)
    base = base_record(ws, gate, prep, tuple_name, worktree)
    emit(f"{gate.id}: cloning {', '.join(gate.repos)}")
    try:
        checkout = _clone_or_discard(
            prep,
            lambda: clone_tuple(
                ws,
                pins,
                gate.repos,
                tuple_name=tuple_name,
                exclude=(*git.TOOL_CACHES, *gate_artifacts(gate)),
                worktree=worktree,
            ),
        )
    except GovkitError as exc:
        return failed_before_start(base, str(exc.message))
    try:
        return execute(ws, gate, prep, base, checkout, emit)
    finally:
        checkout.cleanup()


def _clone_or_discard(prep: Prepared, make: Callable[[], TupleCheckout]) -> TupleCheckout:
    """Run `make`; on Ctrl-C (or any non-govkit exception) drop the still-empty run dir."""
    try:
        return make()
    except GovkitError:
        raise
    except BaseException:
        shutil.rmtree(prep.directory, ignore_errors=True)
        raise


def base_record(
    ws: Workspace, gate: GateDef, prep: Prepared, tuple_name: str, worktree: Path | None
) -> EvidenceRecord:
    """The record fields known before anything runs."""
    return EvidenceRecord(
        run_id=prep.run_id,
        gate_id=gate.id,
        gate_hash=gate.definition_hash(),
        outcome=Outcome.ERROR,
        started_at=prep.started_at,
        ended_at=prep.started_at,
        duration_s=0.0,
        argv=[gate.shell] if gate.shell is not None else list(gate.argv),
        cwd=f"{gate.repo}/{gate.cwd}".rstrip("/"),
        exit_code=None,
        shell=gate.shell is not None,
        tuple_name=tuple_name,
        source="worktree" if worktree is not None else "clean-clone",
        parser=gate.parser,
        host=host_info(),
        govkit_version=__version__,
    )


def failed_before_start(base: EvidenceRecord, message: str) -> EvidenceRecord:
    """An `error` record for a run whose clone or setup failed."""
    ended = rfc3339()
    return replace(
        base,
        outcome=Outcome.ERROR,
        ended_at=ended,
        duration_s=_seconds(base.started_at, ended),
        message=message,
        not_claim_grade_because=["the run did not start: " + message],
    )


def execute(
    ws: Workspace,
    gate: GateDef,
    prep: Prepared,
    base: EvidenceRecord,
    checkout: TupleCheckout,
    emit: Event,
    *,
    log_dir: Path | None = None,
) -> EvidenceRecord:
    """Run the gate's command in `checkout`, then parse, judge and collect into a record."""
    from govkit.parsers import judge, parse_run
    from govkit.saferun import safe_run, scrub_text

    workdir = (checkout.working.path / gate.cwd).resolve()
    if not workdir.is_relative_to(checkout.working.path.resolve()) or not workdir.is_dir():
        return failed_before_start(
            replace(base, repos=checkout.pins),
            f"working directory {base.cwd} is not a directory inside the clone at "
            f"{checkout.working.pin.commit[:12]}",
        )
    env = child_env(gate, checkout, prep.run_id)
    recorded_env, redacted = recorded_environment(env, gate)
    spec = safe_run_spec(ws, gate, workdir, env, log_dir or prep.directory)
    emit(f"{gate.id}: running at {checkout.working.name}@{checkout.working.pin.commit[:12]}")
    result = safe_run(spec, on_event=lambda line: emit(f"{gate.id}: {line}"))
    reasons = claim_reasons(checkout)
    parsed = parse_run(
        gate.parser,
        stdout=result.stdout_path,
        stderr=result.stderr_path,
        workdir=workdir,
        artifacts=tuple(artifact_paths(checkout.working.path, gate_artifacts(gate))),
    )
    outcome, message = result.outcome, result.message
    if outcome in (Outcome.PASS, Outcome.FAIL):
        outcome, message = judge(
            result.exit_code,
            parsed,
            parser=gate.parser,
            min_tests=gate.min_tests,
            max_failures=gate.max_failures,
        )
    artifacts = collect_artifacts(checkout.working.path, gate_artifacts(gate), prep.directory)
    missing = missing_artifacts(checkout.working.path, gate.required_artifacts)
    if missing:
        outcome, message = judge_artifacts(outcome, message, missing, gate.required_artifacts)
    ended = rfc3339()
    return replace(
        base,
        argv=[scrub_text(a, spec.secrets) for a in base.argv],
        outcome=outcome,
        ended_at=ended,
        duration_s=round(result.duration_s, 3),
        exit_code=result.exit_code,
        signal=result.signal,
        repos=checkout.pins,
        claim_grade=not reasons,
        not_claim_grade_because=reasons,
        env=recorded_env,
        env_redacted=redacted,
        counts=parsed.counts,
        metrics=parsed.metrics,
        peak_rss_bytes=result.peak_rss_bytes,
        admission=dict(result.admission),
        logs=log_digests(prep.directory, result.stdout_path, result.stderr_path),
        artifacts=artifacts,
        message=scrub_text(message, spec.secrets) if outcome is not Outcome.PASS else "",
    )


def claim_reasons(checkout: TupleCheckout) -> list[str]:
    """Why a run is not claim-grade (empty: it is)."""
    reasons: list[str] = []
    for repo in checkout.repos:
        if not repo.fresh:
            reasons.append(f"{repo.name} ran from a working tree ({repo.path}), not a clean clone")
            if repo.pin.dirty:
                reasons.append(f"{repo.name} working tree had uncommitted changes")
    reasons.extend(checkout.problems_after())
    return reasons


def safe_run_spec(
    ws: Workspace, gate: GateDef, workdir: Path, env: Mapping[str, str], log_dir: Path
) -> Any:
    """The SafeRunSpec for a gate's command under the workspace's safe-mode policy."""
    from govkit.saferun import SafeRunSpec, scrub_secrets_from_env

    mode = ws.config.safe_mode
    argv: Sequence[str] = [gate.shell] if gate.shell is not None else gate.argv
    return SafeRunSpec(
        argv=list(argv),
        cwd=workdir,
        env=dict(env),
        log_dir=log_dir,
        timeout=gate.timeout,
        heavy=gate.heavy,
        slots=mode.heavy_slots,
        lock_dir=Path(mode.lock_dir).expanduser() if mode.lock_dir else None,
        mem_need=gate.mem if gate.mem is not None else (mode.default_mem if gate.heavy else None),
        admission_wait=mode.admission_wait,
        secrets=tuple(scrub_secrets_from_env(env)),
        label=gate.id,
        shell=gate.shell is not None,
    )


def child_env(gate: GateDef, checkout: TupleCheckout, run_id: str) -> dict[str, str]:
    """The command's complete environment: ours minus GIT_*, the gate's env, repo paths."""
    env = git.clean_env()
    env.update(gate.env)
    env["GOVKIT_RUN_ID"] = run_id
    env["GOVKIT_GATE"] = gate.id
    for repo in checkout.repos:
        env[f"GOVKIT_REPO_{_env_name(repo.name)}"] = str(repo.path)
    return env


def _env_name(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).upper()


def recorded_environment(env: Mapping[str, str], gate: GateDef) -> tuple[dict[str, str], list[str]]:
    """(allow-listed names -> values, names withheld): safe-run's allow-list plus LC_*,
    the gate's own env and govkit's run variables; secret-looking names never kept."""
    from govkit.saferun import env_for_record
    from govkit.saferun.scrub import ENV_ALLOW

    allow = set(ENV_ALLOW) | set(gate.env) | {"GOVKIT_RUN_ID", "GOVKIT_GATE", "SOURCE_DATE_EPOCH"}
    allow |= {name for name in env if name.startswith("LC_")}
    return env_for_record(env, allow)


def gate_artifacts(gate: GateDef) -> tuple[str, ...]:
    """Every artifact glob of a gate: the kept ones, then the required ones (no repeats)."""
    return tuple(dict.fromkeys((*gate.artifacts, *gate.required_artifacts)))


def missing_artifacts(root: Path, required: Sequence[str]) -> list[str]:
    """The required globs that match no file of the clone."""
    return [pattern for pattern in required if not artifact_paths(root, [pattern])]


def judge_artifacts(
    outcome: Outcome, message: str, missing: Sequence[str], expected: Sequence[str]
) -> tuple[Outcome, str]:
    """A pass that lacks a required artifact is a fail; other outcomes keep theirs, with the reason."""
    reason = (
        f"required artifact{'s' if len(missing) > 1 else ''} missing: {', '.join(missing)} "
        f"(expected: {', '.join(expected)})"
    )
    if outcome is Outcome.PASS:
        return Outcome.FAIL, reason
    if outcome is Outcome.FAIL:
        return outcome, f"{message}; {reason}" if message else reason
    return outcome, message  # timeout, oom, error…: the run did not finish, so nothing is owed


def artifact_paths(root: Path, patterns: Sequence[str]) -> list[Path]:
    """Files matching the gate's artifact globs under the working clone."""
    found: list[Path] = []
    inside = root.resolve()
    for pattern in patterns:
        for hit in sorted(glob.glob(pattern, root_dir=root, recursive=True)):
            path = root / hit
            # Only files of the clone: not an absolute or ../ pattern, not a symlink out of it.
            if not path.resolve().is_relative_to(inside) or not path.is_relative_to(root):
                continue
            if path.is_file() and path not in found:
                found.append(path)
    return found


def collect_artifacts(root: Path, patterns: Sequence[str], run_directory: Path) -> list[FileDigest]:
    """Copy artifacts into the run's artifacts/ dir; digests relative to the run dir."""
    digests: list[FileDigest] = []
    for path in artifact_paths(root, patterns):
        rel = path.relative_to(root)
        target = run_directory / "artifacts" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        digests.append(FileDigest.of(target, run_directory))
    return digests


def log_digests(run_directory: Path, *paths: Path) -> dict[str, FileDigest]:
    """FileDigest of each existing log, keyed by its stem ('stdout', 'stderr', …)."""
    out: dict[str, FileDigest] = {}
    for path in paths:
        if path.is_file():
            key = path.relative_to(run_directory).as_posix().removesuffix(".log").replace("/", ".")
            out[key] = FileDigest.of(path, run_directory)
    return out


def host_info() -> dict[str, Any]:
    """OS, CPUs, memory and tool versions of this machine."""
    from govkit.saferun.record import host_info as base_host

    info: dict[str, Any] = {**base_host(), "git": git.git_version()}
    ci = ci_identity()
    if ci:
        info["ci"] = ci  # in record.json, so a signature covers which CI job ran it
    return info


# The CI job that ran a gate: GitHub Actions first, GitLab CI's equivalents too.
CI_IDENTITY_ENV = (
    "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_SHA", "GITHUB_REPOSITORY",
    "GITHUB_WORKFLOW_REF", "GITHUB_JOB", "RUNNER_NAME",
    "CI_PIPELINE_ID", "CI_JOB_ID", "CI_COMMIT_SHA", "CI_PROJECT_PATH", "CI_RUNNER_DESCRIPTION",
)  # fmt: skip


def ci_identity() -> dict[str, str]:
    """The CI variables naming the job this process runs in (empty off CI)."""
    return {name: os.environ[name] for name in CI_IDENTITY_ENV if os.environ.get(name)}


def _seconds(start: str, end: str) -> float:
    return round((parse_rfc3339(end) - parse_rfc3339(start)).total_seconds(), 3)


def summary_line(ws: Workspace, run: GateRun, *, where_kept: str | None = None) -> str:
    """'VG-LA-002  pass  936 passed  rlm-core@3f9a2c1d4e5f  2026-11-21T04:45:00.123Z  evidence/…'.

    `where_kept` names the record's place instead of run.path (a bundle).
    """
    rec = run.record
    counts = rec.counts.summary() if rec.counts else _metrics_summary(rec.metrics)
    pin = rec.working_pin
    where = pin.label() if pin else "-"
    grade = "" if rec.claim_grade else "  (not claim-grade)"
    signed = f"  signed by {rec.signer.get('principal')}" if rec.signer else ""
    return f"{rec.gate_id}  {rec.outcome.value}  {counts}  {where}  {rec.started_at}  {where_kept or ws.rel(run.path)}{grade}{signed}"


def _metrics_summary(metrics: dict[str, Any] | None) -> str:
    if not metrics:
        return "-"
    perf = metrics.get("perf")
    if isinstance(perf, dict):
        parts = [
            f"{name} x{m.get('ratio', 0):.2f}{' REGRESSED' if m.get('regressed') else ''}"
            for name, m in sorted(perf.items())
            if isinstance(m, dict)
        ]
        return ", ".join(parts) or "-"
    return ", ".join(f"{k}={v}" for k, v in sorted(metrics.items()))[:80]
