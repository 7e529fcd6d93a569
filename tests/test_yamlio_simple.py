"""The fast reader of govkit-written record files gives exactly what ruamel gives, or gives up."""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkit import yamlio

WORDS = ["null", "Null", "NULL", "true", "False", "yes", "No", "on", "off", "y", "n", "~"]
TRICKY = [
    *WORDS,
    "",
    " ",
    "a: b",
    "a #b",
    "a#b",
    "- a",
    "[a]",
    "{a: 1}",
    "'q'",
    '"dq"',
    "it's",
    'say "hi"',
    "back\\slash",
    "2026-01-05",
    "2026-01-05T10:00:00.000Z",
    "1.5",
    "0x1F",
    ".inf",
    "-1",
    "a\nb",
    "a  b",
    " lead",
    "trail ",
    "tab\there",
    "uni – code é",
    "line\u2028sep",
    "nel\x85",
    "@at",
    "`tick",
    "%pct",
    "!bang",
    "&amp",
    "*star",
    "|pipe",
    ">gt",
    "?q",
    "a, b [c] {d}",
]
scalar = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet=string.ascii_letters + string.digits + " -_.,:#'\"/()[]{}!&*|>@", max_size=30),
    st.text(max_size=12),
)
key = st.one_of(
    st.sampled_from(["id", "title", "status", "notes", "true", "null", "y"]),
    st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
)
item = st.one_of(
    scalar,
    st.dictionaries(key, st.one_of(scalar, st.none()), min_size=1, max_size=4),
)
value = st.one_of(scalar, st.none(), st.lists(item, max_size=4), st.booleans(), st.integers())
record = st.dictionaries(key, value, min_size=1, max_size=8)


def _agrees(text: str) -> bool:
    fast = yamlio.loads_simple(text)
    if fast is None:
        return False
    assert fast == yamlio.loads_plain(text), text
    # The parse cache keeps the fast reader's data without checking it is JSON-safe.
    assert json.loads(json.dumps(fast)) == fast
    return True


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(record)
def test_records_written_by_govkit_read_the_same(data: dict[str, object]) -> None:
    text = yamlio.dumps(data)
    _agrees(text)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab:- '\"#\n[]{}", max_size=40))
def test_any_text_reads_the_same_or_is_left_to_ruamel(text: str) -> None:
    try:
        expected = yamlio.loads_plain(text)
    except Exception:
        assert yamlio.loads_simple(text) is None, text
        return
    fast = yamlio.loads_simple(text)
    assert fast is None or fast == expected, text


def test_the_usual_record_takes_the_fast_path() -> None:
    text = (
        "id: M1-T00006\nstatus: done\nmilestone: M1\ntitle: Task 6 of the bench program\n"
        "created: '2026-01-05T10:00:00.000Z'\nupdated: '2026-01-05T10:00:00.000Z'\n"
        "evidence: []\nhistory:\n  - at: '2026-02-06T10:00:00.000Z'\n    from_status:\n"
        "    to_status: done\n    note: 'it''s done'\ntags:\n  - ci\n  - perf\n"
    )
    assert _agrees(text)


run_id = st.from_regex(
    r"20[0-9]{6}T[0-9]{6}(\.[0-9]{3})?Z-[A-Z][A-Z0-9]{0,5}(-[A-Z0-9]{1,5}){1,3}-[0-9a-f]{4,12}",
    fullmatch=True,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(run_id, min_size=1, max_size=3))
def test_run_ids_in_evidence_lists_take_the_fast_path(ids: list[str]) -> None:
    # Most done tasks and resolutions cite runs: they must not all fall back to ruamel.
    assert _agrees(yamlio.dumps({"id": "R1", "evidence": ids}))


def test_a_real_run_id_reads_as_the_string_it_is() -> None:
    from govkit.evidence.store import new_run_id
    from govkit.timeutil import rfc3339

    rid = new_run_id("VG-CORE-001", rfc3339())
    assert yamlio.loads_simple(f"evidence:\n  - {rid}\n") == {"evidence": [rid]}


@pytest.mark.parametrize(
    "text",
    [
        "evidence:\n  - 20261203T073831Z\n",  # digits first, but not a run id: ruamel decides
        "evidence:\n  - 20261203T073831Z-\n",
        "evidence:\n  - 2026-12-03T07:38:31Z-VG-X-1\n",
        "evidence:\n  - 20261203T073831Z-VG-X-1 # note\n",
        "title: yes\n",
        "title: a # note\n",
        "# comment\nid: X\n",
        "id: X\nid: Y\n",
        "true: 1\n",
        "id: X\n  more\n",
        "tags:\n- a\n",
        "tags:\n  - a\n    b\n",
        "history:\n  - at: x\n      deep: y\n",
        "notes: |\n  block\n",
        "title: 'open\n  close'\n",
        "id: X\r\n",
        "id: 2026-01-05\n",
        "evidence: [a, b]\n",
    ],
)
def test_anything_unusual_is_left_to_ruamel(text: str) -> None:
    assert yamlio.loads_simple(text) is None


def test_each_joins_the_rest_into_one_stream_and_keeps_the_order() -> None:
    texts = ["id: A\n", "evidence: [a, b]\nid: B\n", "id: C\ntitle: true\n", ""]
    assert yamlio.loads_plain_each(texts) == [
        {"id": "A"},
        {"evidence": ["a", "b"], "id": "B"},
        {"id": "C", "title": True},
        None,
    ]
    docs, by_ruamel = yamlio.loads_plain_each_read(texts) or ([], [])
    assert docs == yamlio.loads_plain_each(texts) and by_ruamel == [1, 2, 3]  # "" too
    assert yamlio.loads_plain_each(["id: A\n", "x: [unclosed\n"]) is None
    assert yamlio.loads_plain_each(["id: A\n", "a: 1\n---\nb: 2\n"]) is None
