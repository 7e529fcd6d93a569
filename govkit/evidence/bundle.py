"""Evidence bundles: a run recorded on one machine, ingested into the ledger on another (D-021).

A bundle is one run, self-contained:

    bundle.json   the manifest: program, run id, gate definition and its hash, tuple and
                  pins, the CI job that ran it, and the sha256 and size of every file below
    run/          a copy of the run directory: record.json (and record.json.sig when the
                  run was signed), stdout.log, stderr.log, artifacts/

It is written as one deterministic tar file (`<run-id>.tar`) or as a directory
(`<run-id>/`). Its address is the sha256 of bundle.json, which covers every
file through their digests: the same run gives the same address, and any
change to any file changes it or fails verification.

`gate run --bundle` makes bundles without touching the workspace's ledger;
`evidence ingest` verifies them and appends the good ones under the lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from govkit import __version__
from govkit.atomic import atomic_rename, atomic_write_bytes, fsync_dir
from govkit.config import GateDef, definition_hash_of
from govkit.errors import GovkitError, ValidationError
from govkit.evidence.record import EvidenceRecord, sha256_file
from govkit.evidence.store import append_ledger, read_ledger, run_dir
from govkit.workspace import Workspace

if TYPE_CHECKING:
    from govkit.runner import GateRun

BUNDLE_SCHEMA = "govkit.bundle/1"
MANIFEST = "bundle.json"
RUN = "run"
FORMATS = ("tar", "dir")
STAGING_PREFIX = ".govkit-staging-"
# A manifest or record is small; anything larger in those slots is not a govkit bundle.
_MAX_JSON = 16 << 20

Event = Callable[[str], None]


@dataclass(frozen=True)
class Bundle:
    """A written bundle: where it is, its address, and the run it carries."""

    path: Path
    digest: str  # sha256 of bundle.json
    run_id: str


# --- writing -----------------------------------------------------------------


def gate_definition(gate: GateDef) -> dict[str, Any]:
    """The gate as JSON data whose canonical hash is `gate.definition_hash()`."""
    data: dict[str, Any] = json.loads(json.dumps(gate.definition(), default=list))
    return data


def _canonical(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def _files(run_directory: Path) -> dict[str, dict[str, Any]]:
    """'run/<path>' -> {sha256, size} of every file in the run directory."""
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(run_directory.rglob("*")):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise ValidationError(
                f"{path} is not a regular file: a bundle carries files only", path=path
            )
        if path.is_file():
            rel = f"{RUN}/{path.relative_to(run_directory).as_posix()}"
            files[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return files


def build_manifest(
    ws: Workspace, gate: GateDef, record: EvidenceRecord, run_directory: Path
) -> dict[str, Any]:
    """The bundle.json of a finished run whose directory is `run_directory`."""
    from govkit.runner import ci_identity

    repos = ws.config.repos
    return {
        "schema": BUNDLE_SCHEMA,
        "program": ws.config.program,
        "run_id": record.run_id,
        "gate_id": record.gate_id,
        "gate_hash": record.gate_hash,
        "gate": gate_definition(gate),
        "tuple": record.tuple_name,
        "pins": {p.name: p.commit for p in record.repos},
        "repos": {name: repos[name].url for name in gate.repos if name in repos},
        "started_at": record.started_at,
        "outcome": record.outcome.value,
        "runner": ci_identity(),
        "govkit_version": __version__,
        "files": _files(run_directory),
    }


def write_bundle(
    ws: Workspace,
    gate: GateDef,
    record: EvidenceRecord,
    run_directory: Path,
    out_dir: Path,
    *,
    fmt: str = "tar",
) -> Bundle:
    """Write the run in `run_directory` as a bundle into `out_dir` (atomically)."""
    if fmt not in FORMATS:
        raise ValidationError(f"bundle format {fmt!r} is unknown", hint="tar or dir")
    manifest = build_manifest(ws, gate, record, run_directory)
    text = _canonical(manifest)
    digest = hashlib.sha256(text).hexdigest()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (f"{record.run_id}.tar" if fmt == "tar" else record.run_id)
    if target.exists():
        raise ValidationError("a bundle of this run exists already", path=target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{record.run_id}.", suffix=".tmp", dir=out_dir))
    try:
        if fmt == "tar":
            _write_tar(tmp / "bundle.tar", text, run_directory, manifest["files"])
            atomic_rename(tmp / "bundle.tar", target)
            tmp.rmdir()
        else:
            shutil.copytree(run_directory, tmp / RUN)
            atomic_write_bytes(tmp / MANIFEST, text)
            atomic_rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Bundle(target, digest, record.run_id)


def _write_tar(path: Path, manifest: bytes, run_directory: Path, files: dict[str, Any]) -> None:
    """A tar with fixed owners, modes and times, members sorted: same run, same bytes.

    Files are streamed from disk (artifacts may be large) and the tar is fsynced.
    """
    with path.open("wb") as fh:
        with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tar:

            def info(name: str, size: int) -> tarfile.TarInfo:
                entry = tarfile.TarInfo(name)
                entry.size, entry.mode, entry.mtime = size, 0o644, 0
                return entry

            tar.addfile(info(MANIFEST, len(manifest)), io.BytesIO(manifest))
            for name in sorted(files):
                source = run_directory / name.removeprefix(f"{RUN}/")
                with source.open("rb") as data:
                    tar.addfile(info(name, source.stat().st_size), data)
        fh.flush()
        os.fsync(fh.fileno())


def run_into_bundles(
    ws: Workspace,
    gate_ids: Sequence[str],
    out_dir: Path,
    *,
    fmt: str = "tar",
    tuple_name: str | None = None,
    on_event: Event | None = None,
    on_done: Callable[[GateRun, Bundle], None] | None = None,
) -> list[tuple[GateRun, Bundle]]:
    """Run gates like `run_gates`, each into a bundle in `out_dir`; the ledger is untouched.

    The runs happen in a staging directory inside `out_dir` that is removed afterwards,
    so a bundle is either complete in `out_dir` or absent.
    """
    from govkit.runner import run_gates

    if fmt not in FORMATS:
        raise ValidationError(f"bundle format {fmt!r} is unknown", hint="tar or dir")
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir))
    done: list[tuple[GateRun, Bundle]] = []

    def finish(run: GateRun) -> None:
        gate = ws.config.gates[run.record.gate_id]
        # Signed like a local run when a key is configured (store_record): record.json.sig
        # is in the run directory, so it travels in the bundle.
        bundle = write_bundle(ws, gate, run.record, run.path.parent, out_dir, fmt=fmt)
        done.append((run, bundle))
        if on_done is not None:
            on_done(run, bundle)

    try:
        run_gates(
            ws, gate_ids, tuple_name=tuple_name, on_event=on_event, on_done=finish, staging=staging
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return done


# --- reading and verifying -----------------------------------------------------


class BundleRefused(GovkitError):
    """A bundle that cannot be ingested; the message says why."""


@dataclass
class OpenedBundle:
    """A bundle's manifest and record, verified against its files, with its run dir on disk."""

    source: Path
    manifest: dict[str, Any]
    manifest_raw: bytes
    digest: str
    record: EvidenceRecord
    record_sha256: str
    run_directory: Path  # run/ inside the bundle (extracted from a tar into scratch)


