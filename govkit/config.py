"""govkit.yaml: the program's configuration, validated into frozen dataclasses.

Every field error names the file, the line and the field. Writing goes through
`Workspace.edit_config()` so comments and key order survive.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.errors import ValidationError
from govkit.ids import check_id, check_safe_id
from govkit.parsers import PARSERS
from govkit.units import parse_duration, parse_size, yaml_kind


@dataclass(frozen=True)
class RepoDef:
    """A code repository the program tracks."""

    name: str
    url: str  # local path (relative to the workspace root) or URL
    ref: str = "main"


@dataclass(frozen=True)
class PerfSpec:
    """How a metrics-json gate is compared against a baseline tuple."""

    baseline: str  # tuple name
    threshold: float = 0.10  # allowed median ratio regression (0.10 = 10%)
    rounds: int = 3
    # metric name -> "lower" (time-like, lower is better) or "higher" (throughput)
    metrics: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GateDef:
    """A named validation command (DESIGN.md §5)."""

    id: str
    title: str
    repo: str  # working repo: the command runs in its clone
    also: tuple[str, ...] = ()  # other repos cloned beside it
    tuple_name: str = "canonical"  # the `tuple:` key: which tuple runs use by default
    argv: tuple[str, ...] = ()
    shell: str | None = None  # an explicit shell string instead of argv
    cwd: str = ""  # subdirectory of the working repo
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 1800.0
    heavy: bool = False
    mem: int | None = None  # bytes needed for memory admission
    parser: str = "exit-code"
    min_tests: int | None = None
    max_failures: int = 0
    artifacts: tuple[str, ...] = ()
    weekly: bool = False
    perf: PerfSpec | None = None
    # Globs that must each match a file after the run, or the run fails (also collected).
    required_artifacts: tuple[str, ...] = ()
    # Policy, not definition: promotion waits on required gates, the packet and
    # STATUS.md list them apart. Left out of the definition hash (see below).
    required: bool = False

    @property
    def repos(self) -> tuple[str, ...]:
        """Every repo the gate needs, working repo first."""
        return (self.repo, *[r for r in self.also if r != self.repo])

    def definition_hash(self) -> str:
        """sha256 of the canonical JSON of the definition: same hash, same gate."""
        spec = asdict(self)
        # D-022: `required` says how much a gate weighs, not what a run does, so flipping
        # it keeps the gate's streaks; `required_artifacts` changes the verdict, so it is
        # hashed, but only when set, so gates written before it existed keep their hash.
        del spec["required"]
        if not self.required_artifacts:
            del spec["required_artifacts"]
        data = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=list)
        return hashlib.sha256(data.encode()).hexdigest()


@dataclass(frozen=True)
class SafeMode:
    """The execution-mode policy shown in the tracker and used by safe-run."""

    mode: str = "Safe mode (one heavy command at a time, memory admission checked)"
    heavy_slots: int = 1
    lock_dir: str | None = None  # default: $XDG_RUNTIME_DIR/govkit-slots or /tmp/govkit-slots-$UID
    admission_wait: float = 600.0
    default_mem: int | None = None
    control_docs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CadenceSettings:
    """Weekly cadence packet settings."""

    tuple_name: str = "canonical"
    next_actions: int = 5  # how many queue items the packet lists
    # A suggested blocker for a newly failing required gate lifts after this many
    # consecutive claim-grade passes (its checked exit condition).
    blocker_streak: int = 3


@dataclass(frozen=True)
class StatusSettings:
    """What STATUS.md shows beyond the records' current state."""

    resolved_window: float = 14 * 86400.0  # blockers resolved this long before the date stay listed


@dataclass(frozen=True)
class AuditPolicy:
    """What audit treats as stale and where it looks for claims."""

    evidence_ttl: float = 14 * 86400.0
    claim_files: tuple[str, ...] = ("STATUS.md",)


