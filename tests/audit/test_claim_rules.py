"""D-015: anchored rows are checked cell by cell, inline code that reads as a result is a
claim, fractions and streaks are checked against the ledger. Real runs, real ledger."""

from __future__ import annotations

import pytest

from govkit.audit import run_audit
from govkit.audit.report import to_json, to_sarif, to_text
from govkit.evidence.record import Counts, EvidenceRecord, Outcome
from govkit.workspace import Workspace
from tests.audit.evidence import AUDIT_NOW, audit_doc, codes, make_run


def _href(run: EvidenceRecord) -> str:
    return f"evidence/runs/{run.date}/{run.run_id}/record.json"


# 1. Rows are checked, not only anchored.


def test_a_count_in_another_cell_is_checked_against_the_rows_run(ws: Workspace) -> None:
    run = make_run(ws, counts=Counts(passed=18))
    row = f"| VG-CORE-001 | 9 passed | [record]({_href(run)}) |"
    found = audit_doc(ws, f"| Gate | Result | Evidence |\n|---|---|---|\n{row}\n")
    assert codes(found) == [(3, row.index("9 passed") + 1, "GK202")]
    assert "'9 passed'" in found[0].message and "18 passed" in found[0].message


def test_a_matching_row_is_clean(ws: Workspace) -> None:
    run = make_run(ws, counts=Counts(passed=18))
    text = f"| Gate | Result | Evidence |\n|---|---|---|\n| VG-CORE-001 | 18 passed | [record]({_href(run)}) |\n"
    assert audit_doc(ws, text) == []


def test_an_outcome_cell_citing_a_failing_run_is_gk204_at_the_claim(ws: Workspace) -> None:
    run = make_run(ws, counts=Counts(passed=10, failed=2), outcome=Outcome.FAIL)
    row = f"| R1 | consumer suite passes again | [record]({_href(run)}) |"
    found = audit_doc(ws, f"| ID | Resolution | Evidence |\n|---|---|---|\n{row}\n")
    assert codes(found) == [(3, row.index("suite passes") + 1, "GK204")]
    # Saying what happened is a report, not a success claim.
    honest = f"| R1 | consumer suite still fails | [record]({_href(run)}) |"
    assert audit_doc(ws, f"| ID | Resolution | Evidence |\n|---|---|---|\n{honest}\n") == []


def test_several_links_a_claim_must_match_one_and_the_message_names_them(
    ws: Workspace,
) -> None:
    a = make_run(ws, counts=Counts(passed=30), started_at="2026-11-20T09:00:00.000Z")
    b = make_run(ws, counts=Counts(passed=936), started_at="2026-11-20T10:00:00.000Z")
    ok = f"| R32 | seam and full suite (`30 passed`, `936 passed`) | [seam]({_href(a)}); [full]({_href(b)}) |"
    assert audit_doc(ws, f"| ID | Resolution | Evidence |\n|---|---|---|\n{ok}\n") == []
    bad = ok.replace("`936 passed`", "`935 passed`")
    found = audit_doc(ws, f"| ID | Resolution | Evidence |\n|---|---|---|\n{bad}\n")
    assert codes(found) == [(3, bad.index("`935") + 1, "GK202")]
    assert a.run_id in found[0].message and b.run_id in found[0].message
    assert "none of the 2 linked runs match" in found[0].message


def test_a_multi_line_paragraph_finding_sits_on_the_claims_own_line(ws: Workspace) -> None:
    run = make_run(ws, counts=Counts(passed=12))
    text = f"The suite ran at [VG-CORE-001]({_href(run)})\nand the log shows 13 passed.\n"
    assert codes(audit_doc(ws, text)) == [(2, 19, "GK202")]


# 2. Code spans.


@pytest.mark.parametrize(
    "code",
    ["`VG-LA-002: 936 passed`", "`559 passed, 0 failed`", "`exit 0`", "`VG-LA-001 green`"],
)
def test_result_shaped_code_is_a_claim(ws: Workspace, code: str) -> None:
    line = f"- Seam status: {code} on main"
    assert codes(audit_doc(ws, line + "\n")) == [(1, line.index(code) + 1, "GK301")]


