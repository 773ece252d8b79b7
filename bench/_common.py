"""Shared bench helpers: print our figure beside the bare baseline's, their ratio, one JSON line.

Benches measure our path and a bare baseline in the same run (STYLE.md §11); they assert
correctness, never time.
"""

from __future__ import annotations

import json
import resource
from typing import Any


def raise_fd_limit(wanted: int = 65_536) -> int:
    """Lift the soft open-files limit towards `wanted` (capped by the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return max(soft, target)


def row(label: str, ours: float, bare: float, unit: str) -> None:
    ratio = ours / bare if bare else float("nan")
    print(f"  {label:<34} ours {ours:>12,.1f}   bare {bare:>12,.1f}  {unit:<8} ratio {ratio:.2f}")


def emit(bench: str, figures: dict[str, Any]) -> None:
    """The one machine-readable line of a bench run."""
    print(json.dumps({"bench": bench, **figures}, sort_keys=True))
