"""Annotated dependencies built from the runtime (`app.state.runtime`), so tests override, not patch.

All are `async def`, even those that never await: FastAPI runs a plain `def` dependency in the
thread pool, a thread hop per request for an attribute read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.auth.deps import authenticate, check_role, current_principal, oauth2_scheme
from backend.auth.principals import Principal
from backend.bus import Bus
from backend.config import Settings
from backend.db import Tx, transaction
from backend.jobs import Jobs
from backend.runtime import Runtime
from backend.security import Passwords, Role
from backend.users.models import User


def runtime_of(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


async def get_settings_dep(request: Request) -> Settings:
    return runtime_of(request).settings


async def get_tx(request: Request) -> AsyncIterator[Tx]:
    # One transaction per request: commit once after the handler, roll back on any exception
    # except one marked `keeps_writes` (a counted failed login): see db.transaction.
    async with transaction(runtime_of(request).sessionmaker) as tx:
        yield tx


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    return runtime_of(request).sessionmaker


async def get_bus(request: Request) -> Bus:
    return runtime_of(request).bus


async def get_jobs(request: Request) -> Jobs:
    return runtime_of(request).job_queue


async def get_passwords(request: Request) -> Passwords:
    return runtime_of(request).passwords


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
PasswordsDep = Annotated[Passwords, Depends(get_passwords)]
# scope="function": the commit finishes before the response is sent (FastAPI >= 0.121), so a
# failed commit can never be reported as success.
TxDep = Annotated[Tx, Depends(get_tx, scope="function")]
# For a hot write route that opens its own `transaction(...)` in the handler: a yield dependency
# (TxDep) costs about 0.3 ms per request in FastAPI's exit-stack and cancel-scope machinery
# (bench/orders.py); committing inside the handler keeps the same guarantee.
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
BusDep = Annotated[Bus, Depends(get_bus)]
JobsDep = Annotated[Jobs, Depends(get_jobs)]


# --- auth: the logic lives in backend/auth/deps.py ---


# The principal, from the per-process cache (no transaction); see auth/principals.py.
get_current_user = current_principal


async def get_current_user_row(
    request: Request, tx: TxDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    return await authenticate(runtime_of(request).access_tokens, tx, token)


# Who is asking: id, role, profile fields (frozen; read from the cache, never a transaction).
CurrentUser = Annotated[Principal, Depends(get_current_user)]
# The user's row loaded in the request's TxDep, checked against the database: for routes that
# change it (profile, password).
CurrentUserRow = Annotated[User, Depends(get_current_user_row)]


def require_role(role: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    async def check(user: CurrentUser) -> Principal:
        return check_role(user, role)

    check.__name__ = f"require_{role.value}"
    return check


def RequireRole(role: Role) -> Any:
    """`dependencies=[RequireRole(Role.ADMIN)]` on a router or route (trader < analyst < admin)."""
    return Depends(require_role(role))


AnalystUser = Annotated[Principal, Depends(require_role(Role.ANALYST))]
AdminUser = Annotated[Principal, Depends(require_role(Role.ADMIN))]