@pytest.mark.parametrize(
    "line",
    [
        '- `pytest -q` prints "5 passed"',
        "- `pytest -q` prints `5 passed` when it is done",
        "- a summary line like `936 passed in 3.1s` is what the parser reads",
        "- run `govkit gate run VG-CORE-001 --json` first",
        "- the log lives in `evidence/runs/2026-11-20/x/stdout.log`",
        "- the gate `VG-CORE-001` has not run yet",
        "- `all tests pass` is a phrase, not a result",
        "- pytest's summary, any form: `-q` (`936 passed, 2 skipped in 12.34s`)",
        "- cite a passing claim-grade run, never a failing check",
    ],
)
def test_commands_names_and_quoted_output_in_code_are_not_claims(ws: Workspace, line: str) -> None:
    assert audit_doc(ws, line + "\n") == []


def test_result_code_anchored_is_checked(ws: Workspace) -> None:
    run = make_run(ws, counts=Counts(passed=936))
    assert audit_doc(ws, f"- [run]({_href(run)}) reports `VG-CORE-001: 936 passed`\n") == []
    found = audit_doc(ws, f"- [run]({_href(run)}) reports `VG-CORE-001: 937 passed`\n")
    assert [f.code for f in found] == ["GK202"]


# 3. Phrasings, fractions and streaks.


@pytest.mark.parametrize(
    "phrase",
    [
        "3/3 green",
        "12/12 passing",
        "3 consecutive green snapshots",
        "Three Consecutive Green Runs",
        "the check matrix now passes",
        "closed with passing efficacy suite",
        "full pass on required gates",
        "All checks green",
        "no >10% regression observed",
        "startup stays within budget",
        "the seam gate no longer passes",
        "the suite is NOT passing",
        "startup is over budget",
        "not a full pass",
    ],
)
def test_phrasings_need_an_anchor(ws: Workspace, phrase: str) -> None:
    assert [f.code for f in audit_doc(ws, f"- {phrase}\n")] == ["GK301"]


@pytest.mark.parametrize(
    "line",
    [
        "- promote after three consecutive green runs",
        "- 3 consecutive green runs are required before promotion",
        "- if all checks are green, merge",
        "- the gate needs 900 passed to count",
    ],
)
def test_rules_and_conditions_are_not_claims(ws: Workspace, line: str) -> None:
    assert audit_doc(ws, line + "\n") == []


def _streak(ws: Workspace, outcomes: list[Outcome]) -> list[EvidenceRecord]:
    return [
        make_run(ws, outcome=o, started_at=f"2026-11-20T{10 + i:02d}:00:00.000Z")
        for i, o in enumerate(outcomes)
    ]


def test_a_streak_is_checked_against_the_ledger(ws: Workspace) -> None:
    P, F = Outcome.PASS, Outcome.FAIL
    runs = _streak(ws, [F, P, P, P])
    last = runs[-1]
    assert audit_doc(ws, f"- [VG-CORE-001]({_href(last)}): 3/3 green\n") == []
    assert audit_doc(ws, f"- 3 consecutive green snapshots, [latest]({_href(last)})\n") == []
    found = audit_doc(ws, f"- [VG-CORE-001]({_href(last)}): 4 consecutive green runs\n")
    assert [f.code for f in found] == ["GK202"]
    assert "3 consecutive claim-grade passes" in found[0].message
    # Cited at the second pass, the streak is only 2 long.
    found = audit_doc(ws, f"- [VG-CORE-001]({_href(runs[2])}) (3/3 green)\n")
    assert [f.code for f in found] == ["GK202"]


def test_worktree_runs_and_errors_neither_count_nor_break_a_streak(ws: Workspace) -> None:
    P, E = Outcome.PASS, Outcome.ERROR
    runs = _streak(ws, [P, E, P])
    make_run(ws, claim_grade=False, outcome=Outcome.FAIL, started_at="2026-11-20T13:00:00.000Z")
    last = make_run(ws, started_at="2026-11-20T14:00:00.000Z")
    assert runs
    assert audit_doc(ws, f"- [VG-CORE-001]({_href(last)}): 3/3 green\n") == []


