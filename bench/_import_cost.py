"""What building the API costs, module by module: `python -X importtime` plus resident memory.

Run by bench/rss.py as `python -X importtime bench/_api_image.py -m _import_cost` (cwd bench/,
the app's settings in the environment). It wraps the interpreter's one loading step
(`importlib._bootstrap._load_unlocked`) to read this process's RSS before and after each module
runs; a module's own share is its growth minus what the modules it imported grew it by. Then it
builds the app as uvicorn would (`create_app()`), and prints one JSON line: RSS after imports and
after create_app, every module's own RSS growth (bytes) and the import time per module, parsed
by bench/rss.py from stderr. Pages first touched later (heap reused, a library's lazy tables) are
not counted here: the running server's figures are bench/rss.py's.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE


def hook_loads(own: dict[str, int]) -> None:
    """Record each module's own RSS growth (bytes) in `own`, keyed by module name."""
    bootstrap: Any = sys.modules["_frozen_importlib"]
    original: Callable[[Any], ModuleType] = bootstrap._load_unlocked
    children: list[int] = [0]  # growth of the modules loaded inside the current one

    def load(spec: Any) -> ModuleType:
        before = rss_bytes()
        children.append(0)
        try:
            return original(spec)
        finally:
            grown = rss_bytes() - before
            inner = children.pop()
            own[spec.name] = own.get(spec.name, 0) + grown - inner
            children[-1] += grown

    bootstrap._load_unlocked = load


def main() -> None:
    own: dict[str, int] = {}
    start = rss_bytes()
    hook_loads(own)
    from backend.main import create_app

    imported = rss_bytes()
    create_app()
    built = rss_bytes()
    report = {
        "rss_start": start,
        "rss_imported": imported,
        "rss_app": built,
        "modules": len(sys.modules),
        "own_rss": own,
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
