"""govkit.yaml: the program's configuration, validated into frozen dataclasses.

Every field error names the file, the line and the field. Writing goes through
`Workspace.edit_config()` so comments and key order survive.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from govkit import yamlio
from govkit.errors import ValidationError
from govkit.ids import check_id, check_safe_id
from govkit.parsers import PARSERS
from govkit.units import exact_duration, parse_duration, parse_size, yaml_kind

# --- the key registry ---------------------------------------------------------------------
# Every govkit.yaml key is one dataclass field declared with `key(...)`: its YAML name, kind,
# default and doc text. parse_config reads and validates through these declarations, and
# docs/configuration.md is generated from them (`python -m govkit.cli.reference --write
# docs/configuration.md`; tests/test_docs.py fails when it is stale). A new key is one field.

KEY_KINDS = {
    "string": "string",
    "strings": "list of strings",
    "bool": "true / false",
    "int": "whole number",
    "number": "number",
    "duration": "duration (`90s`, `30m`, `1h30m`, `14d`)",
    "size": "size (`512M`, `4G`)",
    "env": "mapping: name → value",
    "argv": "list of strings",
    "choice": "one of",
    "directions": "mapping: metric → `lower` / `higher`",
    "mapping": "mapping",
    "section": "section",
}


@dataclass(frozen=True)
class Key:
    """How one govkit.yaml key is read, checked and documented."""

    kind: str  # a name in KEY_KINDS
    doc: str
    yaml: str | None = None  # the key in govkit.yaml when it differs from the field name
    minimum: int = 0  # for "int"
    choices: tuple[str, ...] = ()  # for "choice"
    required: bool = False
    shown_default: str | None = None  # when the default needs words ("the gate id")
    section: type | None = None  # for "section" and "mapping": the dataclass of the entries


def key(
    doc: str,
    kind: str = "string",
    *,
    default: Any = MISSING,
    factory: Any = MISSING,
    **spec: Any,
) -> Any:
    """A dataclass field that is a govkit.yaml key (see Key)."""
    if kind not in KEY_KINDS:  # a mistake in a declaration, found at import
        raise ValueError(f"unknown key kind {kind!r}; one of {', '.join(KEY_KINDS)}")
    meta = {"govkit": Key(kind, doc, **spec)}
    if factory is not MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(metadata=meta) if default is MISSING else field(default=default, metadata=meta)


def section(doc: str, cls: type) -> Any:
    """A key that is a whole section, read into (and defaulting to) the dataclass cls."""
    return key(doc, "section", factory=cls, section=cls)


def keys_of(cls: type) -> list[tuple[str, Key, Any]]:
    """(field name, Key, default) of every govkit.yaml key of a section dataclass, in order."""
    out = []
    for f in fields(cls):
        spec = f.metadata.get("govkit")
        if spec is None:
            continue
        if f.default is not MISSING:
            default = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:
            default = None
        out.append((f.name, spec, default))
    return out


def yaml_keys(cls: type) -> tuple[str, ...]:
    """The keys a section accepts: anything else is a typo, and an error."""
    return tuple(spec.yaml or name for name, spec, _ in keys_of(cls))


@dataclass(frozen=True)
class RepoDef:
    """A code repository the program tracks (`repos.<name>`; or just `name: ../path`)."""

    name: str
    url: str = key(
        "local path (relative to govkit.yaml) or URL; a URL is cloned into a cached mirror",
        required=True,
    )
    ref: str = key("branch that new tuple pins start from", default="main")


@dataclass(frozen=True)
class PerfSpec:
    """How a metrics-json gate is compared against a baseline tuple (`gates.<id>.perf`)."""

    baseline: str = key("tuple to compare against, in the same run", required=True)
    threshold: float = key(
        "allowed regression of the median paired ratio (0.10 = 10%)", "number", default=0.10
    )
    rounds: int = key("interleaved baseline/candidate rounds (at least 3)", "int", default=3)
    metrics: dict[str, str] = key(
        "which way is better per metric",
        "directions",
        factory=dict,
        shown_default="every numeric metric, lower is better",
    )


@dataclass(frozen=True)
class GateDef:
    """A named validation command (`gates.<id>`; DESIGN.md §5)."""

    id: str
    title: str = key("what the gate proves, in a few words", shown_default="the gate id")
    repo: str = key("the working repo: the command runs in its clone", required=True)
    also: tuple[str, ...] = key("other repos cloned beside it", "strings", default=())
    tuple_name: str = key("the tuple `gate run` uses by default", yaml="tuple", default="canonical")
    argv: tuple[str, ...] = key(
        "the command (this or `shell` is required)", "argv", default=(), shown_default="none"
    )
    shell: str | None = key("the command as one `sh -c` string, instead of argv", default=None)
    cwd: str = key(
        "subdirectory of the working repo to run in", default="", shown_default="its root"
    )
    env: dict[str, str] = key("environment for the command", "env", factory=dict)
    timeout: float = key("kill the command after this long", "duration", default=1800.0)
    heavy: bool = key("take a heavy slot: one heavy command at a time", "bool", default=False)
    mem: int | None = key(
        "memory need for admission",
        "size",
        default=None,
        shown_default="`safe_mode.default_mem` if heavy",
    )
    parser: str = key(
        "how to read counts or metrics (the exit code always decides)",
        "choice",
        choices=PARSERS,
        default="exit-code",
    )
    min_tests: int | None = key("fail a run that ran fewer tests", "int", default=None)
    max_failures: int = key("failures or errors tolerated with exit 0", "int", default=0)
    artifacts: tuple[str, ...] = key(
        "globs, relative to the working repo, of files to keep", "strings", default=()
    )
    weekly: bool = key(
        "part of `gate run --all --weekly` and the cadence packet", "bool", default=False
    )
    perf: PerfSpec | None = key(
        "compare against a baseline tuple", "section", default=None, section=PerfSpec
    )
    required_artifacts: tuple[str, ...] = key(
        "globs that must each match a file after the run, or the run fails (also kept)",
        "strings",
        default=(),
    )
    # Policy, not definition: promotion waits on required gates, the packet and STATUS.md
    # list them apart. Left out of the definition hash (gates.gate_hash).
    required: bool = key(
        "a required gate: promotion waits on its streak; advisory otherwise", "bool", default=False
    )

    @property
    def repos(self) -> tuple[str, ...]:
        """Every repo the gate needs, working repo first."""
        return (self.repo, *[r for r in self.also if r != self.repo])

    def definition(self) -> dict[str, Any]:
        """The fields that define what a run of the gate does: what its hash covers."""
        spec = asdict(self)
        # D-022: `required` says how much a gate weighs, not what a run does, so flipping
        # it keeps the gate's streaks; `required_artifacts` changes the verdict, so it is
        # hashed, but only when set, so gates written before it existed keep their hash.
        del spec["required"]
        if not self.required_artifacts:
            del spec["required_artifacts"]
        return spec

    def definition_hash(self) -> str:
        """sha256 of the canonical JSON of the definition: same hash, same gate."""
        return definition_hash_of(self.definition())


def definition_hash_of(definition: dict[str, Any]) -> str:
    """The hash of a gate definition (GateDef.definition(), or one stored in a bundle)."""
    data = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(data.encode()).hexdigest()


@dataclass(frozen=True)
class SafeMode:
    """How heavy commands run; shown in STATUS.md as the execution mode (`safe_mode`)."""

    mode: str = key(
        "the execution mode, in words, for STATUS.md",
        default="Safe mode (one heavy command at a time, memory admission checked)",
    )
    heavy_slots: int = key("heavy commands at once on this machine", "int", default=1, minimum=1)
    lock_dir: str | None = key(
        "where the heavy-slot lock files are",
        default=None,
        shown_default="`$GOVKIT_SLOT_DIR` or `/tmp/govkit-slots-<uid>`",
    )
    admission_wait: float = key(
        "how long to wait for free memory before refusing", "duration", default=600.0
    )
    default_mem: int | None = key("memory need of heavy gates without `mem`", "size", default=None)
    control_docs: tuple[str, ...] = key("documents listed in STATUS.md", "strings", default=())
    notes: tuple[str, ...] = key(
        "extra lines for the execution-mode section", "strings", default=()
    )


@dataclass(frozen=True)
class CadenceSettings:
    """Weekly cadence packet settings (`cadence`)."""

    tuple_name: str = key("the tuple the weekly packet reports", yaml="tuple", default="canonical")
    next_actions: int = key("queue items listed as next actions", "int", default=5, minimum=1)
    blocker_streak: int = key(
        "consecutive claim-grade passes that lift a suggested blocker of a failing required gate",
        "int",
        default=3,
        minimum=1,
    )


@dataclass(frozen=True)
class StatusSettings:
    """What STATUS.md shows beyond the records' current state (`status`)."""

    resolved_window: float = key(
        "blockers resolved this long before the document's date stay listed",
        "duration",
        default=14 * 86400.0,
    )


