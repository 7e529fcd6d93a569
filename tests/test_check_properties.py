"""Property tests: whatever a record or decision file holds, check reports it and never crashes."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govkit import yamlio
from govkit.check import check_workspace
from govkit.records.model import KIND_CLASSES, PLURALS, kind_fields
from govkit.records.store import validate_mapping
from govkit.workspace import init_workspace

FIELD_NAMES = [
    *sorted({name for kind in KIND_CLASSES for name in kind_fields(kind)}),
    *("id", "status", "history", "created", "imported"),
]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8)), inner, max_size=4
        ),
    ),
    max_leaves=12,
)
MAPPINGS = st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=8)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(KIND_CLASSES)), data=st.one_of(MAPPINGS, VALUES))
def test_validate_mapping_never_raises(kind: str, data: Any) -> None:
    values, problems = validate_mapping(kind, data)
    if not problems:
        KIND_CLASSES[kind](**values)  # a clean mapping always builds a record


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(KIND_CLASSES)),
    data=st.one_of(MAPPINGS, VALUES),
    raw=st.text(max_size=60),
    front=st.one_of(MAPPINGS, VALUES),
)
@pytest.mark.slow
def test_check_reports_without_crashing(
    tmp_path: Path, kind: str, data: Any, raw: str, front: Any
) -> None:
    ws = init_workspace(Path(tempfile.mkdtemp(dir=tmp_path)), name="prop")
    folder = ws.records_dir / PLURALS[kind]
    (folder / "X1.yaml").write_text(yamlio.dumps(data))
    (folder / "X2.yaml").write_text(raw)  # arbitrary text, often not YAML at all
    (ws.decisions_dir / "D-001-x.md").write_text("---\n" + yamlio.dumps(front) + "---\nbody\n")
    (ws.records_dir / "queue.yaml").write_text(yamlio.dumps(data))
    report = check_workspace(ws)
    for problem in report.problems:
        assert problem.file and problem.message and problem.code
