"""The older scheduled jobs, run twice, leave the state the first run left: the equity snapshot
(one point per account and minute) and auth.prune."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.auth.models import RefreshToken
from backend.auth.tasks import prune
from backend.db import transaction
from backend.main import create_app
from backend.trading import tasks
from backend.trading.models import EquitySnapshot
from tests.auth.helpers import signup
from tests.conftest import asgi_client
from tests.trading.conftest import make_user, tick, trading_settings


async def snapshots(sm: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    async with sm() as s:
        stmt = select(EquitySnapshot.user_id, EquitySnapshot.period, EquitySnapshot.at)
        return sorted(tuple(r) for r in (await s.execute(stmt)).all())


async def test_equity_snapshot_twice_in_a_minute_adds_one_point(
    db_url: str, tmp_path: Path
) -> None:
    # the app's own scheduler runs this cron too: at the default 5-minute cadence a run at a
    # minute divisible by 5 took some accounts' points first (CI failed once with first == 1);
    # once a day (00:00 UTC, avoided below) keeps it out of the test's minute
    app = create_app(trading_settings(db_url, tmp_path, trading_snapshot_minutes=1440))
    async with app.router.lifespan_context(app):
        for name in ("eq1", "eq2"):
            _, h = await make_user(app, name)
            async with asgi_client(app) as c:
                await c.get("/api/v1/account", headers=h)
        await tick(app, "BTCUSDT", "60000")
        rt = app.state.runtime
        ctx = {"settings": rt.settings, "sessionmaker": rt.sessionmaker}
        before = datetime.now(UTC)
        while before.second >= 58 or (before.hour, before.minute) == (0, 0):
            # keep both runs inside one minute, and away from the scheduler's own run
            await asyncio.sleep(60 - before.second)
            before = datetime.now(UTC)
        base = await snapshots(rt.sessionmaker)  # opening an account records a first point
        first = await tasks.snapshot_equity(ctx, force=True)
        after_first = await snapshots(rt.sessionmaker)
        second = await tasks.snapshot_equity(ctx, force=True)
        after_second = await snapshots(rt.sessionmaker)
    assert first == 2 and second == 0
    assert after_second == after_first
    added = [p for p in after_first if p not in base]
    assert len(added) == 2 and all(at.second == 0 and at.microsecond == 0 for *_, at in added)


async def test_auth_prune_twice_changes_nothing_more(db_url: str, tmp_path: Path) -> None:
    app = create_app(trading_settings(db_url, tmp_path))
    async with app.router.lifespan_context(app):
        rt = app.state.runtime
        async with asgi_client(app) as c:
            await signup(c, "pruned")  # a login: one refresh token
        async with transaction(rt.sessionmaker) as tx:
            tokens = list((await tx.session.execute(select(RefreshToken))).scalars())
            assert tokens
            for t in tokens:  # long expired: past the one-day grace
                t.expires_at = datetime.now(UTC) - timedelta(days=3)
        ctx = {"settings": rt.settings, "sessionmaker": rt.sessionmaker}
        first = await prune(ctx)
        async with rt.sessionmaker() as s:
            left = list((await s.execute(select(RefreshToken.id))).scalars())
        second = await prune(ctx)
        async with rt.sessionmaker() as s:
            left_again = list((await s.execute(select(RefreshToken.id))).scalars())
    assert first["refresh_tokens"] >= 1 and left == []
    assert set(second.values()) == {0} and left_again == left