@dataclass(frozen=True)
class AuditPolicy:
    """What audit treats as stale and where it looks for claims (`audit`)."""

    evidence_ttl: float = key(
        "evidence older than this is stale (GK401)", "duration", default=14 * 86400.0
    )
    claim_files: tuple[str, ...] = key(
        "Markdown files, or directories searched for `*.md`, whose claims audit checks",
        "strings",
        default=("STATUS.md",),
    )


PUBLISH_MODES = ("pull-request", "commit", "none")


@dataclass(frozen=True)
class CiSettings:
    """How `govkit ci github` lays out the CI workflow (`ci`; docs/ci.md, D-021)."""

    runner: tuple[str, ...] = key(
        "runs-on labels of the gate and collect jobs", "strings", default=("ubuntu-latest",)
    )
    heavy_runner: tuple[str, ...] = key(
        "runs-on labels of heavy gates", "strings", default=(), shown_default="`runner`"
    )
    heavy_max_parallel: int = key("heavy gate jobs at once", "int", default=1, minimum=1)
    max_parallel: int | None = key(
        "other gate jobs at once",
        "int",
        default=None,
        minimum=1,
        shown_default="as many as CI gives",
    )
    python: str = key("Python version the jobs set up", default="3.11")
    install: str | None = key(
        "shell line installing govkit", default=None, shown_default="pip, this govkit version"
    )
    publish: str = key(
        "what the collect job does with STATUS.md and the packet",
        "choice",
        default="pull-request",
        choices=PUBLISH_MODES,
    )
    schedule: str = key("cron of a `--weekly` workflow (UTC)", default="0 5 * * 1")
    signing_secret: str | None = key(
        "Actions secret holding the runners' SSH signing key", default=None
    )


