"""Recall and precision of `govkit import` over the import corpus, against its expected marks.

Run: python benchmarks/bench_import.py [--strict-status] [--verbose]

Each tracker and ADR folder of tests/importers/corpus/ is imported into a fresh temp
workspace (with --allow-partial, as a user would after reading the problems). A mark is
(kind, id, status); `expected.yaml` holds what a careful reader marks. Printed per
document and overall: recall = found marks that were expected / expected marks, and
precision = found marks that were expected / found marks. Ids alone are scored too, so a
wrong status shows as a drop in the status figures only. Target: 1.00 on both.
The time per import is printed beside the time to only parse the same documents
(the baseline, measured in the same run): the write path through records.ops and the
scratch-copy validation should cost a small multiple of parsing, not orders of magnitude.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govkit import yamlio  # noqa: E402
from govkit.decisions import load_decisions  # noqa: E402
from govkit.importers.adr import import_adr, parse_adr  # noqa: E402
from govkit.importers.tracker import import_tracker, read_tracker  # noqa: E402
from govkit.records.model import PLURALS  # noqa: E402
from govkit.records.store import load_all  # noqa: E402
from govkit.workspace import Workspace, init_workspace  # noqa: E402

CORPUS = ROOT / "tests" / "importers" / "corpus"

Mark = tuple[str, str, str]


def expected_marks(spec: dict[str, Any], *, adr: bool) -> set[Mark]:
    """(kind, id, status) marks of one document's expectations."""
    if adr:
        return {("decision", k, v) for k, v in spec.items() if k != "refused"}
    out: set[Mark] = set()
    for kind, value in spec.items():
        if kind in ("refused", "date"):
            continue
        if kind == "queue":
            out |= {("queue", q, "queued") for q in value}
        else:
            out |= {(kind, i, s) for i, s in value.items()}
    return out


def found_marks(ws: Workspace) -> set[Mark]:
    rs = load_all(ws)
    out = {(kind, r.id, r.status) for kind in PLURALS for r in rs.kind(kind)}
    out |= {("queue", q.id, "queued") for q in rs.queue}
    out |= {("decision", d.id, d.status) for d in load_decisions(ws)}
    return out


def score(found: set[Any], wanted: set[Any]) -> tuple[float, float]:
    hits = len(found & wanted)
    recall = hits / len(wanted) if wanted else 1.0
    precision = hits / len(found) if found else 1.0
    return recall, precision


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="List missed and extra marks.")
    args = parser.parse_args()
    expected = yamlio.load_plain(CORPUS / "expected.yaml")
    all_found: set[tuple[str, Mark]] = set()
    all_wanted: set[tuple[str, Mark]] = set()
    import_time = parse_time = 0.0
    print(f"{'document':44} {'marks':>5} {'recall':>7} {'precision':>9}")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        jobs = [("trackers", n, False) for n in sorted(expected["trackers"])]
        jobs += [("adr", n, True) for n in sorted(expected["adr"])]
        for i, (group, name, adr) in enumerate(jobs):
            source = (CORPUS / group / name).resolve()
            ws = init_workspace(Path(tmp) / f"ws{i}", name="bench")
            start = time.perf_counter()
            if adr:
                for p in sorted(source.glob("*.md")):
                    parse_adr(p)
            else:
                read_tracker(source.read_text(encoding="utf-8"), source=source.name)
            parse_time += time.perf_counter() - start
            start = time.perf_counter()
            if adr:
                import_adr(ws, source, allow_partial=True)
            else:
                import_tracker(ws, source, allow_partial=True)
            import_time += time.perf_counter() - start
            wanted = expected_marks(expected[group][name], adr=adr)
            found = found_marks(ws)
            recall, precision = score(found, wanted)
            print(f"{group + '/' + name:44} {len(wanted):5d} {recall:7.2f} {precision:9.2f}")
            if args.verbose:
                for m in sorted(wanted - found):
                    print(f"    missed {m}")
                for m in sorted(found - wanted):
                    print(f"    extra  {m}")
            all_found |= {(f"{group}/{name}", m) for m in found}
            all_wanted |= {(f"{group}/{name}", m) for m in wanted}
    recall, precision = score(all_found, all_wanted)
    ids_found = {(doc, m[0], m[1]) for doc, m in all_found}
    ids_wanted = {(doc, m[0], m[1]) for doc, m in all_wanted}
    id_recall, id_precision = score(ids_found, ids_wanted)
    print(f"overall marks (kind, id, status): recall {recall:.3f}  precision {precision:.3f}")
    print(f"overall ids   (kind, id):         recall {id_recall:.3f}  precision {id_precision:.3f}")
    print(
        f"time: import {import_time:.2f} s for {len(jobs)} documents; parse only "
        f"{parse_time:.3f} s (import/parse ratio {import_time / max(parse_time, 1e-9):.0f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
