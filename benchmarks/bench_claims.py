"""Recall, precision and speed of audit's claim finder on the labelled corpus.

Run: python benchmarks/bench_claims.py [--repeat N]
Targets: recall >= 0.98, precision >= 0.95 (tests/audit/test_claims_score.py enforces them).
The corpus is benchmarks/claims_corpus/ (marking scheme in its README). Time per 1,000
lines is the whole `run_audit` over the corpus workspace (a dozen runs), best of N.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.claims_score import PRECISION_TARGET, RECALL_TARGET, score  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="time the audit this many times")
    args = parser.parse_args()
    results = []
    for _ in range(max(1, args.repeat)):
        with tempfile.TemporaryDirectory(prefix="govkit-bench-claims-") as tmp:
            results.append(score(Path(tmp) / "ws"))
    best = min(results, key=lambda r: r.seconds)
    for name, line, code in best.missed:
        print(f"missed: {name}:{line} {code}")
    for name, line, code, msg in best.false:
        print(f"false alarm: {name}:{line} {code} {msg}")
    print(f"corpus: {best.lines} lines, {best.expected} expected findings, {best.found} found")
    print(f"recall     {best.recall:.3f}  (target >= {RECALL_TARGET})")
    print(f"precision  {best.precision:.3f}  (target >= {PRECISION_TARGET})")
    print(f"time       {best.ms_per_1000_lines:.1f} ms per 1,000 lines (best of {len(results)})")
    ok = best.recall >= RECALL_TARGET and best.precision >= PRECISION_TARGET
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