def test_a_partial_fraction_counts_passes_among_the_last_runs(ws: Workspace) -> None:
    P, F = Outcome.PASS, Outcome.FAIL
    runs = _streak(ws, [P, F, P])
    assert audit_doc(ws, f"- [VG-CORE-001]({_href(runs[-1])}): 2/3 green\n") == []
    assert [f.code for f in audit_doc(ws, f"- [VG-CORE-001]({_href(runs[-1])}): 1/3 green\n")] == [
        "GK202"
    ]


# 5. Fenced code and HTML comments stay out; bad input is a finding, not a traceback.


def test_fenced_code_and_comments_are_never_read(ws: Workspace) -> None:
    text = (
        "```text\nall tests pass\n936 passed\n```\n\n"
        "<!-- 3/3 green, full pass -->\n\n"
        "- nothing to see <!-- all checks green -->\n"
    )
    assert audit_doc(ws, text) == []


def test_bad_links_and_odd_markdown_give_findings_with_line_and_column(ws: Workspace) -> None:
    text = (
        "| a | b |\n|---|---|\n| [x](evidence/runs/nope/record.json) | 3/3 green |\n"
        "- [y](run:) `VG-X-001: 1 passed` [z](evidence/runs/../../etc/passwd/record.json)\n"
    )
    found = audit_doc(ws, text)
    assert {(f.line, f.code) for f in found} == {(3, "GK201"), (4, "GK201")}
    assert all(f.column and f.column >= 1 for f in found)


def test_column_reaches_text_json_and_sarif(ws: Workspace) -> None:
    doc = ws.root / "doc.md"
    doc.write_text("Intro.\n\n- build is `VG-CORE-001: 12 passed`\n")
    report = run_audit(ws, [doc], now=AUDIT_NOW)
    assert "doc.md:3:12: error GK301" in to_text(report)
    assert to_json(report)["findings"][0]["column"] == 12
    region = to_sarif(report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert region["region"] == {"startLine": 3, "startColumn": 12}


def test_a_run_id_written_out_anchors_like_a_link(ws: Workspace) -> None:
    run = make_run(ws, counts=Counts(passed=12), outcome=Outcome.FAIL)
    row = f"| F3 | VG-CORE-001 fails on the candidate (run {run.run_id}) | M2 |"
    assert audit_doc(ws, f"| ID | Finding | Milestone |\n|---|---|---|\n{row}\n") == []
    found = audit_doc(ws, f"- VG-CORE-001 is green again (run {run.run_id})\n")
    assert [f.code for f in found] == ["GK204"]
    assert [f.code for f in audit_doc(ws, f"- VG-CORE-001 is green (run `{run.run_id}`)\n")] == [
        "GK204"
    ]
    # An id the ledger does not know anchors nothing.
    found = audit_doc(ws, "- VG-CORE-001 is green again (run 20990101T000000Z-VG-CORE-001-abcd)\n")
    assert [f.code for f in found] == ["GK301"]


def test_condition_columns_are_not_claims(ws: Workspace) -> None:
    text = (
        "| ID | Blocker | Exit Condition |\n|---|---|---|\n"
        "| B5 | memory risk | VG-CORE-001 passes under the wrapper |\n"
        "| B6 | drift | all checks green, and tests pass |\n"
    )
    assert audit_doc(ws, text) == []


def test_run_ids_of_both_spellings_are_recognised() -> None:
    from govkit.audit.claim_patterns import RUN_ID

    # Runs recorded before millisecond ids (D-020) stay citable by their written-out id.
    assert RUN_ID.fullmatch("20261121T044500Z-VG-LA-002-3f9a")
    assert RUN_ID.fullmatch("20261121T044500.123Z-VG-LA-002-3f9a0c1d2e4b")
    assert not RUN_ID.fullmatch("20261121T0445Z-VG-LA-002-3f9a")
