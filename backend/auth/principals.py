"""The authenticated principal: what a request needs of its user, cached per process.

A request with a valid access token is answered from this cache without a database round trip.
What keeps "a blocked user's tokens stop working at once", "a password change revokes every
session" and "a role change applies at once" true:

1. Every change to a cached field goes through `user_changed(tx, user_id)` (backend/users/
   changes.py, which calls `PrincipalCache.user_changed`): the entry is evicted in this process
   at once and again right after the commit, and the commit publishes `users:invalidate` on
   the bus, which every API replica subscribes to at start-up (`principal_cache`) and applies
   as soon as it arrives.
2. A load that raced with an eviction is not stored (the eviction counter moved meanwhile), so a
   read from before the commit never re-fills the cache with the old row.
3. While the Redis bus reports itself disconnected, the cache is emptied and bypassed: every
   request reads the database, as without a cache.
4. A TTL (`AUTH_USER_CACHE_TTL_S`, default 5 s; 0 turns the cache off) is the safety net.
5. Long-lived holders of a principal (open `/ws` sessions) `watch` a user id: every eviction of
   it (and every `clear`) calls them back, and they re-check their token against a fresh load.

The honest bound: a replica serves a stale principal for at most the TTL when an invalidation
never reaches it while its bus still looks connected (a publish that failed because Redis was
down at that moment, a message lost in a reconnect the reader had not noticed yet), or when a
user row is changed outside the application (SQL by hand, a CLI run without Redis). With the bus
up, the other replicas evict within the Redis pub/sub delay (well under a millisecond here), and
the replica that made the change before its response is sent.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import Bus
from backend.db import Tx
from backend.runtime import Runtime
from backend.security import Role
from backend.users import changes, links
from backend.users.models import User
from backend.users.repository import UserRepository

INVALIDATE_CHANNEL = "users:invalidate"


@dataclass(frozen=True, slots=True)
class Principal:
    """The user behind a request, as far as authorization and /users/me need it."""

    id: int
    email: str
    username: str
    role: Role
    is_active: bool
    token_version: int
    created_at: datetime
    # /users/me's `telegram_linked`, cached with the rest: linking and unlinking call
    # `user_changed` like any other change (the bot's commits announce it on the Redis bus)
    telegram_linked: bool = False

    @classmethod
    def of(cls, user: User, *, telegram_linked: bool = False) -> Principal:
        return cls(
            id=user.id,
            email=user.email,
            username=user.username,
            role=user.role,
            is_active=user.is_active,
            token_version=user.token_version,
            created_at=user.created_at,
            telegram_linked=telegram_linked,
        )


class PrincipalCache:
    """user id -> Principal, bounded, with a TTL. Event-loop thread only (no locks needed)."""

    def __init__(
        self,
        ttl_s: float,
        *,
        bus: Bus | None = None,
        max_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.bus = bus
        self.clock = clock
        self._max_size = max_size
        self._entries: OrderedDict[int, tuple[Principal, float]] = OrderedDict()
        self._evictions = 0  # bumped by every eviction: a load that straddles one is not kept
        self._watchers: dict[int, set[Callable[[], None]]] = {}

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0 and self._bus_connected()

    def _bus_connected(self) -> bool:
        # RedisBus says when its subscriber is down: invalidations may be missed meanwhile.
        connected = getattr(self.bus, "connected", True) if self.bus is not None else True
        if not connected and self._entries:
            self.clear()
        return bool(connected)

    def get(self, user_id: int) -> Principal | None:
        if not self.enabled:
            return None
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        principal, expires_at = entry
        if expires_at <= self.clock():
            del self._entries[user_id]
            return None
        return principal

    def ticket(self) -> int:
        """Taken before a database load; `put` keeps the load only if no eviction came between."""
        return self._evictions

    def put(self, principal: Principal, ticket: int) -> None:
        if ticket != self._evictions or not self.enabled:
            return
        self._entries[principal.id] = (principal, self.clock() + self.ttl_s)
        self._entries.move_to_end(principal.id)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)

    def evict(self, user_id: int) -> None:
        self._evictions += 1
        self._entries.pop(user_id, None)
        watchers = self._watchers.get(user_id)
        if watchers:
            self._notify(tuple(watchers))

    def clear(self) -> None:
        self._evictions += 1
        self._entries.clear()
        if self._watchers:
            self._notify(tuple(cb for cbs in self._watchers.values() for cb in cbs))

    def watch(self, user_id: int, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (sync, quick: it should only schedule work) on every eviction of
        `user_id`; returns the function that stops it."""
        self._watchers.setdefault(user_id, set()).add(callback)

        def unwatch() -> None:
            watchers = self._watchers.get(user_id)
            if watchers is not None:
                watchers.discard(callback)
                if not watchers:
                    del self._watchers[user_id]

        return unwatch

    @staticmethod
    def _notify(callbacks: tuple[Callable[[], None], ...]) -> None:
        for callback in callbacks:
            try:
                callback()
            except Exception:  # one broken watcher must not stop the eviction or the others
                logger.exception("auth.watcher_failed")

    def __len__(self) -> int:
        return len(self._entries)

    def user_changed(self, tx: Tx, user_id: int) -> None:
        """The users.changes listener: evict now, and announce to every replica after commit."""
        self.evict(user_id)  # a later read in this process waits for the commit to be re-cached

        async def announce() -> None:
            await self.announce(user_id)

        tx.on_commit(announce)

    # --- the bus ---

    async def announce(self, user_id: int) -> None:
        """Evict here, then tell every replica (after the commit that changed the user)."""
        self.evict(user_id)
        if self.bus is not None:
            await self.bus.publish(INVALIDATE_CHANNEL, json.dumps({"user_id": user_id}).encode())

    def on_message(self, _channel: str, data: bytes) -> None:
        try:
            user_id = int(json.loads(data)["user_id"])
        except (ValueError, KeyError, TypeError):
            logger.bind(data=data[:100].decode(errors="replace")).warning("auth.bad_invalidation")
            self.clear()  # unreadable: forget everything rather than keep something stale
            return
        self.evict(user_id)


def attach(sessionmaker: async_sessionmaker[AsyncSession], cache: PrincipalCache) -> None:
    """Sessions of this app carry the cache, so `user_changed` reaches it from any Tx."""
    changes.listen(sessionmaker, cache)


# Kept under its old name for callers in auth; users calls backend.users.changes directly.
user_changed = changes.user_changed


async def load(
    cache: PrincipalCache, sessionmaker: async_sessionmaker[AsyncSession], user_id: int
) -> Principal | None:
    """From the cache, else from the database (and then cached)."""
    principal = cache.get(user_id)
    if principal is not None:
        return principal
    ticket = cache.ticket()
    async with sessionmaker() as session:  # read only: closing it ends the transaction
        user = await UserRepository(session).get(user_id)
        if user is None:
            principal = None
        else:
            linked = await links.is_linked("telegram", Tx(session), user.id)
            principal = Principal.of(user, telegram_linked=linked)
    if principal is not None:
        cache.put(principal, ticket)
    return principal


@asynccontextmanager
async def principal_cache(rt: Runtime) -> AsyncIterator[None]:
    """A part (backend/main.py PARTS): the cache, fed by `users:invalidate` on the bus."""
    bus: Bus = rt.bus
    cache = rt.principals  # built with the runtime (runtime.py)
    attach(rt.sessionmaker, cache)
    subscription = await bus.subscribe(INVALIDATE_CHANNEL, cache.on_message)
    try:
        yield
    finally:
        await subscription.close()
