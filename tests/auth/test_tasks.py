"""auth.prune: drops old failures, ended locks and long-expired refresh tokens, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from backend.auth.models import LoginFailure, LoginLock, RefreshToken
from backend.auth.tasks import PRUNE_JOB
from tests.auth.helpers import login, login_resp, register


async def _count(app: FastAPI, model: type) -> int:
    async with app.state.runtime.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_prune_removes_only_dead_rows(client: httpx.AsyncClient, app: FastAPI) -> None:
    await register(client)
    old_grant = await login(client)
    await login(client)  # a live session that must survive
    for _ in range(2):
        await login_resp(client, "alice", "wrong-password-1")  # recent failures: kept
    now = datetime.now(UTC)
    async with app.state.runtime.sessionmaker() as session:
        session.add(LoginFailure(subject="u:1", ip=None, created_at=now - timedelta(hours=2)))
        session.add(
            LoginLock(subject="n:ended", locked_until=now - timedelta(minutes=1), created_at=now)
        )
        session.add(
            LoginLock(subject="n:active", locked_until=now + timedelta(minutes=10), created_at=now)
        )
        await session.flush()
        first = (
            (await session.execute(select(RefreshToken.id).order_by(RefreshToken.id)))
            .scalars()
            .first()
        )
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == first)
            .values(expires_at=now - timedelta(days=2))
        )
        await session.commit()
    assert old_grant  # its token row is the one expired above
    counts = await app.state.runtime.jobs.run_now(PRUNE_JOB)
    assert counts == {"login_failures": 1, "login_locks": 1, "refresh_tokens": 1}
    # the two recent failures, each counted for the account and for its (account, address)
    assert await _count(app, LoginFailure) == 4
    assert await _count(app, LoginLock) == 1
    assert await _count(app, RefreshToken) == 1
