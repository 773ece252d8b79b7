"""The principal cache: blocks, role and password changes apply at once, on every replica.

Two app instances share one PostgreSQL database and one Redis bus, like two API replicas. A
change made through A is seen by B as soon as B has received the `users:invalidate` message (the
test waits for that delivery, not for a time); without the bus, B's entry dies with the TTL.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from backend.auth.principals import INVALIDATE_CHANNEL, Principal, PrincipalCache
from backend.main import create_app
from backend.security import Role
from tests.auth.helpers import ME, PASSWORD, bearer, error_code, login, signup
from tests.conftest import REDIS_URL, asgi_client, make_settings

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "Sturdy-Gate-Keeper-71"
USERS = "/api/v1/admin/users"
PG = pytest.mark.parametrize("db_backend", ["postgres"])


@dataclass
class Replica:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def cache(self) -> PrincipalCache:
        cache: PrincipalCache = self.app.state.runtime.principals
        return cache

    @asynccontextmanager
    async def invalidation(self) -> AsyncIterator[None]:
        """Waits, after the body, until this replica's bus has delivered an invalidation."""
        arrived = asyncio.Event()
        sub = await self.app.state.runtime.bus.subscribe(
            INVALIDATE_CHANNEL, lambda *_: arrived.set()
        )
        try:
            yield
            await asyncio.wait_for(arrived.wait(), timeout=10)  # a guard against a hang only
        finally:
            await sub.close()


