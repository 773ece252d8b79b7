"""Cancel versus fill, both in flight at once: one winner per round, both winners seen, the ledger
whole after every round (SQLite and PostgreSQL).

Started side by side, the cancel always won: it reaches the account lock in fewer round trips
than the matcher's fill, so the old test never saw a fill. Here a gate transaction holds the
account's writer lock (PG: the row lock; SQLite: the database write lock) while both are
started, so both have done their reads and wait on the lock when it opens; the loser must then
see the winner's result under the lock. PostgreSQL queues row-lock waiters in order, so the one
started first wins and alternating the start order gives both outcomes by construction; SQLite's
busy handler picks a winner by its polling, so the rounds also vary the gap between the starts.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal as D

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from backend.trading.engine import Tick
from tests.trading.conftest import make_user, tick
from tests.trading.ledger_checks import assert_ledger_whole

pytestmark = pytest.mark.committing

ROUNDS = 24
_WAITERS_PG = (
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


async def _wait_for_waiters(gate: AsyncConnection, pg: bool, n: int) -> None:
    """PG: until `n` sessions wait on a lock (bounded). SQLite shows no waiters: a short pause
    lets the started call reach the lock (it only shapes who wins, nothing asserts on it)."""
    if not pg:
        await asyncio.sleep(0.02)
        return
    for _ in range(2000):
        async with gate.engine.connect() as probe:
            if (await probe.execute(text(_WAITERS_PG))).scalar_one() >= n:
                return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{n} lock waiters expected, never seen")


@asynccontextmanager
async def _gate(db_url: str, user_id: int) -> AsyncIterator[AsyncConnection]:
    """A transaction holding the account's writer lock until the block ends (commit)."""
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as conn:
            trans = await conn.begin()
            if conn.dialect.name == "postgresql":
                sql = "SELECT id FROM trading_accounts WHERE user_id = :u FOR UPDATE"
            else:
                sql = "UPDATE trading_accounts SET lock_seq = lock_seq + 1 WHERE user_id = :u"
            await conn.execute(text(sql), {"u": user_id})
            try:
                yield conn
            finally:
                await trans.commit()
    finally:
        await engine.dispose()


async def test_cancel_racing_a_fill_shows_both_winners_and_keeps_the_ledger_whole(
    tapp: FastAPI, tclient: httpx.AsyncClient, db_url: str
) -> None:
    uid, h = await make_user(tapp)
    await tick(tapp, "BTCUSDT", "60000")
    matcher = tapp.state.runtime.trading_matcher
    sessionmaker = tapp.state.runtime.sessionmaker
    pg = db_url.startswith("postgresql")
    outcomes: Counter[str] = Counter()
    for i in range(ROUNDS):
        r = await tclient.post(
            "/api/v1/orders", headers=h,
            json={"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.001",
                  "price": "59000", "time_in_force": "GTC"},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        oid = r.json()["id"]
        assert oid in tapp.state.runtime.trading.index
        t = Tick("BTCUSDT", D("58000"), D("1"), f"race:{i}", datetime.now(UTC))

        def cancel(oid: int = oid) -> Awaitable[httpx.Response]:
            return tclient.delete(f"/api/v1/orders/{oid}", headers=h)

        def fill(t: Tick = t) -> Awaitable[int]:
            return matcher.apply(t)

        starts: list[Callable[[], Awaitable[object]]] = [cancel, fill]
        if i % 2:
            starts.reverse()
        async with _gate(db_url, uid) as gate:
            first = asyncio.ensure_future(starts[0]())
            await _wait_for_waiters(gate, pg, 1)
            if not pg:
                await asyncio.sleep(0.01 * (i % 4))  # vary SQLite's polling phase
            second = asyncio.ensure_future(starts[1]())
            await _wait_for_waiters(gate, pg, 2)
            assert not first.done() and not second.done(), "both must wait on the gate"
        results = await asyncio.gather(first, second)
        resp = next(x for x in results if isinstance(x, httpx.Response))
        order = (await tclient.get(f"/api/v1/orders/{oid}", headers=h)).json()
        trades = [x for x in (await tclient.get("/api/v1/trades", headers=h)).json()
                  if x["order_id"] == oid]  # fmt: skip
        if order["status"] == "CANCELED":
            assert resp.status_code == 200, resp.text
            assert D(order["executed_qty"]) == 0 and trades == []
        else:
            assert order["status"] == "FILLED", order
            assert resp.status_code == 400, resp.text
            assert resp.json()["error"]["details"]["binance_code"] == -2011
            assert len(trades) == 1 and D(trades[0]["qty"]) == D("0.001")
        assert oid not in tapp.state.runtime.trading.index
        outcomes[order["status"]] += 1
        await assert_ledger_whole(sessionmaker, uid)
    print(f"cancel vs fill over {ROUNDS} rounds ({'pg' if pg else 'sqlite'}): {dict(outcomes)}")
    assert outcomes["FILLED"] > 0 and outcomes["CANCELED"] > 0, outcomes
    assert outcomes["FILLED"] + outcomes["CANCELED"] == ROUNDS
    n = outcomes["FILLED"]
    acct = (await tclient.get("/api/v1/account", headers=h)).json()
    bal = {b["asset"]: (D(b["free"]), D(b["locked"])) for b in acct["balances"]}
    assert bal["USDT"] == (D("10000") - D("59") * n, D("0"))
    assert bal["BTC"] == (D("0.000999") * n, D("0"))
