"""Golden files: tests/render/golden_files/<name>. Regenerate with `GOVKIT_UPDATE_GOLDEN=1 pytest tests/render`."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "golden_files"


def assert_golden(name: str, text: str) -> None:
    """Compare `text` with tests/render/golden_files/<name> (or rewrite it when asked to)."""
    path = GOLDEN_DIR / name
    if os.environ.get("GOVKIT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), (
        f"missing golden file {path}; run GOVKIT_UPDATE_GOLDEN=1 pytest tests/render"
    )
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} differs from its golden file; if the change is intended, "
        "regenerate with GOVKIT_UPDATE_GOLDEN=1 pytest tests/render and review the diff"
    )
