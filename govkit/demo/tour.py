"""The tour printed at the end of `govkit demo`: what was made and where to look."""

from __future__ import annotations

from govkit.demo.script import DemoLayout
from govkit.evidence.store import read_ledger
from govkit.workspace import Workspace


def tour(layout: DemoLayout, seconds: float) -> str:
    """A short guide to the demo's output."""
    ws = Workspace(layout.workspace)
    runs = read_ledger(ws)
    packets = sorted(p.name for p in ws.packets_dir.glob("*.md"))
    w = layout.workspace
    lines = [
        "",
        f"Done in {seconds:.1f}s: {len(runs)} gate runs recorded, every one in a clean clone.",
        "",
        "Where to look:",
        f"  {w}/STATUS.md            the status tracker, rendered; each count links its record",
        f"  {w}/evidence/runs/       one record.json + logs per run (SHA, UTC, argv, hashes)",
        f"  {w}/evidence/ledger.jsonl  the hash chain over every run",
        f"  {w}/evidence/packets/    the weekly cadence packet ({', '.join(packets) or 'none'})",
        f"  {w}/HANDOFF.md           the session handoff note",
        f"  {w}/site/index.html      the static site with per-gate history charts",
        f"  {w}/decisions/           decision records (MADR), numbered at acceptance",
        f"  {w}/records/             one YAML file per milestone, task, finding, blocker …",
        "",
        "Try next:",
        f"  cd {w}",
        "  govkit gate run VG-CORE-001 --tuple experimental   # watch a gate fail, with evidence",
        "  govkit evidence list                               # every run, from the ledger",
        "  govkit audit NOTES.md                              # claims without evidence, caught",
        "  govkit render status --check                       # is STATUS.md current?",
    ]
    return "\n".join(lines)
