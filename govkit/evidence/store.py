"""Where evidence lives, and the hash-chained ledger that indexes it.

Layout: evidence/runs/<YYYY-MM-DD>/<run-id>/{record.json, stdout.log, stderr.log, artifacts/}
and evidence/ledger.jsonl, one line per run:

    {"seq": 1, "run_id": …, "record": "runs/…/record.json", "record_sha256": …,
     "gate_id": …, "outcome": …, "started_at": …, "claim_grade": …, "tuple_name": …,
     "commit": …, "pins": {repo: sha}, "gate_hash": …, "counts": {…} | null, "prev": <hash of previous line>, "hash": …}

`hash` is sha256 over the entry's canonical JSON without `hash`; `prev` of the
first entry is 64 zeros. Any edit, insertion or deletion breaks the chain.
The summary fields let render and promotion answer from the ledger alone;
audit checks them against the records.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from govkit.atomic import append_line_durable, atomic_write_text
from govkit.errors import ConflictError, GovkitError, NotFound, ValidationError
from govkit.evidence.record import Counts, EvidenceRecord, sha256_file
from govkit.evidence.signing import RECORD_SIG, sign_bytes, signer_identity, signing_setup
from govkit.lock import file_lock
from govkit.problems import Problem
from govkit.timeutil import compact_stamp
from govkit.workspace import Workspace

GENESIS = "0" * 64


# 12 hex digits (48 random bits) per id: bundles merged from many CI runners that start the
# same gate in the same millisecond still collide with odds of about n²/2⁴⁹, and a collision
# that does happen on one machine is caught by `claim_run_dir` and retried.
RUN_ID_TOKEN_BYTES = 6
RUN_DIR_ATTEMPTS = 8


def new_run_id(
    gate_id: str, started_at: str, *, token: Callable[[int], str] = secrets.token_hex
) -> str:
    """'20261121T044500.123Z-VG-LA-002-3f9a0c1d2e4b': sortable by time, unique, path-safe."""
    millis = started_at[20:23] if len(started_at) >= 23 and started_at[19] == "." else "000"
    stamp = compact_stamp(started_at)[:-1] + f".{millis}Z"
    return f"{stamp}-{gate_id}-{token(RUN_ID_TOKEN_BYTES)}"


def claim_run_dir(
    ws: Workspace,
    gate_id: str,
    started_at: str,
    *,
    token: Callable[[int], str] = secrets.token_hex,
) -> tuple[str, Path]:
    """A fresh run id and its newly created run directory; another id if that one is taken.

    mkdir is the claim: it fails for every process but one, on any filesystem.
    """
    for _ in range(RUN_DIR_ATTEMPTS):
        run_id = new_run_id(gate_id, started_at, token=token)
        directory = run_dir(ws, run_id, started_at[:10])
        directory.parent.mkdir(parents=True, exist_ok=True)
        try:
            directory.mkdir()
        except FileExistsError:
            continue
        return run_id, directory
    raise ConflictError(
        f"could not claim a new run directory under {ws.rel(ws.runs_dir / started_at[:10])}: "
        f"{RUN_DIR_ATTEMPTS} random run ids in a row were already taken",
        hint="something keeps creating run directories there; check for a runaway process",
    )


def run_dir(ws: Workspace, run_id: str, date: str) -> Path:
    """evidence/runs/<date>/<run-id>/."""
    return ws.runs_dir / date / run_id


def entry_record_path(ws: Workspace, entry: LedgerEntry) -> Path:
    """The record.json a ledger entry names."""
    return ws.evidence_dir / entry.record


@dataclass(frozen=True)
class LedgerEntry:
    """One line of ledger.jsonl."""

    seq: int
    run_id: str
    record: str  # path relative to evidence/
    record_sha256: str
    gate_id: str
    outcome: str
    started_at: str
    claim_grade: bool
    tuple_name: str | None
    commit: str | None  # the working repo's commit
    pins: dict[str, str]  # every repo of the tuple -> commit
    gate_hash: str | None
    counts: dict[str, int] | None
    prev: str
    hash: str

    def test_counts(self) -> Counts | None:
        """The entry's counts as a Counts (None when the run counted no tests)."""
        return Counts(**self.counts) if self.counts else None

    def body(self) -> dict[str, Any]:
        data = asdict(self)
        del data["hash"]
        return data