@dataclass(frozen=True)
class SigningPolicy:
    """Who signs evidence and whose signatures count (docs/signing.md, D-020)."""

    key: str | None = None  # SSH key for `ssh-keygen -Y sign` (a .pub file signs through ssh-agent)
    allowed_signers: str | None = None  # ssh-keygen ALLOWED SIGNERS file, relative to the workspace
    namespace: str = "govkit"  # the ssh-keygen -n namespace of every govkit signature
    required: bool = False  # audit reports unsigned runs (GK108) only when true
    dsse_key: str | None = None  # unencrypted ed25519 key for `export intoto --sign` (default: key)


@dataclass(frozen=True)
class Config:
    """The whole govkit.yaml."""

    program: str
    repos: dict[str, RepoDef] = field(default_factory=dict)
    tuples: dict[str, dict[str, str]] = field(default_factory=dict)
    gates: dict[str, GateDef] = field(default_factory=dict)
    safe_mode: SafeMode = field(default_factory=SafeMode)
    cadence: CadenceSettings = field(default_factory=CadenceSettings)
    audit: AuditPolicy = field(default_factory=AuditPolicy)
    signing: SigningPolicy = field(default_factory=SigningPolicy)
    status: StatusSettings = field(default_factory=StatusSettings)


class _Reader:
    """Reads typed fields out of a round-trip mapping, with file:line errors."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(
        self, where: Any, key: str | None, message: str, hint: str | None = None
    ) -> ValidationError:
        line = yamlio.key_line(where, key) if key is not None else None
        return ValidationError(message, path=self.path, line=line, hint=hint)

    def known(self, m: Any, keys: tuple[str, ...], where: str) -> None:
        """Refuse keys govkit does not read: a typo (`timout:`) must not silently mean the default."""
        import difflib

        for key in m:
            if str(key) not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(keys)}"
                raise self.fail(m, key, f"unknown key {str(key)!r} in {where}", hint)

    def mapping(self, parent: Any, key: str, dotted: str) -> dict[str, Any]:
        value = parent.get(key) if isinstance(parent, dict) else None
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(parent, key, f"{dotted} must be a mapping")
        return value

    def string(self, m: Any, key: str, dotted: str, default: str | None = None) -> str:
        value = m.get(key, default)
        if value is None:
            raise self.fail(m, key, f"{dotted} is required")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.fail(m, key, f"{dotted} must be a string, not {yaml_kind(value)}")
        return str(value)

    def strings(self, m: Any, key: str, dotted: str) -> tuple[str, ...]:
        value = m.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            raise self.fail(m, key, f"{dotted} must be a list of strings")
        return tuple(str(v) for v in value)

    def boolean(self, m: Any, key: str, dotted: str, default: bool = False) -> bool:
        value = m.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(m, key, f"{dotted} must be true or false")
        return value

    def integer(
        self, m: Any, key: str, dotted: str, default: int | None = None, minimum: int = 0
    ) -> int | None:
        value = m.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(m, key, f"{dotted} must be a whole number")
        if value < minimum:
            raise self.fail(m, key, f"{dotted} must be at least {minimum}, not {value}")
        return value

    def duration(self, m: Any, key: str, dotted: str, default: float) -> float:
        value = m.get(key)
        if value is None:
            return default
        try:
            return parse_duration(value, field=dotted)
        except ValidationError as exc:
            raise self.fail(m, key, exc.message, exc.hint) from None

    def size(self, m: Any, key: str, dotted: str) -> int | None:
        value = m.get(key)
        if value is None:
            return None
        try:
            return parse_size(value, field=dotted)
        except ValidationError as exc:
            raise self.fail(m, key, exc.message, exc.hint) from None


_TOP_KEYS = (
    "program", "repos", "tuples", "gates", "safe_mode", "cadence", "audit", "signing", "status",
)  # fmt: skip
_SIGNING_KEYS = ("key", "allowed_signers", "namespace", "required", "dsse_key")
_GATE_KEYS = (
    "title", "repo", "also", "tuple", "argv", "shell", "cwd", "env", "timeout", "heavy", "mem",
    "parser", "min_tests", "max_failures", "artifacts", "weekly", "perf", "required",
    "required_artifacts",
)  # fmt: skip
_SAFE_MODE_KEYS = (
    "mode", "heavy_slots", "lock_dir", "admission_wait", "default_mem", "control_docs", "notes",
)  # fmt: skip


def parse_config(data: Any, path: Path) -> Config:
    """Validate loaded govkit.yaml data (round-trip or plain) into a Config."""
    r = _Reader(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError("govkit.yaml must be a mapping at the top level", path=path, line=1)
    r.known(data, _TOP_KEYS, "govkit.yaml")
    program = r.string(data, "program", "program", default="program")

    repos: dict[str, RepoDef] = {}
    for name, spec in r.mapping(data, "repos", "repos").items():
        dotted = f"repos.{name}"
        _checked(r, data.get("repos"), name, lambda n=name: check_safe_id(str(n), what="repo name"))
        if isinstance(spec, str):
            repos[str(name)] = RepoDef(str(name), spec)
            continue
        if not isinstance(spec, dict):
            raise r.fail(data.get("repos"), name, f"{dotted} must be a path/URL or a mapping")
        r.known(spec, ("url", "ref"), dotted)
        repos[str(name)] = RepoDef(
            str(name),
            r.string(spec, "url", f"{dotted}.url"),
            r.string(spec, "ref", f"{dotted}.ref", "main"),
        )

    tuples: dict[str, dict[str, str]] = {}
    for tname, pins in r.mapping(data, "tuples", "tuples").items():
        _checked(
            r, data.get("tuples"), tname, lambda n=tname: check_safe_id(str(n), what="tuple name")
        )
        if not isinstance(pins, dict):
            raise r.fail(
                data.get("tuples"), tname, f"tuples.{tname} must map repo names to commits"
            )
        for repo, sha in pins.items():
            if isinstance(sha, bool) or not isinstance(sha, str | int):
                raise r.fail(
                    pins,
                    repo,
                    f"tuples.{tname}.{repo} must be a commit SHA, not {yaml_kind(sha)}",
                    hint=f"pin it with `govkit tuple pin {tname} {repo}=REV`",
                )
        tuples[str(tname)] = {str(k): str(v) for k, v in pins.items()}

    gates: dict[str, GateDef] = {}
    for gid, spec in r.mapping(data, "gates", "gates").items():
        _checked(r, data.get("gates"), gid, lambda g=gid: check_id("gate", str(g)))
        if not isinstance(spec, dict):
            raise r.fail(data.get("gates"), gid, f"gates.{gid} must be a mapping")
        gates[str(gid)] = _parse_gate(r, str(gid), spec)

    sm = r.mapping(data, "safe_mode", "safe_mode")
    r.known(sm, _SAFE_MODE_KEYS, "safe_mode")
    safe_mode = SafeMode(
        mode=r.string(sm, "mode", "safe_mode.mode", SafeMode.mode),
        heavy_slots=r.integer(sm, "heavy_slots", "safe_mode.heavy_slots", 1) or 1,
        lock_dir=str(sm["lock_dir"]) if sm.get("lock_dir") else None,
        admission_wait=r.duration(sm, "admission_wait", "safe_mode.admission_wait", 600.0),
        default_mem=r.size(sm, "default_mem", "safe_mode.default_mem"),
        control_docs=r.strings(sm, "control_docs", "safe_mode.control_docs"),
        notes=r.strings(sm, "notes", "safe_mode.notes"),
    )
    cd = r.mapping(data, "cadence", "cadence")
    r.known(cd, ("tuple", "next_actions", "blocker_streak"), "cadence")
    cadence = CadenceSettings(
        tuple_name=r.string(cd, "tuple", "cadence.tuple", "canonical"),
        next_actions=r.integer(cd, "next_actions", "cadence.next_actions", 5) or 5,
        blocker_streak=r.integer(cd, "blocker_streak", "cadence.blocker_streak", 3, minimum=1) or 3,
    )
    au = r.mapping(data, "audit", "audit")
    r.known(au, ("evidence_ttl", "claim_files"), "audit")
    audit = AuditPolicy(
        evidence_ttl=r.duration(au, "evidence_ttl", "audit.evidence_ttl", 14 * 86400.0),
        claim_files=r.strings(au, "claim_files", "audit.claim_files") or ("STATUS.md",),
    )
    st = r.mapping(data, "status", "status")
    r.known(st, ("resolved_window",), "status")
    status = StatusSettings(
        resolved_window=r.duration(st, "resolved_window", "status.resolved_window", 14 * 86400.0)
    )
    signing = _parse_signing(r, data)
    return Config(program, repos, tuples, gates, safe_mode, cadence, audit, signing, status)


def _parse_signing(r: _Reader, data: Any) -> SigningPolicy:
    sg = r.mapping(data, "signing", "signing")
    r.known(sg, _SIGNING_KEYS, "signing")

    def path(key: str) -> str | None:
        return r.string(sg, key, f"signing.{key}") if sg.get(key) is not None else None

    policy = SigningPolicy(
        key=path("key"),
        allowed_signers=path("allowed_signers"),
        namespace=r.string(sg, "namespace", "signing.namespace", "govkit"),
        required=r.boolean(sg, "required", "signing.required"),
        dsse_key=path("dsse_key"),
    )
    if policy.key and not policy.allowed_signers:
        raise r.fail(
            sg,
            "key",
            "signing.key is set but signing.allowed_signers is not",
            hint="name the allowed-signers file that lists your key (docs/signing.md)",
        )
    if policy.required and not policy.allowed_signers:
        raise r.fail(
            sg,
            "required",
            "signing.required needs signing.allowed_signers to check signatures against",
            hint="name the allowed-signers file (docs/signing.md)",
        )
    if not policy.namespace or any(c.isspace() for c in policy.namespace):
        raise r.fail(sg, "namespace", "signing.namespace must be one word, e.g. govkit")
    return policy


def _checked(r: _Reader, parent: Any, key: Any, check: Any) -> None:
    try:
        check()
    except ValidationError as exc:
        raise r.fail(parent, key, exc.message, exc.hint) from None


def _inside_repo(r: _Reader, m: Any, key: str, dotted: str, values: list[str]) -> None:
    # A gate runs in and collects from its clean clone only: a path that leaves it would
    # run somewhere unrecorded or copy files from the machine into the evidence.
    for value in values:
        parts = value.replace("\\", "/").split("/")
        if value.startswith(("/", "~")) or ".." in parts:
            raise r.fail(
                m,
                key,
                f"{dotted} {value!r} leaves the repository",
                hint="give a path relative to the repo's root, without '..'",
            )


def _parse_gate(r: _Reader, gid: str, m: Any) -> GateDef:
    d = f"gates.{gid}"
    r.known(m, _GATE_KEYS, d)
    argv = r.strings(m, "argv", f"{d}.argv") if isinstance(m.get("argv"), list) else ()
    if isinstance(m.get("argv"), str):
        raise r.fail(m, "argv", f"{d}.argv must be a list", hint="use `shell:` for a shell string")
    shell = r.string(m, "shell", f"{d}.shell") if m.get("shell") is not None else None
    if not argv and shell is None:
        raise r.fail(m, None, f"{d} has neither argv nor shell", hint="give the command to run")
    parser = r.string(m, "parser", f"{d}.parser", "exit-code")
    if parser not in PARSERS:
        raise r.fail(
            m, "parser", f"{d}.parser {parser!r} is unknown", hint=f"one of {', '.join(PARSERS)}"
        )
    env = m.get("env") or {}
    if not isinstance(env, dict) or any(isinstance(v, list | dict) for v in env.values()):
        raise r.fail(m, "env", f"{d}.env must be a mapping of names to values")
    perf = None
    if m.get("perf") is not None:
        p = m["perf"]
        if not isinstance(p, dict):
            raise r.fail(m, "perf", f"{d}.perf must be a mapping")
        r.known(p, ("baseline", "threshold", "rounds", "metrics"), f"{d}.perf")
        threshold = p.get("threshold", 0.10)
        if not isinstance(threshold, int | float) or isinstance(threshold, bool):
            raise r.fail(p, "threshold", f"{d}.perf.threshold must be a number like 0.10")
        metrics = p.get("metrics") or {}
        if not isinstance(metrics, dict) or any(
            v not in ("lower", "higher") for v in metrics.values()
        ):
            raise r.fail(p, "metrics", f"{d}.perf.metrics must map names to lower or higher")
        perf = PerfSpec(
            baseline=r.string(p, "baseline", f"{d}.perf.baseline"),
            threshold=float(threshold),
            rounds=r.integer(p, "rounds", f"{d}.perf.rounds", 3) or 3,
            metrics={str(k): str(v) for k, v in metrics.items()},
        )
    cwd = r.string(m, "cwd", f"{d}.cwd", "")
    _inside_repo(r, m, "cwd", f"{d}.cwd", [cwd])
    artifacts = r.strings(m, "artifacts", f"{d}.artifacts")
    _inside_repo(r, m, "artifacts", f"{d}.artifacts", list(artifacts))
    required_artifacts = r.strings(m, "required_artifacts", f"{d}.required_artifacts")
    _inside_repo(r, m, "required_artifacts", f"{d}.required_artifacts", list(required_artifacts))
    return GateDef(
        id=gid,
        title=r.string(m, "title", f"{d}.title", gid),
        repo=r.string(m, "repo", f"{d}.repo"),
        also=r.strings(m, "also", f"{d}.also"),
        tuple_name=r.string(m, "tuple", f"{d}.tuple", "canonical"),
        argv=argv,
        shell=shell,
        cwd=cwd,
        env={str(k): str(v) for k, v in env.items()},
        timeout=r.duration(m, "timeout", f"{d}.timeout", 1800.0),
        heavy=r.boolean(m, "heavy", f"{d}.heavy"),
        mem=r.size(m, "mem", f"{d}.mem"),
        parser=parser,
        min_tests=r.integer(m, "min_tests", f"{d}.min_tests"),
        max_failures=r.integer(m, "max_failures", f"{d}.max_failures", 0) or 0,
        artifacts=artifacts,
        weekly=r.boolean(m, "weekly", f"{d}.weekly"),
        perf=perf,
        required_artifacts=required_artifacts,
        required=r.boolean(m, "required", f"{d}.required"),
    )


DEFAULT_CONFIG = """\
# govkit workspace configuration. Edit by hand or through the CLI (govkit repo
# add, govkit tuple pin, govkit gate add, govkit promote); comments survive both.
#
# repos:   code repositories the program tracks: name -> {{url: local path
#          (relative to this file) or URL, ref: branch new tuples start from}}
# tuples:  named tuples: name -> {{repo: full commit SHA}}. `canonical` is what
#          claims describe; `candidate` is promoted into it after a streak of
#          green runs (govkit promote).
# gates:   validation gates (govkit gate add ID ... -- CMD); every key is in
#          govkit's docs/configuration.md.
program: {name}
repos: {{}}
tuples: {{}}
gates: {{}}
safe_mode:                # how heavy commands run (shown in STATUS.md as the execution mode)
  mode: Safe mode (one heavy command at a time, memory admission checked)
  heavy_slots: 1          # heavy commands that may run at once on this machine
  admission_wait: 10m     # how long to wait for free memory before refusing
cadence:
  tuple: canonical        # the weekly packet tests this tuple
  next_actions: 5         # queue items listed as next actions
audit:
  evidence_ttl: 14d       # evidence older than this is stale
  claim_files: [STATUS.md]
"""
