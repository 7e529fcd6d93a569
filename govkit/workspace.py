"""Finding, creating and locking a govkit workspace (DESIGN.md §3)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govkit import yamlio
from govkit.errors import ConflictError, ValidationError, WorkspaceNotFound
from govkit.lock import file_lock
from govkit.records.kinds import KINDS

if TYPE_CHECKING:
    from govkit.config import Config

# govkit.config (its dataclasses, the parser registry) and govkit.atomic are imported where
# they are used: commands that only read records or decisions (`decision list`) never
# parse govkit.yaml, and their start-up time is mostly imports.

CONFIG_NAME = "govkit.yaml"


def _read_config(path: Path, state_dir: Path) -> Config:
    """govkit.yaml as a Config: from the parse cache's plain data while the file is unchanged
    (no ruamel import on a warm start), validated each time; an error is found again on the
    round-trip parse, the authority, so it names its line."""
    from govkit.config import parse_config
    from govkit.records.cache import ParseCache

    cache = ParseCache(state_dir, "config")
    try:
        data = cache.load(path)
        cache.save()
        return parse_config(data, path)
    except ValidationError:
        # The round-trip parse says what is wrong, and where (or, should the plain
        # data have misled, gives the Config itself: it is the authority).
        return parse_config(yamlio.load_round_trip(path), path)


class _Under:
    """A read-only attribute of a Workspace: a fixed path below its root."""

    def __init__(self, *parts: str) -> None:
        self.parts = parts

    def __get__(self, ws: Workspace, owner: type | None = None) -> Path:
        return ws.root.joinpath(*self.parts)


@dataclass
class Workspace:
    """A directory holding govkit.yaml, records/, decisions/ and evidence/."""

    root: Path
    _config: Config | None = field(default=None, repr=False)

    # Where things live, relative to the root (DESIGN.md §3).
    config_path = _Under(CONFIG_NAME)
    records_dir = _Under("records")
    decisions_dir = _Under("decisions")
    evidence_dir = _Under("evidence")
    runs_dir = _Under("evidence", "runs")
    ledger_path = _Under("evidence", "ledger.jsonl")
    packets_dir = _Under("evidence", "packets")
    templates_dir = _Under("templates")
    state_dir = _Under(".govkit")  # machine-local state (lock, caches); git-ignored

    @cached_property
    def config(self) -> Config:
        """govkit.yaml, validated."""
        if self._config is None:
            self._config = _read_config(self.config_path, self.state_dir)
        return self._config

    def reload(self) -> None:
        """Forget the cached config (after an edit)."""
        self._config = None
        self.__dict__.pop("config", None)

    @contextmanager
    def lock(self, timeout: float = 60.0) -> Iterator[None]:
        """Serialize mutations against other govkit processes on this workspace."""
        with file_lock(self.state_dir / "lock", timeout=timeout, what="workspace lock"):
            yield

    @contextmanager
    def edit_config(self, *, locked: bool = False) -> Iterator[Any]:
        """Load govkit.yaml round-trip under the lock, yield it, validate and write it back.

        The caller mutates the yielded mapping; nothing is written if the block raises
        or if the result does not validate. `locked=True`: the caller already holds
        `lock()` (flock is not re-entrant across file descriptions).
        """
        from govkit.config import parse_config

        with contextlib.nullcontext() if locked else self.lock():
            data = yamlio.load_round_trip(self.config_path)
            if data is None:
                data = yamlio.new_map()
            yield data
            # Validate the edited document before it replaces the old one.
            parse_config(yamlio.loads_round_trip(yamlio.dumps(data)), self.config_path)
            yamlio.write(self.config_path, data)
        self.reload()

    def check_output(self, path: Path, option: str = "-o") -> None:
        """Refuse to write generated output over govkit's own data (a record, the ledger, …)."""
        target = path.resolve()
        managed = (
            self.records_dir, self.decisions_dir, self.runs_dir, self.packets_dir,
            self.state_dir, self.templates_dir,
        )  # fmt: skip
        if target in (self.config_path.resolve(), self.ledger_path.resolve()) or any(
            target.is_relative_to(d.resolve()) for d in managed
        ):
            raise ValidationError(
                f"{option} {path} would write over govkit's own data ({self.rel(target)})",
                hint="write generated files elsewhere, e.g. STATUS.md at the workspace root",
            )

    def rel(self, path: Path) -> str:
        """Path relative to the workspace root, with forward slashes."""
        # Fast path without resolve() (a syscall per component): paths built from root.
        if ".." not in path.parts:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def find_workspace(start: Path | None = None) -> Workspace:
    """Walk up from `start` (default: cwd) to the nearest directory with govkit.yaml."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_NAME).is_file():
            return Workspace(candidate)
    raise WorkspaceNotFound(
        f"no {CONFIG_NAME} in {here} or any parent directory",
        hint="run `govkit init` to create a workspace, or pass -C DIR",
    )


def open_workspace(directory: Path) -> Workspace:
    """The workspace rooted exactly at `directory` (for -C)."""
    directory = directory.resolve()
    if not (directory / CONFIG_NAME).is_file():
        # -C may point inside a workspace, like git -C.
        return find_workspace(directory)
    return Workspace(directory)


def init_workspace(directory: Path, *, name: str | None = None) -> Workspace:
    """Create govkit.yaml, records/, decisions/ and evidence/ in `directory`."""
    from govkit.atomic import atomic_write_text
    from govkit.config import DEFAULT_CONFIG

    directory = directory.resolve()
    if (directory / CONFIG_NAME).exists():
        raise ConflictError(
            f"{directory / CONFIG_NAME} already exists: this is a workspace already",
            hint="govkit init never touches an existing workspace",
        )
    directory.mkdir(parents=True, exist_ok=True)
    program = name or directory.name
    ws = Workspace(directory)
    with ws.lock():
        if ws.config_path.exists():
            raise ConflictError(f"{ws.config_path} already exists")
        record_dirs = [ws.records_dir / kind.directory for kind in KINDS.values()]
        for sub in record_dirs:
            sub.mkdir(parents=True, exist_ok=True)
        ws.decisions_dir.mkdir(exist_ok=True)
        ws.runs_dir.mkdir(parents=True, exist_ok=True)
        for keep in (ws.decisions_dir, ws.runs_dir, *record_dirs):
            gitkeep = keep / ".gitkeep"
            if not any(keep.iterdir()):
                gitkeep.touch()
        gitignore = directory / ".gitignore"
        existing = gitignore.read_text() if gitignore.exists() else ""
        if ".govkit/" not in existing.split():
            atomic_write_text(
                gitignore,
                existing + ("" if existing.endswith("\n") or not existing else "\n") + ".govkit/\n",
            )
        atomic_write_text(ws.config_path, DEFAULT_CONFIG.format(name=_yaml_scalar(program)))
    return ws


def _yaml_scalar(text: str) -> str:
    return yamlio.dumps({"v": text}).split(":", 1)[1].strip()
