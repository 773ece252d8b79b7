"""A process's memory as Linux reports it (/proc/<pid>/smaps_rollup, status, maps)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

KB = 1024
_SITE = re.compile(r"site-packages/([^/]+)/")


@dataclass(frozen=True)
class Memory:
    """Bytes. USS: pages only this process maps; PSS: shared pages divided among the mappers."""

    rss: int
    pss: int
    uss: int
    anonymous: int
    file: int
    peak: int  # VmHWM: the highest RSS so far
    threads: int

    def as_mb(self) -> dict[str, float]:
        return {k: round(v / 2**20, 1) for k, v in asdict(self).items() if k != "threads"} | {
            "threads": self.threads
        }


def _fields(path: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in path.read_text().splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            out[name] = int(parts[0]) * (KB if parts[1:2] == ["kB"] else 1)
    return out


def memory_of(pid: int) -> Memory:
    rollup = _fields(Path(f"/proc/{pid}/smaps_rollup"))
    status = _fields(Path(f"/proc/{pid}/status"))
    return Memory(
        rss=rollup["Rss"],
        pss=rollup["Pss"],
        uss=rollup["Private_Clean"] + rollup["Private_Dirty"],
        anonymous=rollup["Anonymous"],
        file=status["RssFile"],
        peak=status["VmHWM"],
        threads=status["Threads"],
    )


def native_packages(pid: int) -> set[str]:
    """The packages whose compiled extensions (.so) the process has mapped."""
    found: set[str] = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        native = line.endswith(".so") or ".so." in line
        if native and (match := _SITE.search(line)):
            found.add(match.group(1).removesuffix(".libs"))
    return found


def thread_names(pid: int) -> dict[str, int]:
    """The process's threads by name (Linux truncates names to 15 characters)."""
    names = (p.read_text().strip() for p in Path(f"/proc/{pid}/task").glob("*/comm"))
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))
