"""GK205: "full pass on required gates" holds only when every required gate's newest
claim-grade run on the claim tuple passed (real ledger, real Markdown file)."""

from __future__ import annotations

from pathlib import Path

from govkit.audit.run import run_audit
from govkit.gates import set_gate
from govkit.workspace import Workspace
from tests.records.test_conditions import prog  # noqa: F401  (the fixture)
from tests.test_promotion import record


def gk205(ws: Workspace, doc: Path) -> list[str]:
    return [f.message for f in run_audit(ws, [doc]).findings if f.code == "GK205"]


def test_full_pass_on_required_gates_is_checked(ws: Workspace, prog: str) -> None:  # noqa: F811
    doc = ws.root / "NOTES.md"
    doc.write_text(
        "# Week\n\nThis week: full pass on required gates.\n\n```\nfull pass on required gates\n```\n"
    )
    assert gk205(ws, doc) == [
        "claim 'full pass on required gates' does not hold: "
        "no gate is marked `required: true` in govkit.yaml"
    ]
    set_gate(ws, "VG-A-1", required=True)
    assert (
        "VG-A-1 has no claim-grade run of its current definition on canonical" in gk205(ws, doc)[0]
    )
    record(ws, "VG-A-1", "pass", prog, claim_grade=False)  # a worktree pass proves nothing
    assert len(gk205(ws, doc)) == 1
    record(ws, "VG-A-1", "pass", prog)
    assert gk205(ws, doc) == []  # the claim in the code block is never read
    failed = record(ws, "VG-A-1", "fail", prog)
    finding = run_audit(ws, [doc]).findings
    hit = [f for f in finding if f.code == "GK205"]
    assert len(hit) == 1 and hit[0].line == 3 and failed in hit[0].message


def test_a_quoted_phrase_is_a_mention(ws: Workspace, prog: str) -> None:  # noqa: F811
    doc = ws.root / "DOC.md"
    doc.write_text('The audit checks the claim "full pass on required gates" (GK205).\n')
    assert gk205(ws, doc) == []
