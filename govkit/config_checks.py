"""`check` on govkit.yaml: every problem in it, where parse_config stops at the first.

The field rules are parse_config's own (govkit.config); this adds what needs the
whole file: gates and tuples naming repos or tuples it does not define.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.config import Config, parse_config
from govkit.errors import GovkitError
from govkit.problems import ProblemList
from govkit.workspace import Workspace


def check_config(ws: Workspace, problems: ProblemList) -> None:
    """govkit.yaml: syntax and fields, gates naming unknown repos or tuples, pins of unknown repos."""
    path = ws.config_path
    try:
        data = yamlio.load_round_trip(path)
    except GovkitError as exc:
        problems.from_error("config", exc, path)
        return
    try:
        config = parse_config(data, path)
    except GovkitError:
        _config_sections(data, path, problems)
        return
    _gate_references(config, data, path, problems)
    _tuple_pins(config, data, path, problems)


def _gate_references(config: Config, data: Any, path: Path, problems: ProblemList) -> None:
    """Each gate's repos, tuple and perf baseline are defined in the file."""
    repos, tuples = set(config.repos), set(config.tuples)
    gates = data.get("gates") or {}
    for gid, gate in config.gates.items():
        spec = gates.get(gid) if isinstance(gates, dict) else None
        for repo in gate.repos:
            if repo not in repos:
                key = "repo" if repo == gate.repo else "also"
                problems.add(
                    "config",
                    path,
                    yamlio.key_line(spec, key),
                    f"gate {gid} needs repo {repo!r}, which govkit.yaml does not define",
                    hint=f"add it: govkit repo add {repo} PATH-OR-URL",
                )
        if gate.tuple_name not in tuples:
            problems.add(
                "config",
                path,
                yamlio.key_line(spec, "tuple") or yamlio.key_line(gates, gid),
                f"gate {gid} runs on tuple {gate.tuple_name!r}, which is not defined",
                hint=f"pin it: govkit tuple pin {gate.tuple_name} ...",
            )
        if gate.perf is not None and gate.perf.baseline not in tuples:
            problems.add(
                "config",
                path,
                yamlio.key_line(spec, "perf"),
                f"gate {gid} compares against tuple {gate.perf.baseline!r}, which is not defined",
            )


def _tuple_pins(config: Config, data: Any, path: Path, problems: ProblemList) -> None:
    """Each tuple pins only repos the file defines."""
    tuple_map = data.get("tuples") or {}
    for tname, pins in config.tuples.items():
        for repo in pins:
            if repo not in config.repos:
                problems.add(
                    "config",
                    path,
                    yamlio.key_line(tuple_map.get(tname), repo),
                    f"tuple {tname} pins repo {repo!r}, which govkit.yaml does not define",
                )


def _config_sections(data: Any, path: Path, problems: ProblemList) -> None:
    """parse_config stops at the first error: parse each gate and the rest apart to find more."""
    parts: list[Any] = [data]
    gates = data.get("gates") if isinstance(data, dict) else None
    if isinstance(gates, dict):
        rest = yamlio.new_map({k: v for k, v in data.items() if k != "gates"})
        parts = [rest, *(yamlio.new_map({"gates": {gid: spec}}) for gid, spec in gates.items())]
    seen: set[tuple[int | None, str]] = set()
    for part in parts:
        try:
            parse_config(part, path)
        except GovkitError as exc:
            if (exc.line, exc.message) not in seen:
                seen.add((exc.line, exc.message))
                problems.from_error("config", exc, path)
