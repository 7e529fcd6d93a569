"""The labelled claims corpus (benchmarks/claims_corpus/) scores at or above its targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.claims_score import CORPUS, PRECISION_TARGET, RECALL_TARGET, expected, score


def test_corpus_is_big_and_varied_enough() -> None:
    texts = [p.read_text() for p in CORPUS.glob("*.md") if p.name != "README.md"]
    lines = [line for t in texts for line in t.splitlines()]
    assert len(lines) >= 200
    joined = "\n".join(lines)
    for shape in ("\n| ", "\n- ", "\n> ", "\n## ", "\n```", "`", "\n1. "):
        assert shape in joined, shape
    marked = sum(len(expected(t)) for t in texts)
    assert marked >= 40
    assert {"GK201", "GK202", "GK203", "GK204", "GK206", "GK301", "GK401", "GK402"} <= {
        code for t in texts for _, code in expected(t)
    }


@pytest.mark.slow
def test_recall_and_precision_meet_the_targets(tmp_path: Path) -> None:
    result = score(tmp_path / "ws")
    assert result.expected >= 40 and result.lines >= 200
    detail = f"missed {result.missed}; false alarms {result.false}"
    assert result.recall >= RECALL_TARGET, detail
    assert result.precision >= PRECISION_TARGET, detail


@pytest.mark.slow
def test_the_scorer_notices_a_wrong_label(tmp_path: Path) -> None:
    # A scorer that always agreed would prove nothing: flip one mark and the score drops.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.md").write_text(
        "- All tests pass on main\n- plain text <!-- expect: GK301 -->\n", encoding="utf-8"
    )
    result = score(tmp_path / "ws", corpus)
    assert (result.recall, result.precision) == (0.0, 0.0)
    assert result.missed == [("one.md", 2, "GK301")]
    assert [f[:3] for f in result.false] == [("one.md", 1, "GK301")]
