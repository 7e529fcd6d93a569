"""GK206: a claim that names gate ids must cite a run of one of them. Real runs, real ledger."""

from __future__ import annotations

from govkit.audit import run_audit
from govkit.audit.report import to_json, to_text
from govkit.evidence.record import Counts, EvidenceRecord
from govkit.workspace import Workspace, open_workspace
from tests.audit.evidence import AUDIT_NOW, audit_doc, codes, make_run, record_link


def _twins(ws: Workspace) -> tuple[EvidenceRecord, EvidenceRecord]:
    """Runs of two gates with the very same counts: only the gate tells them apart."""
    la2 = make_run(ws, gate_id="VG-LA-002", counts=Counts(passed=936))
    la3 = make_run(
        ws, gate_id="VG-LA-003", counts=Counts(passed=936), started_at="2026-11-20T11:00:00.000Z"
    )
    return la2, la3


def test_a_link_to_a_run_of_another_gate_with_the_same_counts_is_gk206(ws: Workspace) -> None:
    la2, la3 = _twins(ws)
    assert audit_doc(ws, f"- {record_link(la2, 'VG-LA-002: 936 passed')}\n") == []
    line = f"- {record_link(la3, 'VG-LA-002: 936 passed')}\n"
    found = audit_doc(ws, line)
    assert codes(found) == [(1, line.index("936") + 1, "GK206")]
    msg = found[0].message
    assert "'936 passed'" in msg and "of VG-LA-002" in msg
    assert f"run {la3.run_id} is a run of VG-LA-003" in msg
    assert found[0].level == "error" and found[0].rule.name == "claim-gate-mismatch"


def test_a_table_row_names_its_gate_in_any_cell(ws: Workspace) -> None:
    la2, la3 = _twins(ws)
    head = "| Gate | Result | Evidence |\n|---|---|---|\n"
    ok = f"| **VG-LA-002** | pass | [record](evidence/runs/{la2.date}/{la2.run_id}) |"
    assert audit_doc(ws, head + ok + "\n") == []
    bad = ok.replace(la2.run_id, la3.run_id)
    found = audit_doc(ws, head + bad + "\n")
    assert codes(found) == [(3, bad.index("pass") + 1, "GK206")]
    # A row naming no gate has nothing to compare.
    assert audit_doc(ws, head + bad.replace("**VG-LA-002**", "loop suite") + "\n") == []


def test_two_gates_and_two_links_need_one_run_of_a_named_gate(ws: Workspace) -> None:
    la2, la3 = _twins(ws)
    other = make_run(ws, gate_id="VG-CORE-001", counts=Counts(passed=30))
    both = f"VG-LA-002 and VG-LA-003 pass: {record_link(la2, 'a')}, {record_link(la3, 'b')}.\n"
    assert audit_doc(ws, both) == []
    one = f"VG-LA-002 and VG-LA-003 pass: {record_link(la2, 'a')}.\n"
    assert audit_doc(ws, one) == []
    text = f"VG-LA-002 and VG-CORE-009 pass: {record_link(la3, 'a')}, {record_link(other, 'b')}.\n"
    found = audit_doc(ws, text)
    assert codes(found) == [(1, text.index("VG-CORE-009 pass") + 1, "GK206")]
    msg = found[0].message
    assert "of VG-LA-002, VG-CORE-009" in msg and "none of the 2 linked runs match" in msg
    assert f"{la3.run_id}: is a run of VG-LA-003" in msg
    assert f"{other.run_id}: is a run of VG-CORE-001" in msg


def test_claims_in_two_links_are_each_compared_with_their_own_run(ws: Workspace) -> None:
    la2, la3 = _twins(ws)
    ok = f"- {record_link(la2, 'VG-LA-002: 936 passed')} and {record_link(la3, 'VG-LA-003: 936 passed')}\n"
    assert audit_doc(ws, ok) == []
    # Swapped: each link's claim names the other link's gate.
    swapped = f"- {record_link(la3, 'VG-LA-002: 936 passed')} and {record_link(la2, 'VG-LA-003: 936 passed')}\n"
    found = audit_doc(ws, swapped)
    assert [f.code for f in found] == ["GK206", "GK206"]
    assert [f.column for f in found] == [swapped.index("936") + 1, swapped.rindex("936") + 1]
    assert [la3.run_id in found[0].message, la2.run_id in found[1].message] == [True, True]


