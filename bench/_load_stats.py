"""What `bench/load.py` records while it runs: per endpoint latencies, refusals and errors."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from api_overhead import percentile


@dataclass
class Endpoint:
    latencies_ms: list[float] = field(default_factory=list)
    refused: int = 0  # an answer the workload allows (a cancel that lost to a fill, -2010)
    errors: int = 0


@dataclass
class Stats:
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    refusal_kinds: Counter[str] = field(default_factory=Counter)
    error_kinds: Counter[str] = field(default_factory=Counter)  # HTTP status or exception type
    recording: bool = False  # only the load phase counts (not sign-up, not the drain)

    def _at(self, name: str) -> Endpoint:
        ep = self.endpoints.get(name)
        if ep is None:
            ep = self.endpoints[name] = Endpoint()
        return ep

    def ok(self, name: str, ms: float) -> None:
        if self.recording:
            self._at(name).latencies_ms.append(ms)

    def refused(self, name: str, ms: float, kind: str) -> None:
        if self.recording:
            ep = self._at(name)
            ep.latencies_ms.append(ms)
            ep.refused += 1
            self.refusal_kinds[f"{name}: {kind}"] += 1

    def error(self, name: str, kind: str, detail: str) -> None:
        """Counted in every phase: an error while signing up or draining is an error too."""
        ep = self._at(name)
        ep.errors += 1
        self.error_kinds[kind] += 1
        if ep.errors <= 3:  # the first few of each endpoint
            self.error_samples.append(f"{name}: {detail[:300]}")

    @property
    def requests(self) -> int:
        return sum(len(ep.latencies_ms) for ep in self.endpoints.values())

    @property
    def errors(self) -> int:
        return sum(ep.errors for ep in self.endpoints.values())

    def table(self, seconds: float) -> list[str]:
        lines = [
            f"  {'endpoint':<34} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}"
            f" {'refused':>8} {'errors':>7}"
        ]
        for name in sorted(self.endpoints):
            ep = self.endpoints[name]
            lat = ep.latencies_ms
            p50 = percentile(lat, 50) if lat else 0.0
            p99 = percentile(lat, 99) if lat else 0.0
            lines.append(
                f"  {name:<34} {len(lat):>7} {len(lat) / seconds:>7.1f} {p50:>8.1f} {p99:>8.1f}"
                f" {ep.refused:>8} {ep.errors:>7}"
            )
        return lines

    def figures(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for name, ep in self.endpoints.items():
            lat = ep.latencies_ms
            out[name] = {
                "count": len(lat),
                "p50_ms": round(percentile(lat, 50), 1) if lat else 0.0,
                "p99_ms": round(percentile(lat, 99), 1) if lat else 0.0,
                "refused": ep.refused,
                "errors": ep.errors,
            }
        return out
