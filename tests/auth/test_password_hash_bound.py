"""PASSWORD_HASH_CONCURRENCY: at most that many Argon2 hashes (64 MiB each) run at once."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from backend.main import create_app
from backend.security import Passwords
from tests.conftest import make_settings


class _Gauge:
    """Wraps the real hasher; counts how many of its calls run at the same moment.

    Each call waits (up to 0.3 s) for one more caller than the bound allows to be inside with
    it: unbounded, the extra caller arrives and everyone moves on; bounded, it never can.
    """

    def __init__(self, inner: Any, bound: int) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._crowd = threading.Event()
        self._bound = bound
        self.inside = 0
        self.most = 0

    def _enter(self) -> None:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
            if self.inside > self._bound:
                self._crowd.set()
        self._crowd.wait(timeout=0.3)

    def _leave(self) -> None:
        with self._lock:
            self.inside -= 1

    def hash(self, password: str) -> str:
        self._enter()
        try:
            return str(self._inner.hash(password))
        finally:
            self._leave()

    def verify_and_update(self, password: str, hashed: str) -> tuple[bool, str | None]:
        self._enter()
        try:
            valid, new = self._inner.verify_and_update(password, hashed)
            return bool(valid), new
        finally:
            self._leave()

    def verify(self, password: str, hashed: str) -> bool:
        self._enter()
        try:
            return bool(self._inner.verify(password, hashed))
        finally:
            self._leave()


@pytest.mark.parametrize("bound", [1, 2])
async def test_no_more_hashes_than_the_bound_run_at_once(bound: int) -> None:
    passwords = Passwords(fast=True, concurrency=bound)
    stored = await passwords.hash("violet-tractor-umbrella")
    gauge = _Gauge(passwords._hash, bound)
    passwords._hash = gauge  # type: ignore[assignment]
    results = await asyncio.gather(
        *(passwords.hash("violet-tractor-umbrella") for _ in range(3)),
        *(passwords.verify_and_update("violet-tractor-umbrella", stored) for _ in range(3)),
        passwords.verify_dummy("whatever-it-is"),
    )
    assert gauge.most == bound
    assert all(r[0] for r in results[3:6])  # the real hasher ran: the hash verifies


def test_the_app_bounds_hashing_by_the_setting(tmp_path: Path) -> None:
    settings = make_settings("sqlite+aiosqlite://", tmp_path, password_hash_concurrency=3)
    assert create_app(settings).state.runtime.passwords.concurrency == 3