def find_bundles(paths: Sequence[Path]) -> list[tuple[Path, str | None]]:
    """(bundle path, why it is not one or None) for each path; a folder of bundles is opened.

    A directory holding bundle.json is a bundle; any other directory stands for the
    bundles in it (`<run-id>.tar` files and bundle directories), every other entry in
    it is reported as not a bundle rather than skipped.
    """
    found: list[tuple[Path, str | None]] = []
    for path in paths:
        if path.is_dir() and not (path / MANIFEST).is_file():
            entries = sorted(path.iterdir())
            if not entries:
                found.append((path, "an empty folder: no bundles in it"))
            for entry in entries:
                if _unfinished(entry.name):
                    found.append((entry, "left by a gate run that was stopped: no finished run"))
                elif (entry.is_file() and entry.suffix == ".tar") or (entry / MANIFEST).is_file():
                    found.append((entry, None))
                else:
                    found.append(
                        (entry, "not a bundle (neither a .tar nor a folder with bundle.json)")
                    )
        elif path.is_dir() or path.is_file():
            found.append((path, None))
        else:
            found.append((path, "no such file or directory"))
    return found


def _unfinished(name: str) -> bool:
    """A staging dir or temp file of `gate run --bundle` (its process was stopped)."""
    return name.startswith(STAGING_PREFIX) or (name.startswith(".") and name.endswith(".tmp"))


