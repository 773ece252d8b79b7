"""Start-up objects out of the garbage collector's way, once per process (`gc.freeze`).

After start-up the API process holds ~160,000 long-lived objects (modules, routes, models,
settings); every full collection walks all of them, and under request load one comes every few
hundred requests: a pause of 50-250 ms on the event loop each time on the 2-core development
machine (the p99 of bench/api_overhead.py). Frozen objects are skipped by the collector, so a
full collection walks only what requests left behind. This is CPython's documented use of
`gc.freeze()`; the one price: cyclic garbage among the frozen objects is never reclaimed, so a
collection runs first, and only the first start-up of a process freezes (a process that builds
several apps, as the tests do, does not freeze each one's leftovers in turn).
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_objects() -> bool:
    """Collect, then freeze every object alive now; only the first call does anything."""
    global _frozen
    if _frozen:
        return False
    _frozen = True
    gc.collect()
    gc.freeze()
    return True
