"""Perf gates: baseline and candidate measured in the same invocation (DESIGN.md §5).

Rounds interleave B C B C … so drift in the machine (thermal, other load)
hits both sides alike. Each round pairs one baseline and one candidate sample;
the verdict per metric is the median of the paired ratios candidate/baseline
against the threshold. A regression is reported only when one re-run of the
rounds shows it again; every raw sample is kept in the record.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from govkit import git
from govkit.clone import TupleCheckout, clone_tuple
from govkit.config import GateDef, PerfSpec
from govkit.errors import GovkitError, ValidationError
from govkit.evidence.record import EvidenceRecord, FileDigest, Outcome
from govkit.runner import Event, Prepared, base_record, execute, failed_before_start, start_run
from govkit.timeutil import rfc3339
from govkit.tuples import get_tuple
from govkit.workspace import Workspace

MIN_ROUNDS = 3  # fewer paired samples make the median meaningless


@dataclass(frozen=True)
class MetricVerdict:
    """One metric over one set of rounds."""

    name: str
    direction: str  # "lower" or "higher" is better
    baseline: tuple[float, ...]
    candidate: tuple[float, ...]
    ratio: float  # median of candidate/baseline per round
    regressed: bool


def compare(
    samples: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    directions: Mapping[str, str],
    threshold: float,
) -> list[MetricVerdict]:
    """Median paired ratio per metric; regressed when worse than the threshold allows."""
    verdicts = []
    for name, (base, cand) in sorted(samples.items()):
        ratios = [
            c / b if b else float("inf") if c else 1.0 for b, c in zip(base, cand, strict=False)
        ]
        ratio = statistics.median(ratios) if ratios else 1.0
        direction = directions.get(name, "lower")
        worse = ratio > 1 + threshold if direction == "lower" else ratio < 1 - threshold
        verdicts.append(
            MetricVerdict(name, direction, tuple(base), tuple(cand), round(ratio, 4), worse)
        )
    return verdicts


def run_perf_gate(
    ws: Workspace,
    gate: GateDef,
    *,
    tuple_name: str,
    pins: Mapping[str, str],
    on_event: Event,
    runs_root: Path | None = None,
) -> EvidenceRecord:
    """Measure `gate` on the baseline and candidate tuples, interleaved; return the record.

    `runs_root`: where the run directory goes instead of the workspace's (a bundle's run).
    """
    assert gate.perf is not None
    spec = gate.perf
    if spec.rounds < MIN_ROUNDS:
        raise ValidationError(
            f"gates.{gate.id}.perf.rounds is {spec.rounds}; a perf comparison needs at least {MIN_ROUNDS}",
            path=ws.config_path,
            hint=f"set rounds: {MIN_ROUNDS} or more",
        )
    baseline_pins = get_tuple(ws, spec.baseline)
    prep = start_run(ws, gate.id, runs_root=runs_root)
    base = base_record(ws, gate, prep, tuple_name, None)
    exclude = (*git.TOOL_CACHES, *gate.artifacts)
    checkouts: list[TupleCheckout] = []
    try:
        try:
            checkouts.append(
                clone_tuple(ws, pins, gate.repos, tuple_name=tuple_name, exclude=exclude)
            )
            checkouts.append(
                clone_tuple(
                    ws, baseline_pins, gate.repos, tuple_name=spec.baseline, exclude=exclude
                )
            )
        except GovkitError as exc:
            return failed_before_start(base, exc.message)
        candidate, baseline = checkouts
        return _measure(ws, gate, spec, prep, base, baseline, candidate, baseline_pins, on_event)
    finally:
        for c in checkouts:
            c.cleanup()


def _measure(
    ws: Workspace,
    gate: GateDef,
    spec: PerfSpec,
    prep: Prepared,
    base: EvidenceRecord,
    baseline: TupleCheckout,
    candidate: TupleCheckout,
    baseline_pins: Mapping[str, str],
    emit: Event,
) -> EvidenceRecord:
    rounds: list[EvidenceRecord] = []
    samples: dict[str, tuple[list[float], list[float]]] = {}

    def one_pass(first_round: int) -> EvidenceRecord | None:
        """k interleaved rounds; the failing round's record if one did not pass."""
        fresh: dict[str, tuple[list[float], list[float]]] = {}
        for n in range(first_round, first_round + spec.rounds):
            pair: dict[str, dict[str, Any]] = {}
            for side, checkout in (("baseline", baseline), ("candidate", candidate)):
                emit(f"{gate.id}: round {n} {side}")
                log_dir = prep.directory / "rounds" / f"{n:02d}-{side}"
                rec = execute(ws, gate, prep, base, checkout, emit, log_dir=log_dir)
                rounds.append(rec)
                if rec.outcome is not Outcome.PASS:
                    return replace(rec, message=f"round {n} {side}: {rec.message or rec.outcome}")
                pair[side] = _numeric(rec.metrics)
            for name in spec.metrics or sorted(set(pair["baseline"]) & set(pair["candidate"])):
                if name not in pair["baseline"] or name not in pair["candidate"]:
                    return replace(
                        rounds[-1],
                        outcome=Outcome.ERROR,
                        message=f"round {n}: metric {name!r} missing from the metrics JSON",
                    )
                fresh.setdefault(name, ([], []))
                fresh[name][0].append(pair["baseline"][name])
                fresh[name][1].append(pair["candidate"][name])
        passes.append(fresh)
        for name, (b, c) in fresh.items():
            samples.setdefault(name, ([], []))
            samples[name][0].extend(b)
            samples[name][1].extend(c)
        return None

    passes: list[dict[str, tuple[list[float], list[float]]]] = []
    stopped = one_pass(1)
    verdicts: list[MetricVerdict] = []
    confirmed: dict[str, bool] = {}
    if stopped is None:
        verdicts = compare(_tuples(passes[0]), spec.metrics, spec.threshold)
        confirmed = {v.name: False for v in verdicts}
        if any(v.regressed for v in verdicts):
            emit(f"{gate.id}: possible regression, re-running the rounds to confirm")
            stopped = one_pass(1 + spec.rounds)
            if stopped is None:
                again = {
                    v.name: v for v in compare(_tuples(passes[1]), spec.metrics, spec.threshold)
                }
                confirmed = {v.name: v.regressed and again[v.name].regressed for v in verdicts}
                verdicts = [replace(again[v.name], regressed=confirmed[v.name]) for v in verdicts]
    perf: dict[str, Any] = {}
    for v in verdicts:
        b, c = samples[v.name]
        perf[v.name] = {
            "baseline": b,
            "candidate": c,
            "ratio": v.ratio,
            "direction": v.direction,
            "threshold": spec.threshold,
            "regressed": v.regressed,
            "rerun": len(passes) > 1,
        }
    last = rounds[-1] if rounds else base
    reasons = sorted({r for rec in rounds for r in rec.not_claim_grade_because})
    logs: dict[str, FileDigest] = {}
    for rec in rounds:
        logs.update(rec.logs)
    regressed = [v for v in verdicts if v.regressed]
    if stopped is not None:
        outcome, message = stopped.outcome, stopped.message
    elif regressed:
        outcome = Outcome.FAIL
        message = "; ".join(
            f"{v.name} regressed: candidate/baseline x{v.ratio:.2f} (threshold {spec.threshold:.0%}, confirmed by a re-run)"
            for v in regressed
        )
    else:
        outcome, message = Outcome.PASS, ""
    ended = rfc3339()
    return replace(
        last,
        outcome=outcome,
        message=message,
        ended_at=ended,
        duration_s=round(sum(r.duration_s for r in rounds), 3),
        repos=candidate.pins,
        claim_grade=not reasons and bool(rounds),
        not_claim_grade_because=reasons if rounds else ["no round ran"],
        counts=None,
        metrics={
            "perf": perf,
            "baseline": {
                "tuple": gate.perf.baseline if gate.perf else "",
                "pins": dict(baseline_pins),
            },
            "rounds": len(rounds) // 2,
        },
        peak_rss_bytes=max((r.peak_rss_bytes or 0 for r in rounds), default=None) or None,
        logs=logs,
    )


def _numeric(metrics: dict[str, Any] | None) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in (metrics or {}).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def _tuples(
    data: dict[str, tuple[list[float], list[float]]],
) -> dict[str, tuple[Sequence[float], Sequence[float]]]:
    return {k: (b, c) for k, (b, c) in data.items()}
