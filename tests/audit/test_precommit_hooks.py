"""The pre-commit hook manifest names real govkit commands."""

from __future__ import annotations

from govkit import yamlio
from govkit.cli import COMMANDS
from tests.helpers import REPO_ROOT


def test_hooks_manifest() -> None:
    hooks = yamlio.load_plain(REPO_ROOT / ".pre-commit-hooks.yaml")
    by_id = {h["id"]: h for h in hooks}
    assert set(by_id) == {"govkit-audit", "govkit-render-check"}
    assert by_id["govkit-audit"]["entry"] == "govkit audit --since-merge-base"
    assert by_id["govkit-render-check"]["entry"] == "govkit render status --check"
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["name"] and hook["description"]
        assert hook["entry"].split()[1] in COMMANDS