@dataclass(frozen=True)
class SigningPolicy:
    """Who signs evidence and whose signatures count (`signing`; docs/signing.md, D-020)."""

    allowed_signers: str | None = key(
        "ssh-keygen ALLOWED SIGNERS file, relative to the workspace", default=None
    )
    namespace: str = key("the ssh-keygen -n namespace of every govkit signature", default="govkit")
    required: bool = key(
        "audit reports unsigned runs (GK108) only when true", "bool", default=False
    )
    dsse_key: str | None = key(
        "unencrypted ed25519 key for `export intoto --sign`", default=None, shown_default="`key`"
    )
    # Declared last: once `key` names this field, the class body can no longer call key().
    key: str | None = key(
        "SSH key for `ssh-keygen -Y sign` (a .pub file signs through ssh-agent)", default=None
    )


@dataclass(frozen=True)
class Config:
    """The whole govkit.yaml."""

    program: str = key("name shown in rendered documents", default="program")
    repos: dict[str, RepoDef] = key(
        "the code repositories the program tracks, by name",
        "mapping",
        factory=dict,
        section=RepoDef,
    )
    tuples: dict[str, dict[str, str]] = key(
        "named tuples: name → {repo: full commit SHA}; written by `govkit tuple pin`",
        "mapping",
        factory=dict,
    )
    gates: dict[str, GateDef] = key(
        "validation gates by id; written by `govkit gate add`",
        "mapping",
        factory=dict,
        section=GateDef,
    )
    safe_mode: SafeMode = section("how heavy commands run", SafeMode)
    cadence: CadenceSettings = section("the weekly cadence packet", CadenceSettings)
    audit: AuditPolicy = section("what audit checks", AuditPolicy)
    signing: SigningPolicy = section("evidence signatures", SigningPolicy)
    ci: CiSettings = section("the workflow `govkit ci github` writes", CiSettings)
    status: StatusSettings = section("what STATUS.md shows", StatusSettings)


