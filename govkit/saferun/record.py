"""Evidence records for bare `govkit safe-run --record FILE` runs, and host facts."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from govkit import __version__
from govkit.atomic import atomic_write_text
from govkit.evidence.record import EvidenceRecord, FileDigest
from govkit.saferun.memory import read_meminfo
from govkit.saferun.model import SafeRunResult, SafeRunSpec
from govkit.saferun.scrub import env_for_record, scrub_text

NOT_CLAIM_GRADE = "bare safe-run: not a gate run in a clean clone of committed commits"


def host_info() -> dict[str, Any]:
    """OS, CPUs, memory and Python of this machine, for evidence records."""
    return {
        "os": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "hostname": platform.node(),
        "cpus": os.cpu_count(),
        "mem_total": read_meminfo().get("MemTotal"),
        "python": platform.python_version(),
    }


def build_record(spec: SafeRunSpec, result: SafeRunResult, *, record_path: Path) -> EvidenceRecord:
    """The evidence record of a bare safe-run (gate_id 'safe-run', source 'direct')."""
    from govkit.evidence.store import new_run_id

    secrets = list(spec.secrets)
    env, redacted = env_for_record(spec.env)
    base = record_path.parent
    return EvidenceRecord(
        run_id=new_run_id("safe-run", result.started_at),
        gate_id="safe-run",
        gate_hash=None,
        outcome=result.outcome,
        started_at=result.started_at,
        ended_at=result.ended_at,
        duration_s=round(result.duration_s, 3),
        argv=[scrub_text(a, secrets) for a in spec.argv],
        cwd=str(spec.cwd),
        exit_code=result.exit_code,
        signal=result.signal,
        shell=spec.shell,
        source="direct",
        claim_grade=False,
        not_claim_grade_because=[NOT_CLAIM_GRADE],
        env=env,
        env_redacted=redacted,
        parser="exit-code",
        peak_rss_bytes=result.peak_rss_bytes,
        admission=dict(result.admission),
        logs={
            "stdout": FileDigest.of(result.stdout_path, base),
            "stderr": FileDigest.of(result.stderr_path, base),
        },
        host=host_info(),
        govkit_version=__version__,
        message=scrub_text(result.message, secrets),
    )


def write_record(spec: SafeRunSpec, result: SafeRunResult, path: Path) -> EvidenceRecord:
    """Build the record and write it to `path` atomically."""
    record = build_record(spec, result, record_path=path)
    atomic_write_text(path, record.to_json())
    return record
