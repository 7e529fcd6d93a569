"""How much memory a new command may use: MemAvailable and the cgroup's headroom."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# cgroup v1 reports "no limit" as a huge page-aligned number near 2**63.
_V1_UNLIMITED = 1 << 60


@dataclass(frozen=True)
class MemorySnapshot:
    """Figures admission decides on, in bytes (None: not known / not limited)."""

    mem_total: int | None
    mem_available: int | None
    cgroup_limit: int | None
    cgroup_headroom: int | None

    @property
    def available(self) -> int | None:
        figures = [f for f in (self.mem_available, self.cgroup_headroom) if f is not None]
        return min(figures) if figures else None

    @property
    def ceiling(self) -> int | None:
        """The most this machine/cgroup could ever give: a need above it is hopeless."""
        figures = [f for f in (self.mem_total, self.cgroup_limit) if f is not None]
        return min(figures) if figures else None


def read_meminfo(path: Path = Path("/proc/meminfo")) -> dict[str, int]:
    """/proc/meminfo as name -> bytes (empty where /proc is absent)."""
    out: dict[str, int] = {}
    try:
        text = path.read_text()
    except OSError:
        return out
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            factor = 1024 if len(parts) > 1 and parts[1] == "kB" else 1
            out[name] = int(parts[0]) * factor
    return out


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _mounts() -> tuple[Path | None, Path | None, str, str]:
    """(cgroup2 mount, v1 memory mount, their mount roots) from /proc/self/mountinfo."""
    v2: Path | None = None
    v1: Path | None = None
    v2_root = v1_root = "/"
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None, None, "/", "/"
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) < 5 or len(rfields) < 3:
            continue
        if rfields[0] == "cgroup2" and v2 is None:
            v2, v2_root = Path(fields[4]), fields[3]
        elif rfields[0] == "cgroup" and "memory" in rfields[2].split(",") and v1 is None:
            v1, v1_root = Path(fields[4]), fields[3]
    return v2, v1, v2_root, v1_root


def _own_cgroup_dirs(mount: Path, mount_root: str, cg_path: str) -> list[Path]:
    """Our cgroup directory and its ancestors up to the mount, innermost first."""
    rel = os.path.relpath(cg_path, mount_root) if cg_path.startswith(mount_root) else cg_path
    rel = rel.lstrip("/").removeprefix(".")
    here = mount / rel if rel else mount
    if not here.is_dir():  # a cgroup namespace: our cgroup is the mount itself
        here = mount
    dirs = [here]
    while here != mount and mount in here.parents:
        here = here.parent
        dirs.append(here)
    return dirs


def memory_cgroups() -> list[tuple[str, list[Path]]]:
    """Our memory cgroup directories per hierarchy ("v1"/"v2"), innermost first."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    v2_path = v1_path = None
    for line in lines:
        hid, controllers, path = [*line.split(":", 2), "", ""][:3]
        if hid == "0" and controllers == "":
            v2_path = path
        elif "memory" in controllers.split(","):
            v1_path = path
    v2, v1, v2_root, v1_root = _mounts()
    out: list[tuple[str, list[Path]]] = []
    if v1 is not None and v1_path is not None:
        out.append(("v1", _own_cgroup_dirs(v1, v1_root, v1_path)))
    if v2 is not None and v2_path is not None:
        out.append(("v2", _own_cgroup_dirs(v2, v2_root, v2_path)))
    return out


def cgroup_figures() -> tuple[int | None, int | None]:
    """(tightest limit, least headroom) over our cgroup and its ancestors; None if unlimited."""
    pairs: list[tuple[int, int]] = []
    for version, dirs in memory_cgroups():
        limit_file, usage_file = (
            ("memory.limit_in_bytes", "memory.usage_in_bytes")
            if version == "v1"
            else ("memory.max", "memory.current")
        )
        for d in dirs:
            limit = _read_int(d / limit_file)
            usage = _read_int(d / usage_file)
            if limit is not None and usage is not None and limit < _V1_UNLIMITED:
                pairs.append((limit, max(0, limit - usage)))
    if not pairs:
        return None, None
    return min(p[0] for p in pairs), min(p[1] for p in pairs)


def snapshot() -> MemorySnapshot:
    """Memory figures now."""
    info = read_meminfo()
    limit, headroom = cgroup_figures()
    return MemorySnapshot(
        mem_total=info.get("MemTotal"),
        mem_available=info.get("MemAvailable"),
        cgroup_limit=limit,
        cgroup_headroom=headroom,
    )


def oom_kill_count() -> int:
    """Kernel OOM kills so far, machine-wide (/proc/vmstat; cgroup kills count there too)."""
    total = 0
    try:
        for line in Path("/proc/vmstat").read_text().splitlines():
            if line.startswith("oom_kill "):
                total += int(line.split()[1])
    except (OSError, ValueError):
        pass
    return total