class _Reader:
    """Reads typed fields out of a round-trip mapping, with file:line errors."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(
        self, where: Any, key: str | None, message: str, hint: str | None = None
    ) -> ValidationError:
        line = yamlio.key_line(where, key) if key is not None else None
        if line is None:  # a key the mapping lacks: point at the mapping
            line = yamlio.mapping_line(where)
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

    def parsed(self, m: Any, key: str, dotted: str, parse: Callable[..., Any]) -> Any:
        """m[key] read by parse_duration or parse_size, an error pointing at the key's line."""
        try:
            return parse(m[key], field=dotted)
        except ValidationError as exc:
            raise self.fail(m, key, exc.message, exc.hint) from None


def _read_key(r: _Reader, m: Any, name: str, dotted: str, spec: Key, default: Any) -> Any:
    """One key's value from mapping `m`, checked against its declaration."""
    value = m.get(name)
    if value is None:
        if spec.required:
            raise r.fail(m, name, f"{dotted} is required")
        return default
    kind = spec.kind
    if kind == "string":
        return r.string(m, name, dotted)
    if kind in ("strings", "argv"):
        if kind == "argv" and isinstance(value, str):
            raise r.fail(
                m, name, f"{dotted} must be a list", hint="use `shell:` for a shell string"
            )
        return r.strings(m, name, dotted) or default
    if kind == "bool":
        return r.boolean(m, name, dotted)
    if kind == "int":
        return r.integer(m, name, dotted, minimum=spec.minimum)
    if kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise r.fail(m, name, f"{dotted} must be a number like {default:.2f}")
        return float(value)
    if kind == "duration":
        return r.parsed(m, name, dotted, parse_duration)
    if kind == "size":
        return r.parsed(m, name, dotted, parse_size)
    if kind == "choice":
        text = r.string(m, name, dotted)
        if text not in spec.choices:
            raise r.fail(
                m, name, f"{dotted} {text!r} is unknown", hint=f"one of {', '.join(spec.choices)}"
            )
        return text
    if kind == "env":
        if not isinstance(value, dict) or any(isinstance(v, list | dict) for v in value.values()):
            raise r.fail(m, name, f"{dotted} must be a mapping of names to values")
        return {str(k): str(v) for k, v in value.items()}
    if kind == "directions":
        if not isinstance(value, dict) or any(v not in ("lower", "higher") for v in value.values()):
            raise r.fail(m, name, f"{dotted} must map names to lower or higher")
        return {str(k): str(v) for k, v in value.items()}
    if kind == "section" and spec.section is not None:
        if not isinstance(value, dict):
            raise r.fail(m, name, f"{dotted} must be a mapping")
        return spec.section(**read_section(r, spec.section, value, dotted))
    raise AssertionError(f"{dotted}: no reader for kind {kind!r}")  # pragma: no cover


