"""Gate policy keys: required (hash-neutral), required_artifacts (hashed only when set), gate set."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

import pytest
from click.testing import CliRunner

from govkit.cli import cli
from govkit.config import GateDef
from govkit.errors import NotFound, ValidationError
from govkit.gates import add_gate, set_gate
from govkit.tuples import add_repo
from govkit.workspace import Workspace
from tests.helpers import make_repo


@pytest.fixture
def gated(ws: Workspace) -> Workspace:
    make_repo(ws.root.parent / "core")
    add_repo(ws, "core", str(ws.root.parent / "core"))
    add_gate(ws, GateDef(id="VG-A-1", title="a", repo="core", argv=("true",)))
    return ws


def test_gates_written_before_the_new_keys_keep_their_hash() -> None:
    gate = GateDef(id="VG-A-1", title="a", repo="core", argv=("true",))
    old = asdict(gate)
    del old["required"], old["required_artifacts"]  # the fields the hash had before D-022
    before = hashlib.sha256(
        json.dumps(old, sort_keys=True, separators=(",", ":"), default=list).encode()
    ).hexdigest()
    assert gate.definition_hash() == before
    from dataclasses import replace

    assert replace(gate, required=True).definition_hash() == before
    assert replace(gate, required_artifacts=("out/*.xml",)).definition_hash() != before


def test_gate_set_writes_policy_keys_and_validates(gated: Workspace) -> None:
    set_gate(gated, "VG-A-1", required=True, required_artifacts=["reports/junit.xml"])
    text = gated.config_path.read_text()
    assert "required: true" in text and "required_artifacts:" in text
    assert gated.config.gates["VG-A-1"].required_artifacts == ("reports/junit.xml",)
    set_gate(gated, "VG-A-1", required=False, required_artifacts=[])
    assert "required" not in gated.config_path.read_text().split("VG-A-1:")[1]
    with pytest.raises(NotFound, match="unknown gate 'VG-NO-1'"):
        set_gate(gated, "VG-NO-1", required=True)
    before = gated.config_path.read_bytes()
    with pytest.raises(ValidationError) as exc:
        set_gate(gated, "VG-A-1", required_artifacts=["../outside.xml"])
    assert "gates.VG-A-1.required_artifacts" in exc.value.message
    assert exc.value.path == gated.config_path and exc.value.line is not None
    assert gated.config_path.read_bytes() == before  # nothing written


def test_a_bad_required_value_names_the_file_and_key(gated: Workspace) -> None:
    text = gated.config_path.read_text().replace(
        "    parser: exit-code", "    parser: exit-code\n    required: yes please"
    )
    gated.config_path.write_text(text)
    r = CliRunner().invoke(cli, ["-C", str(gated.root), "gate", "list"])
    assert r.exit_code == 2
    assert "govkit.yaml" in r.output and "gates.VG-A-1.required must be true or false" in r.output


def test_gate_cli_required_flags_and_json(gated: Workspace) -> None:
    def gk(*args: str) -> tuple[int, str]:
        r = CliRunner().invoke(cli, ["-C", str(gated.root), *args])
        return r.exit_code, r.output

    code, out = gk("gate", "set", "VG-A-1", "--required", "--json")
    assert code == 0 and json.loads(out)["required"] is True
    code, out = gk("gate", "list")
    assert "required" in out.splitlines()[2]
    code, out = gk("gate", "set", "VG-A-1", "--advisory")
    assert code == 0 and "advisory" in out
    code, out = gk(
        "gate", "add", "VG-B-1", "--title", "b", "--repo", "core", "--required",
        "--required-artifact", "out/report.txt", "--", "true",
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(gk("gate", "show", "VG-B-1", "--json")[1])
    assert data["required"] is True and data["required_artifacts"] == ["out/report.txt"]