def entry_hash(body: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of an entry without its own hash."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def write_record(ws: Workspace, record: EvidenceRecord) -> Path:
    """Write record.json atomically into its run dir and append the ledger; return the path.

    Logs and artifacts must already be in the run dir (their digests are in the record).
    """
    return store_record(ws, record)[1]


def store_record(ws: Workspace, record: EvidenceRecord) -> tuple[EvidenceRecord, Path]:
    """write_record(), also returning the record as stored (with its signer, or unsigned and
    not claim-grade when signing was configured but failed)."""
    directory = run_dir(ws, record.run_id, record.date)
    path = directory / "record.json"
    if path.exists():
        raise ValidationError("evidence records are immutable; this run id exists", path=path)
    final, signature = signed_record(ws, record)
    text = final.to_json()
    if signature is not None:
        # The signature first: a record.json on disk is always complete, signed or not.
        atomic_write_text(directory / RECORD_SIG, signature)
    atomic_write_text(path, text)
    append_ledger(ws, final, path)
    return final, path


def signed_record(ws: Workspace, record: EvidenceRecord) -> tuple[EvidenceRecord, str | None]:
    """(the record to store, the SSH signature of its JSON or None).

    Signed when signing.key is configured; a run that cannot be signed is still
    recorded, unsigned and not claim-grade, saying why.
    """
    try:
        setup = signing_setup(ws)
        if setup.key is None:
            return record, None
        signed = replace(record, signer=signer_identity(setup).as_record())
        return signed, sign_bytes(setup, signed.to_json().encode("utf-8"))
    except GovkitError as exc:
        where = f" ({exc.path})" if exc.path else ""
        reason = f"the record could not be signed{where}: {exc.message}"
        unsigned = replace(
            record,
            signer=None,
            claim_grade=False,
            not_claim_grade_because=[*record.not_claim_grade_because, reason],
        )
        return unsigned, None


def append_ledger(ws: Workspace, record: EvidenceRecord, path: Path) -> LedgerEntry:
    """Append one chained line for `record` (under the ledger lock)."""
    with file_lock(ws.state_dir / "ledger.lock", what="ledger lock"):
        last = _last_entry(ws.ledger_path)
        pin = record.working_pin
        body: dict[str, Any] = {
            "seq": (last.seq + 1) if last else 1,
            "run_id": record.run_id,
            "record": path.relative_to(ws.evidence_dir).as_posix(),
            "record_sha256": sha256_file(path),
            "gate_id": record.gate_id,
            "outcome": record.outcome.value,
            "started_at": record.started_at,
            "claim_grade": record.claim_grade,
            "tuple_name": record.tuple_name,
            "commit": pin.commit if pin else None,
            "pins": {p.name: p.commit for p in record.repos},
            "gate_hash": record.gate_hash,
            "counts": asdict(record.counts) if record.counts else None,
            "prev": last.hash if last else GENESIS,
        }
        entry = LedgerEntry(**body, hash=entry_hash(body))
        append_line_durable(
            ws.ledger_path, json.dumps(asdict(entry), sort_keys=True, ensure_ascii=False)
        )
        return entry


def check_ledger_tail(ws: Workspace) -> None:
    """Raise ValidationError if the ledger's last line is damaged (nothing could be appended)."""
    _last_entry(ws.ledger_path)


def _last_entry(path: Path) -> LedgerEntry | None:
    if not path.is_file() or path.stat().st_size == 0:
        return None
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        block = min(size, 65536)
        fh.seek(size - block)
        tail = fh.read().splitlines()
    for n, raw in enumerate(reversed(tail)):
        if raw.strip():
            try:
                return parse_ledger_line(raw, path, None)
            except ValidationError as exc:
                # Name the line (counting is only paid on this error path).
                with path.open("rb") as fh:
                    data = fh.read()
                total = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
                exc.line = total - n
                raise
    return None


def parse_ledger_line(raw: bytes | str, path: Path, line: int | None) -> LedgerEntry:
    """One ledger line as a LedgerEntry; a ValidationError naming the file and line if it is not."""
    try:
        data = json.loads(raw)
        return LedgerEntry(**data)
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as exc:
        raise ValidationError(
            f"malformed ledger line: {exc}",
            path=path,
            line=line,
            hint="`govkit evidence verify` lists every broken line; the ledger is append-only, "
            "so restore it from version control or a backup rather than editing it",
        ) from None


def read_ledger(ws: Workspace) -> list[LedgerEntry]:
    """Every ledger entry in order (no verification; see verify_chain)."""
    path = ws.ledger_path
    if not path.is_file():
        return []
    entries = []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if raw.strip():
                entries.append(parse_ledger_line(raw, path, n))
    return entries


def iter_ledger_newest_first(ws: Workspace, *, block: int = 1 << 20) -> Iterator[LedgerEntry]:
    """Ledger entries from the end of the file backwards, read lazily in blocks.

    `evidence list --limit N` stops after N matches instead of parsing 100k lines.
    """
    path = ws.ledger_path
    if not path.is_file():
        return
    with path.open("rb") as fh:
        fh.seek(0, 2)
        pos = fh.tell()
        rest = b""
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            chunk = fh.read(step) + rest
            lines = chunk.split(b"\n")
            rest = lines.pop(0)  # may be cut mid-line; completed by the next block
            for raw in reversed(lines):
                if raw.strip():
                    yield parse_ledger_line(raw, path, None)
        if rest.strip():
            yield parse_ledger_line(rest, path, 1)


def ledger_problem(ws: Workspace, line: int, message: str) -> Problem:
    """A break in the ledger at `line` (a Problem with code "ledger")."""
    return Problem("ledger", ws.rel(ws.ledger_path), line, message)


def entry_hash_ok(entry: LedgerEntry) -> bool:
    """Does an entry's hash match its content?"""
    body = dict(vars(entry))
    del body["hash"]
    return entry_hash(body) == entry.hash


def scan_ledger(
    ws: Workspace, *, hashes: bool = True
) -> tuple[list[tuple[int, LedgerEntry]], list[Problem]]:
    """One pass over the ledger: (line, entry) of every parsable line, and every chain problem.

    With hashes=False the entries' own hashes are not recomputed (seq and prev
    links still are): audit checks them with `entry_hash_ok` in parallel.
    """
    problems: list[Problem] = []
    entries: list[tuple[int, LedgerEntry]] = []
    path = ws.ledger_path
    if not path.is_file():
        return entries, problems

    def broken(line: int, message: str) -> None:
        problems.append(ledger_problem(ws, line, message))

    prev = GENESIS
    expected_seq = 1
    with path.open("rb") as fh:
        data = fh.read()
    for n, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            entry = parse_ledger_line(raw, path, n)
        except ValidationError as exc:
            broken(n, exc.message)
            prev = ""
            expected_seq += 1
            continue
        entries.append((n, entry))
        if entry.seq != expected_seq:
            broken(n, f"seq {entry.seq}, expected {expected_seq}")
        if entry.prev != prev:
            broken(n, "prev does not match the previous entry's hash")
        if hashes and not entry_hash_ok(entry):
            broken(n, "entry hash does not match its content")
        prev = entry.hash
        expected_seq = entry.seq + 1 if isinstance(entry.seq, int) else expected_seq + 1
    return entries, problems


def verify_chain(ws: Workspace) -> list[Problem]:
    """Check seq, prev links and entry hashes of the whole ledger."""
    return scan_ledger(ws)[1]


def iter_record_paths(ws: Workspace) -> Iterator[Path]:
    """Every record.json under evidence/runs, oldest first."""
    if not ws.runs_dir.is_dir():
        return
    for day in sorted(p for p in ws.runs_dir.iterdir() if p.is_dir()):
        for run in sorted(p for p in day.iterdir() if p.is_dir()):
            path = run / "record.json"
            if path.is_file():
                yield path


def iter_records(ws: Workspace) -> Iterator[EvidenceRecord]:
    """Every evidence record, oldest first."""
    for path in iter_record_paths(ws):
        yield EvidenceRecord.load(path)


def find_run(ws: Workspace, run_ref: str) -> Path:
    """record.json of a run by full id, unique prefix, or path."""
    as_path = Path(run_ref)
    if as_path.name == "record.json" and as_path.is_file():
        return as_path
    if (as_path / "record.json").is_file():
        return as_path / "record.json"
    # Fast path: the ledger knows every run's record path.
    matches = [e for e in read_ledger(ws) if e.run_id == run_ref]
    if not matches:
        matches = [e for e in read_ledger(ws) if e.run_id.startswith(run_ref)]
    if len(matches) == 1:
        return entry_record_path(ws, matches[0])
    if len(matches) > 1:
        raise ValidationError(
            f"run {run_ref!r} is ambiguous ({len(matches)} runs match)", hint="give more of the id"
        )
    for path in iter_record_paths(ws):
        if path.parent.name == run_ref:
            return path
    raise NotFound(f"no run {run_ref!r}", hint="`govkit evidence list` shows the runs")


def load_run(ws: Workspace, run_ref: str) -> EvidenceRecord:
    """The evidence record of a run."""
    return EvidenceRecord.load(find_run(ws, run_ref))