@asynccontextmanager
async def replica(db_url: str, tmp_path: Path, **kw: Any) -> AsyncIterator[Replica]:
    settings = make_settings(
        db_url,
        tmp_path,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_username="root",
        jobs_inline=True,
        **kw,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        yield Replica(app, client)


@pytest.fixture
async def pair(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> AsyncIterator[tuple[Replica, Replica]]:
    kw = {"redis_url": REDIS_URL, "redis_prefix": redis_prefix}
    async with (
        replica(db_url, tmp_path / "a", **kw) as a,
        replica(db_url, tmp_path / "b", **kw) as b,
    ):
        yield a, b


async def _admin(r: Replica) -> dict[str, str]:
    return bearer((await login(r.client, ADMIN_EMAIL, ADMIN_PASSWORD))["access_token"])


async def _patch_user(r: Replica, admin: dict[str, str], uid: int, body: dict[str, Any]) -> None:
    resp = await r.client.patch(f"{USERS}/{uid}", json=body, headers=admin)
    assert resp.status_code == 200, resp.text


@PG
async def test_block_on_one_replica_rejects_the_token_on_the_other(
    pair: tuple[Replica, Replica],
) -> None:
    a, b = pair
    admin = await _admin(a)
    alice = await signup(a.client, "alice")
    headers = bearer(alice["access_token"])
    assert (await b.client.get(ME, headers=headers)).status_code == 200
    assert alice["user"]["id"] in b.cache._entries  # served from B's cache from now on
    async with b.invalidation():
        await _patch_user(a, admin, alice["user"]["id"], {"is_active": False})
    resp = await b.client.get(ME, headers=headers)
    assert resp.status_code == 401
    assert error_code(resp) == "account_disabled"
    assert (await a.client.get(ME, headers=headers)).status_code == 401  # and on A itself


@PG
async def test_role_change_applies_on_the_other_replica(pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    admin = await _admin(a)
    bob = await signup(a.client, "bob")
    headers = bearer(bob["access_token"])
    assert (await b.client.get(USERS, headers=headers)).status_code == 403
    async with b.invalidation():
        await _patch_user(a, admin, bob["user"]["id"], {"role": "admin"})
    assert (await b.client.get(USERS, headers=headers)).status_code == 200
    assert (await b.client.get(ME, headers=headers)).json()["role"] == "admin"
    async with b.invalidation():
        await _patch_user(a, admin, bob["user"]["id"], {"role": "trader"})
    demoted = await b.client.get(USERS, headers=headers)
    assert demoted.status_code == 403
    assert error_code(demoted) == "insufficient_role"


@PG
async def test_password_change_on_one_replica_ends_access_tokens_on_the_other(
    pair: tuple[Replica, Replica],
) -> None:
    a, b = pair
    carol = await signup(a.client, "carol")
    headers = bearer(carol["access_token"])
    assert (await b.client.get(ME, headers=headers)).status_code == 200
    async with b.invalidation():
        resp = await a.client.post(
            f"{ME}/password",
            json={"current_password": PASSWORD, "new_password": "a-much-better-secret-42"},
            headers=headers,
        )
        assert resp.status_code == 204, resp.text
    stale = await b.client.get(ME, headers=headers)
    assert stale.status_code == 401
    assert error_code(stale) == "token_invalid"


@PG
async def test_profile_edit_shows_on_the_other_replica(pair: tuple[Replica, Replica]) -> None:
    a, b = pair
    dave = await signup(a.client, "dave")
    headers = bearer(dave["access_token"])
    assert (await b.client.get(ME, headers=headers)).json()["username"] == "dave"
    async with b.invalidation():
        resp = await a.client.patch(ME, json={"username": "Dave.R"}, headers=headers)
        assert resp.status_code == 200
    assert (await b.client.get(ME, headers=headers)).json()["username"] == "Dave.R"


def _closed_port() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"redis://127.0.0.1:{port}/0"


@PG
async def test_with_the_bus_down_a_stale_entry_dies_with_the_ttl(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    """A's Redis is down when the block happens: B never hears of it, and its TTL ends it."""
    down = {"redis_url": _closed_port(), "redis_socket_timeout_s": 0.2}
    async with (
        replica(db_url, tmp_path / "a", **down) as a,
        replica(db_url, tmp_path / "b", redis_url=REDIS_URL, redis_prefix=redis_prefix) as b,
    ):
        now = [1000.0]
        b.cache.clock = lambda: now[0]
        grant = await signup(a.client, "erin")
        erin = bearer(grant["access_token"])
        assert (await b.client.get(ME, headers=erin)).status_code == 200
        await _patch_user(a, await _admin(a), grant["user"]["id"], {"is_active": False})
        # committed on A; its publish failed (only logged): B heard nothing
        # The documented bound: B still has the entry until the TTL runs out ...
        assert (await b.client.get(ME, headers=erin)).status_code == 200
        now[0] += b.cache.ttl_s
        gone = await b.client.get(ME, headers=erin)  # ... and not a moment longer
        assert gone.status_code == 401
        assert error_code(gone) == "account_disabled"


async def test_cache_off_still_applies_a_block(db_url: str, tmp_path: Path) -> None:
    async with replica(db_url, tmp_path, auth_user_cache_ttl_s=0) as r:
        admin = await _admin(r)
        frank = await signup(r.client, "frank")
        headers = bearer(frank["access_token"])
        assert (await r.client.get(ME, headers=headers)).status_code == 200
        assert len(r.cache) == 0  # nothing is ever cached
        await _patch_user(r, admin, frank["user"]["id"], {"is_active": False})
        assert (await r.client.get(ME, headers=headers)).status_code == 401


async def test_block_applies_at_once_in_the_same_process(db_url: str, tmp_path: Path) -> None:
    async with replica(db_url, tmp_path) as r:  # MemoryBus: one process
        admin = await _admin(r)
        gina = await signup(r.client, "gina")
        headers = bearer(gina["access_token"])
        assert (await r.client.get(ME, headers=headers)).status_code == 200
        assert gina["user"]["id"] in r.cache._entries
        await _patch_user(r, admin, gina["user"]["id"], {"is_active": False})
        assert (await r.client.get(ME, headers=headers)).status_code == 401


# --- the cache itself ---


def _principal(uid: int = 1, role: Role = Role.TRADER) -> Principal:
    return Principal(uid, "x@example.com", "x", role, True, 0, datetime.now(UTC))


def test_a_load_that_straddles_an_eviction_is_not_kept() -> None:
    cache = PrincipalCache(5.0)
    ticket = cache.ticket()  # a request starts reading the row ...
    cache.evict(1)  # ... a change commits meanwhile ...
    cache.put(_principal(), ticket)  # ... and its (maybe old) read must not be cached
    assert cache.get(1) is None
    cache.put(_principal(), cache.ticket())
    assert cache.get(1) is not None


def test_ttl_and_size_bound() -> None:
    now = [0.0]
    cache = PrincipalCache(5.0, max_size=2, clock=lambda: now[0])
    for uid in (1, 2, 3):
        cache.put(_principal(uid), cache.ticket())
    assert cache.get(1) is None and cache.get(3) is not None  # oldest dropped
    now[0] = 4.9
    assert cache.get(3) is not None
    now[0] = 5.0
    assert cache.get(3) is None


def test_a_disconnected_bus_empties_and_bypasses_the_cache() -> None:
    class FlakyBus:
        connected = True

    bus: Any = FlakyBus()
    cache = PrincipalCache(5.0, bus=bus)
    cache.put(_principal(), cache.ticket())
    assert cache.get(1) is not None
    bus.connected = False  # invalidations may be missed from now on
    assert cache.get(1) is None
    cache.put(_principal(), cache.ticket())
    bus.connected = True
    assert cache.get(1) is None  # what was cached before the outage is gone, nothing after


def test_unreadable_invalidation_clears_everything() -> None:
    cache = PrincipalCache(5.0)
    cache.put(_principal(1), cache.ticket())
    cache.put(_principal(2), cache.ticket())
    cache.on_message(INVALIDATE_CHANNEL, b'{"user_id": 2}')
    assert cache.get(1) is not None and cache.get(2) is None
    cache.on_message(INVALIDATE_CHANNEL, b"garbage")
    assert len(cache) == 0
