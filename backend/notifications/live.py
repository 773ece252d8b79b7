"""The process's bus as `notify` sees it (set by the `notifications.outbox` part), and the bus
channel that wakes the senders right after a commit (the poll is the safety net)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.bus import Bus

WAKE_CHANNEL = "notifications:wake"

_bus: list[Bus] = []


def current_bus() -> Bus | None:
    return _bus[-1] if _bus else None


def push_bus(bus: Bus) -> None:
    _bus.append(bus)


def pop_bus(bus: Bus) -> None:
    if bus in _bus:
        _bus.remove(bus)
