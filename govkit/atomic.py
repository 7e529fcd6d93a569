"""Crash-safe file writes: temp file in the same directory, fsync, rename, fsync dir."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace `path` with `data` so readers see the old or the new file, never half of one."""
    try:
        _atomic_write(path, data, mode)
    except OSError as exc:
        # Name the file the caller asked for, not our temp file (`-o /proc/x` would
        # otherwise report '/proc/.x.k2j4.tmp'); still an OSError, so callers that
        # tolerate a failed write (caches) keep doing so, and the CLI reports it.
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Text flavour of atomic_write_bytes (UTF-8, newlines as given)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_rename(src: Path, dst: Path) -> None:
    """Rename and make the directory entries durable."""
    os.replace(src, dst)
    fsync_dir(dst.parent)
    if src.parent != dst.parent:
        fsync_dir(src.parent)


def fsync_dir(directory: Path) -> None:
    """fsync a directory so a rename inside it survives a power cut."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def append_line_durable(path: Path, line: str) -> None:
    """Append one newline-terminated line and fsync (for append-only logs like the ledger)."""
    if not line.endswith("\n"):
        line += "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
