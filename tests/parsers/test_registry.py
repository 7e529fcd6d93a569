"""The parser registry is the one list: config, `gate add --parser` and judging read it."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import click
import pytest

from govkit.cli.gate import add
from govkit.config import parse_config
from govkit.errors import ValidationError
from govkit.evidence.record import Outcome
from govkit.parsers import PARSERS, REGISTRY, TEST_PARSERS, ParseResult, judge, parse_run
from tests.helpers import REPO_ROOT


def test_every_registered_parser_resolves_to_a_function() -> None:
    for parser in REGISTRY.values():
        if parser.module:
            assert callable(getattr(importlib.import_module(parser.module), parser.function))
        assert parser.reads


def test_gate_add_offers_exactly_the_registered_parsers() -> None:
    (option,) = [p for p in add.params if p.name == "parser"]
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == PARSERS


def test_config_refuses_a_parser_outside_the_registry(tmp_path: Path) -> None:
    data = {"gates": {"VG-1": {"repo": "r", "argv": ["true"], "parser": "nose"}}}
    with pytest.raises(ValidationError) as err:
        parse_config(data, tmp_path / "govkit.yaml")
    assert "gates.VG-1.parser 'nose' is unknown" in err.value.message
    assert all(name in (err.value.hint or "") for name in PARSERS)
    for name in PARSERS:
        data["gates"]["VG-1"]["parser"] = name
        assert parse_config(data, tmp_path / "govkit.yaml").gates["VG-1"].parser == name


def test_counts_tests_flag_decides_what_min_tests_can_mean() -> None:
    assert {"pytest", "junit", "cargo", "go-json"} == TEST_PARSERS
    empty = ParseResult(counts=None, metrics=None, notes=())
    for name in PARSERS:
        outcome, why = judge(0, empty, parser=name, min_tests=1)
        assert outcome is Outcome.FAIL
        counts = REGISTRY[name].counts_tests
        assert ("no test counts could be read" in why) is counts
        assert (f"the {name} parser counts no tests" in why) is not counts


def test_parse_run_dispatches_through_the_registry(tmp_path: Path) -> None:
    stdout = tmp_path / "stdout.log"
    stdout.write_text("3 passed, 1 skipped in 0.10s\n")
    (tmp_path / "stderr.log").write_text("")
    result = parse_run("pytest", stdout=stdout, stderr=tmp_path / "stderr.log", workdir=tmp_path)
    assert result.counts is not None and result.counts.passed == 3
    with pytest.raises(ValidationError, match="unknown parser 'nose'"):
        parse_run("nose", stdout=stdout, stderr=stdout, workdir=tmp_path)


def test_the_registry_imports_no_parser_module() -> None:
    # config validation and `gate --help` read names only; junitparser loads on first use.
    code = (
        "import sys, govkit.config, govkit.cli.gate\n"
        "print(sorted(m for m in sys.modules if m.startswith(('junitparser', 'govkit.parsers.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    ).stdout
    assert out.strip() == "['govkit.parsers.base']"
