"""`user_changed`: the one call every change to an account makes, and who hears it.

users does not import auth (auth builds on users, never the reverse). The principal cache
(backend/auth/principals.py) registers itself on the app's sessionmaker with `listen`; every
change to a field it caches (role, block, password, profile) calls `user_changed(tx, id)`.
Sessions made outside the app (CLI, worker) carry no listener: there the call does nothing.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import Tx

_LISTENER_KEY = "user_change_listener"


class UserChangeListener(Protocol):
    def user_changed(self, tx: Tx, user_id: int) -> None: ...


class Actor(Protocol):
    """Whoever makes an admin change (a Principal, or anything with an id)."""

    @property
    def id(self) -> int: ...


def listen(sessionmaker: async_sessionmaker[AsyncSession], listener: UserChangeListener) -> None:
    """Sessions of this sessionmaker tell `listener` about every changed user."""
    sessionmaker.configure(info={_LISTENER_KEY: listener})


def user_changed(tx: Tx, user_id: int) -> None:
    """Call on every change to a user's role, state, password, token version or profile."""
    listener = tx.session.info.get(_LISTENER_KEY)
    if listener is not None:
        listener.user_changed(tx, user_id)
