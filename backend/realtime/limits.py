"""Caps on open `/ws` connections: per client address and per process.

Checked during the handshake, before it is accepted: a refused client gets a plain HTTP answer
instead of the WebSocket upgrade, 429 (too many from its address) or 503 (this process is full),
both with `Retry-After`. A slot is taken before the accept and given back when the connection
ends, however it ends. Counts are per process (each API replica counts its own connections): the
proxy in front bounds the whole deployment. The address is `scope["client"]`, which
backend/client_address.py sets from trusted proxies only, so a client cannot spread itself over
forged addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

PER_ADDRESS = 429
PROCESS_FULL = 503


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    reason: str  # the metric label (cd_ws_refused_total)
    detail: str


class ConnectionLimits:
    def __init__(self, max_total: int, max_per_address: int) -> None:
        self._max_total = max_total
        self._max_per_address = max_per_address
        self._by_address: dict[str, int] = {}
        self.total = 0

    def count(self, address: str) -> int:
        return self._by_address.get(address, 0)

    def acquire(self, address: str) -> Refusal | None:
        """Take a slot for one connection from `address`, or say why not (nothing taken)."""
        if self.total >= self._max_total:
            return Refusal(PROCESS_FULL, "process", "too many WebSocket connections on this server")
        held = self._by_address.get(address, 0)
        if held >= self._max_per_address:
            return Refusal(
                PER_ADDRESS, "per_address", "too many WebSocket connections from this address"
            )
        self._by_address[address] = held + 1
        self.total += 1
        return None

    def release(self, address: str) -> None:
        held = self._by_address.get(address, 0)
        if held == 0:
            return
        if held == 1:
            del self._by_address[address]
        else:
            self._by_address[address] = held - 1
        self.total -= 1
