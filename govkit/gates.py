"""Gate definitions in govkit.yaml: add, look up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from govkit import yamlio
from govkit.config import GateDef
from govkit.errors import ConflictError, NotFound, ValidationError
from govkit.ids import check_id
from govkit.parsers import PARSERS
from govkit.units import exact_duration, exact_size
from govkit.workspace import Workspace


def get_gate(ws: Workspace, gate_id: str) -> GateDef:
    """The gate `gate_id`, or NotFound listing the known gates."""
    hint = "`govkit gate list` shows the gates; `govkit gate add` defines one"
    return NotFound.lookup("gate", ws.config.gates, gate_id, path=ws.config_path, hint=hint)


def add_gate(ws: Workspace, gate: GateDef) -> GateDef:
    """Write a new gate into govkit.yaml (round-trip, validated) and return it as parsed."""
    check_id("gate", gate.id)
    if gate.parser not in PARSERS:
        raise ValidationError(
            f"parser {gate.parser!r} is unknown", hint=f"one of {', '.join(PARSERS)}"
        )
    for name in gate.repos:
        if name not in ws.config.repos:
            raise NotFound(
                f"gate {gate.id} needs repo {name!r}, which is not defined",
                path=ws.config_path,
                hint=f"add it first: govkit repo add {name} PATH_OR_URL",
            )
    if gate.perf is not None:
        from govkit.perf import MIN_ROUNDS

        # Directions first, as when the CLI checked them: a typo is named before the rest.
        for name, direction in gate.perf.metrics.items():
            if direction not in ("lower", "higher"):
                raise ValidationError(
                    f"perf metric {name}={direction}: say lower or higher",
                    hint="e.g. --perf-metric latency_ms=lower --perf-metric ops_per_s=higher",
                )
        if gate.perf.rounds < MIN_ROUNDS:
            raise ValidationError(
                f"a perf comparison needs at least {MIN_ROUNDS} rounds, not {gate.perf.rounds}"
            )
        if gate.parser != "metrics-json":
            raise ValidationError(
                "a perf gate reads its numbers with the metrics-json parser",
                hint="add --parser metrics-json",
            )
    if not gate.argv and not gate.shell:
        raise ValidationError("a gate needs a command", hint="put it after `--`")
    with ws.edit_config() as data:
        gates = data.get("gates")
        if gates is None or not isinstance(gates, dict):
            gates = data["gates"] = yamlio.new_map()
        if gate.id in gates:
            raise ConflictError(f"gate {gate.id} already exists", path=ws.config_path)
        gates[gate.id] = yamlio.new_map(gate_to_yaml(gate))
    return ws.config.gates[gate.id]


def gate_to_yaml(gate: GateDef) -> dict[str, Any]:
    """The govkit.yaml mapping for a gate, defaults left out so the file stays short."""
    m: dict[str, Any] = {"title": gate.title, "repo": gate.repo}
    if gate.also:
        m["also"] = yamlio.new_seq(list(gate.also))
    if gate.tuple_name != "canonical":
        m["tuple"] = gate.tuple_name
    if gate.shell is not None:
        m["shell"] = gate.shell
    else:
        m["argv"] = yamlio.new_seq(list(gate.argv))
    if gate.cwd:
        m["cwd"] = gate.cwd
    if gate.env:
        m["env"] = yamlio.new_map(dict(gate.env))
    if gate.timeout != 1800.0:
        m["timeout"] = exact_duration(gate.timeout)
    if gate.heavy:
        m["heavy"] = True
    if gate.mem is not None:
        m["mem"] = exact_size(gate.mem)
    m["parser"] = gate.parser
    if gate.min_tests is not None:
        m["min_tests"] = gate.min_tests
    if gate.max_failures:
        m["max_failures"] = gate.max_failures
    if gate.artifacts:
        m["artifacts"] = yamlio.new_seq(list(gate.artifacts))
    if gate.required_artifacts:
        m["required_artifacts"] = yamlio.new_seq(list(gate.required_artifacts))
    if gate.weekly:
        m["weekly"] = True
    if gate.required:
        m["required"] = True
    if gate.perf is not None:
        perf: dict[str, Any] = {"baseline": gate.perf.baseline, "threshold": gate.perf.threshold}
        perf["rounds"] = gate.perf.rounds
        if gate.perf.metrics:
            perf["metrics"] = yamlio.new_map(dict(gate.perf.metrics))
        m["perf"] = yamlio.new_map(perf)
    return m


def set_gate(
    ws: Workspace,
    gate_id: str,
    *,
    title: str | None = None,
    required: bool | None = None,
    weekly: bool | None = None,
    artifacts: Sequence[str] | None = None,
    required_artifacts: Sequence[str] | None = None,
) -> GateDef:
    """Change a gate's policy keys in govkit.yaml (round-trip, validated); the gate as parsed.

    `None` leaves a key alone; False / an empty list removes it (the default).
    Changing artifacts changes the gate's hash, so its streaks start again.
    """
    get_gate(ws, gate_id)
    changes: dict[str, Any] = {
        "title": title,
        "required": required,
        "weekly": weekly,
        "artifacts": None if artifacts is None else list(artifacts),
        "required_artifacts": None if required_artifacts is None else list(required_artifacts),
    }
    with ws.edit_config() as data:
        spec = data["gates"][gate_id]
        for key, value in changes.items():
            if value is None:
                continue
            if value in (False, []):
                spec.pop(key, None)
            else:
                spec[key] = yamlio.new_seq(value) if isinstance(value, list) else value
    return ws.config.gates[gate_id]


def required_gates(ws_or_gates: Workspace | Mapping[str, GateDef]) -> list[str]:
    """Ids of the gates marked `required: true`, in natural order."""
    from govkit.ids import id_sort_key

    gates = ws_or_gates.config.gates if isinstance(ws_or_gates, Workspace) else ws_or_gates
    return sorted((g.id for g in gates.values() if g.required), key=id_sort_key)


def gate_to_dict(gate: GateDef) -> dict[str, Any]:
    """A JSON-ready view of a gate, with its definition hash."""
    from dataclasses import asdict

    data = asdict(gate)
    data["tuple"] = data.pop("tuple_name")
    data["hash"] = gate.definition_hash()
    return data
