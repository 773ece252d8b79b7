"""Accounts linked elsewhere, as `/users/me` shows them (`telegram_linked`), without users
importing the domains that own them: the owner registers its check (main.py wires telegram's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from backend.db import Tx

LinkedCheck = Callable[[Tx, int], Awaitable[bool]]

_CHECKS: dict[str, LinkedCheck] = {}


def register_linked_check(name: str, check: LinkedCheck) -> None:
    _CHECKS[name] = check


async def is_linked(name: str, tx: Tx, user_id: int) -> bool:
    """False when no domain registered `name` (that integration is not part of this build)."""
    check = _CHECKS.get(name)
    return False if check is None else await check(tx, user_id)