def read_section(
    r: _Reader, cls: type, m: Any, dotted: str, *, skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Field values of section `cls` read from mapping `m`; unknown keys are refused."""
    r.known(m, yaml_keys(cls), dotted or "govkit.yaml")
    values = {}
    for name, spec, default in keys_of(cls):
        if name not in skip:
            yaml_name = spec.yaml or name
            where = f"{dotted}.{yaml_name}" if dotted else yaml_name
            values[name] = _read_key(r, m, yaml_name, where, spec, default)
    return values


def parse_config(data: Any, path: Path) -> Config:
    """Validate loaded govkit.yaml data (round-trip or plain) into a Config."""
    r = _Reader(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError("govkit.yaml must be a mapping at the top level", path=path, line=1)
    r.known(data, yaml_keys(Config), "govkit.yaml")
    for name in ("repos", "tuples", "gates"):
        r.mapping(data, name, name)  # each must be a mapping when given

    repos: dict[str, RepoDef] = {}
    for name, spec in r.mapping(data, "repos", "repos").items():
        dotted = f"repos.{name}"
        _checked(r, data.get("repos"), name, lambda n=name: check_safe_id(str(n), what="repo name"))
        if isinstance(spec, str):
            repos[str(name)] = RepoDef(str(name), spec)
            continue
        if not isinstance(spec, dict):
            raise r.fail(data.get("repos"), name, f"{dotted} must be a path/URL or a mapping")
        repos[str(name)] = RepoDef(str(name), **read_section(r, RepoDef, spec, dotted))

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

    top = read_section(r, Config, data, "", skip=("repos", "tuples", "gates"))
    _check_signing(r, r.mapping(data, "signing", "signing"), top["signing"])
    _check_ci(r, r.mapping(data, "ci", "ci"), top["ci"])
    return Config(repos=repos, tuples=tuples, gates=gates, **top)


def _check_ci(r: _Reader, ci: Any, settings: CiSettings) -> None:
    name = settings.signing_secret
    # GitHub secret names: letters, digits and _, not starting with a digit.
    if name is not None and (
        not name.replace("_", "a").isalnum() or not name.isascii() or name[0].isdigit()
    ):
        raise r.fail(
            ci,
            "signing_secret",
            f"ci.signing_secret {name!r} is not a GitHub secret name",
            hint="letters, digits and _, e.g. GOVKIT_SIGNING_KEY",
        )


def _check_signing(r: _Reader, sg: Any, policy: SigningPolicy) -> None:
    # Rules across keys; each key's type and default come from SigningPolicy's declarations.
    for name in ("key", "required"):  # either one means signatures get checked
        if getattr(policy, name) and not policy.allowed_signers:
            raise r.fail(
                sg,
                name,
                f"signing.{name} is set but signing.allowed_signers is not",
                hint="name the allowed-signers file that lists the signers' keys (docs/signing.md)",
            )
    if not policy.namespace or any(c.isspace() for c in policy.namespace):
        raise r.fail(sg, "namespace", "signing.namespace must be one word, e.g. govkit")


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
    values = read_section(r, GateDef, m, d)
    if not values["argv"] and values["shell"] is None:
        raise r.fail(m, None, f"{d} has neither argv nor shell", hint="give the command to run")
    _inside_repo(r, m, "cwd", f"{d}.cwd", [values["cwd"]])
    _inside_repo(r, m, "artifacts", f"{d}.artifacts", list(values["artifacts"]))
    _inside_repo(
        r, m, "required_artifacts", f"{d}.required_artifacts", list(values["required_artifacts"])
    )
    return GateDef(id=gid, **{**values, "title": values["title"] or gid})


def _shown(spec: Key, default: Any) -> str:
    if spec.shown_default is not None:
        return spec.shown_default
    if spec.required:
        return "required"
    if default is None:
        return "none"
    if spec.kind == "section":
        return "the defaults below"
    if spec.kind == "duration":
        days = default / 86400
        return f"`{int(days)}d`" if days == int(days) else f"`{exact_duration(default)}`"
    if spec.kind == "number":
        return f"`{default:.2f}`"
    if spec.kind == "bool":
        return f"`{str(default).lower()}`"
    if isinstance(default, tuple | list):
        return f"`[{', '.join(default)}]`"
    if isinstance(default, dict):
        return "`{}`"
    return f"`{default}`"


def _kind_text(spec: Key) -> str:
    if spec.kind == "choice":
        return "one of " + ", ".join(f"`{c}`" for c in spec.choices)
    if spec.kind == "int" and spec.minimum:
        return f"whole number ≥ {spec.minimum}"
    return KEY_KINDS[spec.kind]


def reference_markdown() -> str:
    """The govkit.yaml reference (docs/configuration.md), generated from the key declarations."""
    out: list[str] = []

    def table(title: str, cls: type, intro: str) -> None:
        out.extend([f"### `{title}`", "", intro, "", "| key | type | default | meaning |"])
        out.append("|---|---|---|---|")
        nested = []
        for name, spec, default in keys_of(cls):
            yaml_name = spec.yaml or name
            text = spec.doc.replace("|", "\\|")
            if spec.section is not None:
                prefix = f"{title}.{yaml_name}" if title != "govkit.yaml" else yaml_name
                child = f"{prefix}.<name>" if spec.kind == "mapping" else prefix
                if spec.section is GateDef:
                    child = "gates.<id>"
                anchor = child.replace(".", "").replace("<", "").replace(">", "").lower()
                text += f"; see [`{child}`](#{anchor})"
                nested.append((child, spec.section))
            out.append(f"| `{yaml_name}` | {_kind_text(spec)} | {_shown(spec, default)} | {text} |")
        out.append("")
        for child, section in nested:
            doc = (section.__doc__ or "").split(" (`")[0].strip().rstrip(".")
            table(child, section, doc + ".")

    table("govkit.yaml", Config, "The top level.")
    return "\n".join(out).rstrip() + "\n"


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
