"""govkit.yaml: keys declared once (type, default, doc) drive validation and defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from govkit import yamlio
from govkit.config import (
    DEFAULT_CONFIG,
    Config,
    GateDef,
    _Reader,
    key,
    keys_of,
    parse_config,
    read_section,
    reference_markdown,
    yaml_keys,
)
from govkit.errors import ValidationError


def _load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "govkit.yaml"
    path.write_text(text, encoding="utf-8")
    return parse_config(yamlio.load_round_trip(path), path)


def _error(tmp_path: Path, text: str) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        _load(tmp_path, text)
    return err.value


def test_init_template_spells_out_the_declared_defaults(tmp_path: Path) -> None:
    assert _load(tmp_path, DEFAULT_CONFIG.format(name="p")) == Config(program="p")


def test_empty_file_is_every_default(tmp_path: Path) -> None:
    config = _load(tmp_path, "")
    assert config == Config()
    assert config.audit.claim_files == ("STATUS.md",) and config.safe_mode.admission_wait == 600


def test_unknown_keys_are_refused_per_section_from_the_declarations(tmp_path: Path) -> None:
    err = _error(tmp_path, "program: p\nsafe_mode:\n  heavy_slot: 2\n")
    assert err.message == "unknown key 'heavy_slot' in safe_mode"
    assert err.hint == "did you mean 'heavy_slots'?" and err.line == 3
    err = _error(tmp_path, "gates:\n  VG-1:\n    repo: r\n    argv: [true]\n    timout: 5m\n")
    assert err.message == "unknown key 'timout' in gates.VG-1" and err.line == 5
    assert "tuple" in yaml_keys(GateDef) and "tuple_name" not in yaml_keys(GateDef)


def test_each_kind_is_checked_with_file_line_and_key(tmp_path: Path) -> None:
    cases = {
        "safe_mode: {heavy_slots: 0}\n": "safe_mode.heavy_slots must be at least 1, not 0",
        "cadence: {next_actions: many}\n": "cadence.next_actions must be a whole number",
        "audit: {evidence_ttl: soon}\n": "audit.evidence_ttl",
        "safe_mode: {default_mem: lots}\n": "safe_mode.default_mem",
        "gates: {VG-1: {repo: r, argv: [x], heavy: yes please}}\n": "gates.VG-1.heavy must be true",
        "gates: {VG-1: {repo: r, argv: x}}\n": "gates.VG-1.argv must be a list",
        "gates: {VG-1: {repo: r, argv: [x], env: [A]}}\n": "gates.VG-1.env must be a mapping",
        "gates: {VG-1: {argv: [x]}}\n": "gates.VG-1.repo is required",
        "gates: {VG-1: {repo: r, argv: [x], perf: {}}}\n": "gates.VG-1.perf.baseline is required",
        "gates: {VG-1: {repo: r, argv: [x], perf: {baseline: c, threshold: x}}}\n": (
            "gates.VG-1.perf.threshold must be a number like 0.10"
        ),
        "gates: {VG-1: {repo: r, argv: [x], perf: {baseline: c, metrics: {a: up}}}}\n": (
            "gates.VG-1.perf.metrics must map names to lower or higher"
        ),
        "repos: {core: {ref: main}}\n": "repos.core.url is required",
    }
    for text, message in cases.items():
        err = _error(tmp_path, text)
        assert message in err.message, (text, err.message)
        assert err.line == 1 and str(err.path).endswith("govkit.yaml"), text


def test_a_new_key_is_one_declaration(tmp_path: Path) -> None:
    # A section nobody wrote a reader for: validation and defaults come from key(...) alone.
    @dataclass(frozen=True)
    class Signing:
        """Signing settings (`signing`)."""

        keys: tuple[str, ...] = key("allowed signer files", "strings", default=())
        required: bool = key("refuse unsigned evidence", "bool", default=False)
        max_age: float = key("oldest signature accepted", "duration", default=86400.0)

    path = tmp_path / "govkit.yaml"
    path.write_text("signing: {keys: [a.pub], max_age: 2h, required: true}\n")
    data = yamlio.load_round_trip(path)
    values = read_section(_Reader(path), Signing, data["signing"], "signing")
    assert Signing(**values) == Signing(keys=("a.pub",), required=True, max_age=7200.0)
    assert read_section(_Reader(path), Signing, {}, "signing") == {
        "keys": (),
        "required": False,
        "max_age": 86400.0,
    }
    path.write_text("signing: {required: 1, keyz: []}\n")
    with pytest.raises(ValidationError, match="unknown key 'keyz' in signing"):
        read_section(_Reader(path), Signing, yamlio.load_round_trip(path)["signing"], "signing")
    assert [name for name, _, _ in keys_of(Signing)] == ["keys", "required", "max_age"]


def test_reference_lists_every_section_and_key() -> None:
    text = reference_markdown()
    for heading in ("govkit.yaml", "repos.<name>", "gates.<id>", "gates.<id>.perf", "safe_mode"):
        assert f"### `{heading}`" in text
    assert "| `parser` | one of `pytest`, `junit`, `cargo`, `go-json`, `exit-code`," in text
    assert "| `heavy_slots` | whole number ≥ 1 | `1` |" in text


@pytest.mark.parametrize("setting", ["key: ~/.ssh/id_ed25519", "required: true"])
def test_signing_that_checks_signatures_needs_allowed_signers(tmp_path: Path, setting: str) -> None:
    name = setting.split(":")[0]
    with pytest.raises(ValidationError) as exc:
        _load(tmp_path, f"program: p\nsigning:\n  namespace: govkit\n  {setting}\n")
    assert exc.value.message == f"signing.{name} is set but signing.allowed_signers is not"
    assert exc.value.line == 4  # the key's own line
    assert exc.value.hint is not None and "allowed-signers" in exc.value.hint
    text = f"program: p\nsigning:\n  allowed_signers: signers\n  {setting}\n"
    assert _load(tmp_path, text).signing.allowed_signers == "signers"


def test_duration_and_size_errors_point_at_their_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as exc:
        _load(tmp_path, "program: p\nsafe_mode:\n  heavy_slots: 1\n  admission_wait: soon\n")
    assert exc.value.line == 4 and "admission_wait" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        _load(tmp_path, "program: p\nsafe_mode:\n  default_mem: lots\n")
    assert exc.value.line == 3 and "default_mem" in exc.value.message
