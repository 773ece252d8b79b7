"""Pure helpers of the minute sampler: histogram deltas and quantiles, process CPU and memory.

No FastAPI, no SQLAlchemy: the sampler (sampler.py) feeds them what it reads from the
Prometheus registry and the operating system.
"""

from __future__ import annotations

import math
import os
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import Histogram


@dataclass(frozen=True, slots=True)
class HistogramSnapshot:
    """Cumulative bucket counts (upper bound -> count of observations <= it), all labels summed."""

    buckets: tuple[tuple[float, float], ...]
    count: float

    def minus(self, earlier: HistogramSnapshot) -> HistogramSnapshot:
        """The observations made since `earlier` (a counter reset counts from zero)."""
        if self.count < earlier.count:
            return self
        before = dict(earlier.buckets)
        return HistogramSnapshot(
            tuple((le, n - before.get(le, 0.0)) for le, n in self.buckets),
            self.count - earlier.count,
        )


def snapshot(histogram: Histogram) -> HistogramSnapshot:
    totals: dict[float, float] = {}
    count = 0.0
    for metric in histogram.collect():
        for sample in metric.samples:
            if sample.name.endswith("_bucket"):
                le = float(sample.labels["le"])
                totals[le] = totals.get(le, 0.0) + sample.value
            elif sample.name.endswith("_count"):
                count += sample.value
    return HistogramSnapshot(tuple(sorted(totals.items())), count)


def quantile(snap: HistogramSnapshot, q: float) -> float | None:
    """Prometheus' `histogram_quantile`: linear inside the bucket holding rank q * count; a
    rank in the +Inf bucket gives the largest finite bound. None without observations."""
    if snap.count <= 0:
        return None
    rank = q * snap.count
    lower, below = 0.0, 0.0
    for le, cumulative in snap.buckets:
        if cumulative >= rank:
            if math.isinf(le):
                return lower
            inside = cumulative - below
            return lower + (le - lower) * ((rank - below) / inside if inside > 0 else 1.0)
        lower, below = le, cumulative
    return lower


def cpu_seconds() -> float:
    """CPU time this process has used (user + system), in seconds."""
    times = os.times()
    return times.user + times.system


def rss_bytes() -> int:
    """Resident memory now (Linux /proc), else the peak the OS reports."""
    statm = Path("/proc/self/statm")
    if statm.is_file():
        resident_pages = int(statm.read_text().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS bytes, Linux KiB


class CpuMeter:
    """This process's CPU use between two readings: `lap()` gives the seconds since the last
    lap (or since creation) and the CPU spent meanwhile as a percentage of one core."""

    def __init__(self) -> None:
        self._cpu, self._clock = cpu_seconds(), time.monotonic()

    def lap(self) -> tuple[float, float]:
        cpu, clock = cpu_seconds(), time.monotonic()
        elapsed = max(clock - self._clock, 1e-6)
        percent = max(0.0, cpu - self._cpu) / elapsed * 100
        self._cpu, self._clock = cpu, clock
        return elapsed, percent