def test_a_gate_id_in_another_claims_link_text_is_that_claims_alone(ws: Workspace) -> None:
    _, la3 = _twins(ws)
    # "VG-LA-002" is the link's own claim, so "the suite passes" names no gate: one finding.
    text = f"The suite passes, see {record_link(la3, 'VG-LA-002: 936 passed')}.\n"
    found = audit_doc(ws, text)
    assert codes(found) == [(1, text.index("936") + 1, "GK206")]
    # And the other way: VG-LA-003 in a claim's link text does not back "VG-LA-002 passes".
    text = f"VG-LA-002 passes, see {record_link(la3, 'VG-LA-003: 936 passed')}.\n"
    found = audit_doc(ws, text)
    assert codes(found) == [(1, 1, "GK206")]
    assert "'VG-LA-002 passes' of VG-LA-002 but" in found[0].message
    # A link text with no claim inside names its gate for the claims around it.
    text = f"The suite is all green per {record_link(la3, 'VG-LA-002')}.\n"
    assert [f.code for f in audit_doc(ws, text)] == ["GK206"]


def test_a_link_to_a_missing_run_is_gk201_only(ws: Workspace) -> None:
    _twins(ws)
    text = "- [VG-LA-002: 936 passed](evidence/runs/2026-11-20/no-such-run/record.json)\n"
    assert [f.code for f in audit_doc(ws, text)] == ["GK201"]


def test_inline_code_quotes_run_ids_and_other_ids(ws: Workspace) -> None:
    la2, la3 = _twins(ws)
    link = record_link(la3, "run")
    # A gate id alone in code, or inside a code claim, is named.
    assert [f.code for f in audit_doc(ws, f"- `VG-LA-002` green ({link})\n")] == ["GK206"]
    assert [f.code for f in audit_doc(ws, f"- `VG-LA-002: 936 passed` ({link})\n")] == ["GK206"]
    # Not in a command, in double quotes, or as a piece of a run id or a task id.
    assert audit_doc(ws, f"- Ran `govkit gate run VG-LA-002`; all tests pass ({link})\n") == []
    assert audit_doc(ws, f'- The "VG-LA-002 passed" line is gone; all tests pass ({link})\n') == []
    assert audit_doc(ws, f"- 936 passed in run {la3.run_id}\n") == []
    assert [f.code for f in audit_doc(ws, f"- VG-LA-002: 936 passed in run {la3.run_id}\n")] == [
        "GK206"
    ]
    assert audit_doc(ws, f"- VG-LA-002: 936 passed in run {la2.run_id}\n") == []
    # Decision, task and CVE ids are not the program's gates.
    assert audit_doc(ws, f"- Per D-009 and M1-T04, all tests pass ({link})\n") == []
    assert audit_doc(ws, f"- Fixed CVE-2026-10442; all tests pass ({link})\n") == []


def test_a_gate_that_never_ran_or_is_only_configured_still_counts(ws: Workspace) -> None:
    _, la3 = _twins(ws)
    link = record_link(la3, "run")
    assert [f.code for f in audit_doc(ws, f"- VG-LA-999 passes ({link})\n")] == ["GK206"]
    assert audit_doc(ws, f"- QA-SMOKE-001 passes ({link})\n") == []
    with ws.edit_config() as data:
        data["gates"] = {"QA-SMOKE-001": {"repo": "core", "argv": ["true"]}}
    reloaded = open_workspace(ws.root)
    assert [f.code for f in audit_doc(reloaded, f"- QA-SMOKE-001 passes ({link})\n")] == ["GK206"]


def test_the_finding_reaches_text_and_json_with_its_column(ws: Workspace) -> None:
    _, la3 = _twins(ws)
    doc = ws.root / "doc.md"
    doc.write_text(f"Intro.\n\n- {record_link(la3, 'VG-LA-002: 936 passed')}\n", encoding="utf-8")
    report = run_audit(ws, [doc], now=AUDIT_NOW)
    assert "doc.md:3:15: error GK206 claim-gate-mismatch" in to_text(report)
    [finding] = [f for f in to_json(report)["findings"] if f["code"] == "GK206"]
    assert (finding["line"], finding["column"]) == (3, 15)
    assert "govkit evidence list --gate" in finding["hint"]