def open_bundle(path: Path, scratch: Path) -> OpenedBundle:
    """Read and verify a bundle's own integrity; a tar is extracted under `scratch`."""
    if path.is_file():
        root = scratch
        _extract(path, root)
    else:
        root = path
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise BundleRefused("no bundle.json in it: not a govkit bundle")
    raw = manifest_path.read_bytes()
    manifest = _json_object(raw, MANIFEST)
    if manifest.get("schema") != BUNDLE_SCHEMA:
        raise BundleRefused(
            f"bundle.json has schema {manifest.get('schema')!r}, not {BUNDLE_SCHEMA}"
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or f"{RUN}/record.json" not in files:
        raise BundleRefused("bundle.json lists no run/record.json")
    _check_files(root, files)
    record_path = root / RUN / "record.json"
    record_raw = record_path.read_bytes()
    try:
        record = EvidenceRecord.from_dict(_json_object(record_raw, "run/record.json"))
    except ValidationError as exc:
        raise BundleRefused(f"run/record.json: {exc.message}") from None
    _check_record(manifest, record, files)
    return OpenedBundle(
        source=path,
        manifest=manifest,
        manifest_raw=raw,
        digest=hashlib.sha256(raw).hexdigest(),
        record=record,
        record_sha256=hashlib.sha256(record_raw).hexdigest(),
        run_directory=root / RUN,
    )


def _extract(path: Path, root: Path) -> None:
    """Extract a bundle tar: regular files and folders only, every name inside `root`."""
    try:
        with tarfile.open(path, mode="r:") as tar:
            members = tar.getmembers()  # reads the whole archive: a truncated one fails here
            for member in members:
                name = PurePosixPath(member.name)
                if name.is_absolute() or ".." in name.parts or not name.parts:
                    raise BundleRefused(f"member {member.name!r} points outside the bundle")
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BundleRefused(f"member {member.name!r} is not a regular file")
                source = tar.extractfile(member)
                assert source is not None  # a regular file always has data
                target = root.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as sink:  # streamed: artifacts may be large
                    shutil.copyfileobj(source, sink, 1 << 20)
                    written = sink.tell()
                if written != member.size:
                    raise BundleRefused(f"member {member.name!r} is cut short (truncated tar)")
    except (tarfile.TarError, EOFError) as exc:
        raise BundleRefused(f"not a complete tar archive ({exc}); truncated or damaged") from None


def _json_object(raw: bytes, name: str) -> dict[str, Any]:
    if len(raw) > _MAX_JSON:
        raise BundleRefused(f"{name} is too large to be govkit's")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleRefused(f"{name} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BundleRefused(f"{name} is not a JSON object")
    return data


def _check_files(root: Path, files: dict[str, Any]) -> None:
    """Every listed file is there with its digest, and nothing else is in run/."""
    for name, digest in sorted(files.items()):
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or rel.parts[:1] != (RUN,):
            raise BundleRefused(f"bundle.json lists {name!r}, outside run/")
        path = root.joinpath(*rel.parts)
        if not isinstance(digest, dict) or not path.is_file() or path.is_symlink():
            raise BundleRefused(f"{name} is missing (truncated bundle?)")
        if path.stat().st_size != digest.get("size") or sha256_file(path) != digest.get("sha256"):
            raise BundleRefused(f"{name} does not match its sha256 in bundle.json (tampered)")
    run = root / RUN
    for path in sorted(run.rglob("*")):
        if path.is_symlink() or (not path.is_file() and not path.is_dir()):
            raise BundleRefused(f"{path.relative_to(root).as_posix()} is not a regular file")
        if path.is_file() and f"{RUN}/{path.relative_to(run).as_posix()}" not in files:
            raise BundleRefused(
                f"{path.relative_to(root).as_posix()} is not listed in bundle.json (added later)"
            )


def _check_record(manifest: dict[str, Any], record: EvidenceRecord, files: dict[str, Any]) -> None:
    """The manifest says what the record says, and the record's digests are the files'."""
    for key, value in (
        ("run_id", record.run_id),
        ("gate_id", record.gate_id),
        ("gate_hash", record.gate_hash),
        ("tuple", record.tuple_name),
        ("started_at", record.started_at),
        ("pins", {p.name: p.commit for p in record.repos}),
    ):
        if manifest.get(key) != value:
            raise BundleRefused(
                f"bundle.json {key} {manifest.get(key)!r} is not the record's {value!r} (tampered)"
            )
    for digest in [*record.logs.values(), *record.artifacts]:
        listed = files.get(f"{RUN}/{PurePosixPath(digest.path).as_posix()}")
        if not isinstance(listed, dict) or listed.get("sha256") != digest.sha256:
            raise BundleRefused(f"run/{digest.path} is not the file record.json names (tampered)")
    gate = manifest.get("gate")
    if not isinstance(gate, dict) or definition_hash_of(gate) != record.gate_hash:
        raise BundleRefused("the gate definition in bundle.json does not hash to the record's")


# --- ingest --------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureVerdict:
    """What the signature check said about a run: ok to ingest, and a note for the report."""

    ok: bool
    note: str


def check_run_signature(ws: Workspace, run_directory: Path) -> SignatureVerdict:
    """The ONE place ingest asks about a run's signature (`signing.verify_run_signature`).

    signed-ok lands; a bad signature or a signer not in the allowed-signers file is
    refused; an unsigned run is refused only when signing.required is true. A signed
    run in a workspace with no allowed-signers file cannot be checked, and says so.
    """
    from govkit.evidence.signing import SignatureStatus, signing_setup, verify_run_signature

    setup = signing_setup(ws)
    if not setup.verifies:
        signed = (run_directory / "record.json.sig").is_file()
        return SignatureVerdict(
            True,
            "signed, not checked: govkit.yaml names no signing.allowed_signers"
            if signed
            else "unsigned",
        )
    check = verify_run_signature(setup, run_directory)
    if check.status is SignatureStatus.UNSIGNED:
        if setup.required:
            return SignatureVerdict(False, "unsigned, and signing.required is true")
        return SignatureVerdict(True, "unsigned")
    return SignatureVerdict(check.ok, check.describe())


@dataclass(frozen=True)
class IngestResult:
    """What happened to one bundle."""

    bundle: str  # the path as given
    status: str  # "ingested", "already" (in the ledger, nothing changed) or "refused"
    reason: str = ""  # why it was refused
    run_id: str | None = None
    gate_id: str | None = None
    digest: str | None = None  # the bundle's address
    record: str | None = None  # the record's path in the workspace, once ingested
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `evidence ingest --json`."""
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data


def workspace_problems(ws: Workspace, opened: OpenedBundle) -> tuple[str | None, list[str]]:
    """(why the bundle does not belong to this workspace, or None; notes) for a verified bundle."""
    m, rec = opened.manifest, opened.record
    cfg = ws.config
    if m.get("program") != cfg.program:
        return f"made for program {m.get('program')!r}, this workspace is {cfg.program!r}", []
    gate = cfg.gates.get(rec.gate_id)
    if gate is None:
        return f"gate {rec.gate_id} is not defined in this workspace", []
    if rec.source != "clean-clone":
        return f"a {rec.source} run: bundles carry runs in clean clones of a tuple", []
    notes: list[str] = []
    if rec.tuple_name not in cfg.tuples:
        return f"tuple {rec.tuple_name!r} is not defined in this workspace", []
    pins = cfg.tuples[rec.tuple_name]
    for pin in rec.repos:
        repo = cfg.repos.get(pin.name)
        if repo is None:
            return f"repo {pin.name!r} is not defined in this workspace", []
        if repo.url != pin.url:
            return f"repo {pin.name} was cloned from {pin.url!r}, here it is {repo.url!r}", []
        if pins.get(pin.name) != pin.commit:
            here = pins.get(pin.name)
            return (
                f"ran {pin.name}@{pin.commit[:12]}, but tuple {rec.tuple_name} pins "
                + (f"{pin.name}@{here[:12]}" if here else f"no commit of {pin.name}")
            ), []
    if not rec.repos:
        notes.append("the run recorded no pins (it did not start)")
    current = gate.definition_hash()
    if rec.gate_hash != current:
        was = m["gate"]
        now = gate_definition(gate)
        changed = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
        notes.append(
            f"ran an earlier definition of {gate.id} (hash {str(rec.gate_hash)[:12]}, now "
            f"{current[:12]}; changed: {', '.join(changed)}): promotion does not count it"
        )
    return None, notes


def ingest_bundles(
    ws: Workspace, paths: Sequence[Path], *, on_event: Event | None = None
) -> list[IngestResult]:
    """Verify each bundle and append the good ones to the ledger, oldest run first.

    A bad bundle is refused with its reason and the others still land; a run
    already in the ledger with the same record changes nothing. Each run lands
    whole (its directory appears by one rename, then its ledger line) or not at all.
    """
    emit = on_event or (lambda _: None)
    results: dict[int, IngestResult] = {}
    accepted: list[tuple[int, OpenedBundle, list[str]]] = []
    scratch_root = ws.state_dir / "ingest"
    scratch_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bundles-", dir=scratch_root))
    try:
        for n, (path, problem) in enumerate(find_bundles(paths)):
            if problem is not None:
                results[n] = IngestResult(str(path), "refused", problem)
                continue
            emit(f"verifying {path}")
            try:
                opened = open_bundle(path, scratch / str(n))
                refusal, notes = workspace_problems(ws, opened)
                if refusal is None:
                    sig = check_run_signature(ws, opened.run_directory)
                    notes.append(sig.note)
                    refusal = None if sig.ok else sig.note
            except BundleRefused as exc:
                results[n] = IngestResult(str(path), "refused", exc.message)
                continue
            if refusal is not None:
                results[n] = _result(opened, "refused", refusal)
            else:
                accepted.append((n, opened, notes))
        if accepted:
            with ws.lock():
                results.update(_land(ws, accepted, emit))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [results[n] for n in sorted(results)]


def _result(
    opened: OpenedBundle,
    status: str,
    reason: str = "",
    notes: Sequence[str] = (),
    record: str | None = None,
) -> IngestResult:
    return IngestResult(
        bundle=str(opened.source),
        status=status,
        reason=reason,
        run_id=opened.record.run_id,
        gate_id=opened.record.gate_id,
        digest=opened.digest,
        record=record,
        notes=tuple(notes),
    )


def _land(
    ws: Workspace, accepted: list[tuple[int, OpenedBundle, list[str]]], emit: Event
) -> dict[int, IngestResult]:
    """Under the workspace lock: skip runs the ledger has, place and append the rest in order."""
    in_ledger = {e.run_id: e.record_sha256 for e in read_ledger(ws)}
    out: dict[int, IngestResult] = {}
    order = sorted(accepted, key=lambda a: (a[1].record.started_at, a[1].record.run_id))
    for n, opened, notes in order:
        rec = opened.record
        known = in_ledger.get(rec.run_id)
        if known == opened.record_sha256:
            out[n] = _result(opened, "already", notes=["already in the ledger: nothing changed"])
            continue
        if known is not None:
            out[n] = _result(
                opened, "refused", f"the ledger has a different run with id {rec.run_id}"
            )
            continue
        target = run_dir(ws, rec.run_id, rec.date)
        if target.exists():
            on_disk = target / "record.json"
            if not on_disk.is_file() or sha256_file(on_disk) != opened.record_sha256:
                out[n] = _result(
                    opened, "refused", f"{ws.rel(target)} exists and holds another record"
                )
                continue
            notes = [*notes, "completed an ingest that was interrupted before its ledger line"]
        else:
            _place(ws, opened, target)
        emit(f"ingesting {rec.run_id}")
        append_ledger(ws, rec, target / "record.json")
        in_ledger[rec.run_id] = opened.record_sha256
        out[n] = _result(opened, "ingested", notes=notes, record=ws.rel(target / "record.json"))
    return out


def _place(ws: Workspace, opened: OpenedBundle, target: Path) -> None:
    """Copy the run (and its manifest, for provenance) into place with one rename."""
    staging = ws.state_dir / "ingest"
    tmp = Path(tempfile.mkdtemp(prefix=f"{opened.record.run_id}.", suffix=".partial", dir=staging))
    try:
        shutil.copytree(opened.run_directory, tmp, dirs_exist_ok=True)
        (tmp / MANIFEST).write_bytes(opened.manifest_raw)
        for path in tmp.rglob("*"):
            if path.is_file():
                _fsync_file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_rename(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fsync_file(path: Path) -> None:
    """Make a copied file durable before the rename that publishes it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
