"""GK205: "full pass on required gates" holds only when every required gate's newest
claim-grade run on the claim tuple passed (real ledger, real Markdown file)."""

from __future__ import annotations

from pathlib import Path

from govkit.audit.run import run_audit
from govkit.config import GateDef
from govkit.gates import add_gate, set_gate
from govkit.workspace import Workspace
from tests.records.test_conditions import prog  # noqa: F401  (the fixture)
from tests.test_promotion import record


def codes(ws: Workspace, doc: Path) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in run_audit(ws, [doc]).findings]


def test_full_pass_on_required_gates_is_checked(ws: Workspace, prog: str) -> None:  # noqa: F811
    add_gate(ws, GateDef(id="VG-B-1", title="b", repo="core", argv=("true",)))
    cited = record(ws, "VG-A-1", "pass", prog)
    doc = ws.root / "NOTES.md"
    doc.write_text(
        f"# Week\n\nThis week: full pass on required gates ([VG-A-1](run:{cited})).\n\n"
        "```\nfull pass on required gates\n```\n"
    )
    assert codes(ws, doc) == [
        (
            "GK205",
            "claim 'full pass on required gates' does not hold: "
            "no gate is marked `required: true` in govkit.yaml",
        )
    ]
    set_gate(ws, "VG-A-1", required=True)
    assert codes(ws, doc) == []  # the claim in the code block is never read
    set_gate(ws, "VG-B-1", required=True)
    found = codes(ws, doc)
    assert [c for c, _ in found] == ["GK205"]
    assert "VG-B-1 has no claim-grade run of its current definition on canonical" in found[0][1]
    record(ws, "VG-B-1", "pass", prog, claim_grade=False)  # a worktree pass proves nothing
    assert len(codes(ws, doc)) == 1
    record(ws, "VG-B-1", "pass", prog)
    assert codes(ws, doc) == []
    failed = record(ws, "VG-A-1", "fail", prog)
    hit = [f for f in run_audit(ws, [doc]).findings if f.code == "GK205"]
    assert len(hit) == 1 and hit[0].line == 3 and failed in hit[0].message


def test_unanchored_it_is_one_finding_and_quoted_it_is_a_mention(
    ws: Workspace,
    prog: str,  # noqa: F811
) -> None:
    doc = ws.root / "DOC.md"
    doc.write_text("- full pass on required gates\n")
    assert [c for c, _ in codes(ws, doc)] == ["GK301"]  # not GK205 on top of it
    doc.write_text('The audit checks the claim "full pass on required gates" (GK205).\n')
    assert codes(ws, doc) == []
