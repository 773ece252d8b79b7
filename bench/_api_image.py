"""Run a module with only the packages the API image installs importable, as in production.

    python bench/_api_image.py -m backend.serve

The dev venv holds the dev extra too (pandas through statsmodels, rich and pygments through
pip-audit and schemathesis, ...), and libraries import what they find: TA-Lib wraps its functions
for pandas when pandas is there (~35 MB), httpx loads its rich/pygments command line. The API
image installs `requirements.prod.lock` without torch and what only torch needs
(`deploy/split_lock.py`, as `Dockerfile.api` does); this launcher makes every other distribution
in the venv unimportable (ModuleNotFoundError, which those libraries expect) and then runs the
module as `python -m` would. Standard library only, besides `deploy/split_lock.py`.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.metadata
import os
import runpy
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.prod.lock"
BLOCKED_ENV = "BENCH_BLOCKED_MODULES"


def _split_lock() -> ModuleType:
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        import split_lock
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    module: ModuleType = split_lock
    return module


def image_distributions(lock: Path = LOCK) -> set[str]:
    """Normalized names of the distributions the API image installs (the lock minus torch's)."""
    split_lock = _split_lock()
    entries = split_lock.parse(lock.read_text())
    torch_only: set[str] = split_lock.only_for(entries, "torch")
    return set(entries) - torch_only


def blocked_modules(allowed: set[str]) -> frozenset[str]:
    """Top-level modules that only distributions outside `allowed` provide (our code excluded)."""
    normalized = _split_lock().normalized
    ours = {p.name for p in ROOT.iterdir()}
    return frozenset(
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if module not in ours and not any(normalized(d) in allowed for d in dists)
    )


class NotInImage(importlib.abc.MetaPathFinder):
    """Refuses the blocked top-level packages (and their submodules) as if not installed."""

    def __init__(self, blocked: frozenset[str]) -> None:
        self.blocked = blocked

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        top = fullname.partition(".")[0]
        if top in self.blocked:
            raise ModuleNotFoundError(f"No module named {top!r} (not in the API image)", name=top)
        return None


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "-m":
        raise SystemExit("usage: python bench/_api_image.py -m MODULE [ARGS...]")
    # bench/rss.py passes the list: working it out here reads every installed distribution's
    # metadata, megabytes that the measured process would then carry.
    given = os.environ.get(BLOCKED_ENV)
    blocked = frozenset(given.split(",")) if given else blocked_modules(image_distributions())
    sys.meta_path.insert(0, NotInImage(blocked))
    module = argv[2]
    sys.argv = [module, *argv[3:]]
    sys.path.insert(0, str(Path.cwd()))
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv)
