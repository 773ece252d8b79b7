"""A hypothesis state machine over place/cancel/tick/reset against the real services (SQLite).

After every step it checks the ledger invariants from the database rows:
no negative free or locked; locked == what open orders reserve; per asset
start + trade flows - fees == free + locked (current period); fee == rate x received (rounded up
to 8 decimals); executed quantity == sum of its fills <= the order quantity; a repeated
client_order_id returns the first order.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from backend.db import transaction
from backend.errors import AppError
from backend.main import create_app
from backend.trading import account, orders
from backend.trading.models import Order
from backend.trading.rules import OrderType, Side, TimeInForce
from tests.trading.conftest import make_user, trade_frame, trading_settings
from tests.trading.ledger_checks import assert_ledger_whole

START = D("10000")
RATE = D("0.001")
TEMPLATE: Path | None = None
TMP: Path | None = None


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        assert TEMPLATE is not None and TMP is not None
        self.loop = asyncio.new_event_loop()
        db = TMP / f"m{id(self)}.db"
        shutil.copyfile(TEMPLATE, db)
        self.db = db
        self.app = create_app(trading_settings(f"sqlite+aiosqlite:///{db}", TMP))
        self.ctx = self.app.router.lifespan_context(self.app)
        self.run(self.ctx.__aenter__())
        self.user_id, _ = self.run(make_user(self.app))
        self.run(self._open_account())
        self.price = D("60000")
        self.client_ids: dict[str, int] = {}
        self.trade_no = 0

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.ctx.__aexit__(None, None, None))
        self.loop.close()
        self.db.unlink(missing_ok=True)

    @property
    def engine(self) -> Any:
        return self.app.state.runtime.trading

    async def _tx(self, fn: Any, *args: Any) -> Any:
        async with transaction(self.app.state.runtime.sessionmaker) as tx:
            return await fn(tx, self.app.state.runtime.bus, self.engine, self.user_id, *args)

    @initialize()
    def first_price(self) -> None:
        self._tick(self.price, D("0.5"))

    def _tick(self, price: D, qty: D) -> None:
        self.trade_no += 1
        frame = trade_frame("BTCUSDT", str(price), str(qty), self.trade_no)
        self.run(self.app.state.runtime.bus.publish("btcusdt@trade", frame))
        self.run(self.app.state.runtime.trading_matcher.drain())

    @rule(
        side=st.sampled_from(list(Side)),
        kind=st.sampled_from(
            ["MARKET", "LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"]
        ),
        qty=st.sampled_from(["0.001", "0.01", "0.05", "0.1"]),
        offset=st.integers(min_value=-30, max_value=30),
        tif=st.sampled_from(list(TimeInForce)),
        cid=st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
    )
    def place(
        self, side: Side, kind: str, qty: str, offset: int, tif: TimeInForce, cid: str | None
    ) -> None:
        type_ = OrderType(kind)
        price = self.price + D(offset) * 100
        stop = None
        if type_ in (OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT):
            stop = price
        cmd = orders.PlaceOrder(
            symbol="BTCUSDT", side=side, type=type_, quantity=D(qty),
            price=None if type_ is OrderType.MARKET else price,
            stop_price=stop,
            time_in_force=None if type_ in (OrderType.MARKET, OrderType.LIMIT_MAKER) else tif,
            client_order_id=cid,
        )  # fmt: skip
        now = datetime.now(UTC)
        try:
            order = self.run(self._tx(orders.place_order, cmd, now))
        except AppError:
            return
        if cid is not None:
            first = self.client_ids.setdefault(cid, order.id)
            assert order.id == first, "a repeated client_order_id must return the first order"

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        open_ids = self.run(self._open_ids())
        if not open_ids:
            return
        oid = data.draw(st.sampled_from(open_ids))
        self.run(self._tx(orders.cancel_order, oid, datetime.now(UTC)))

    @rule(
        move=st.integers(min_value=-20, max_value=20), qty=st.sampled_from(["0.004", "0.05", "1"])
    )
    def tick(self, move: int, qty: str) -> None:
        self.price = max(D("30000"), min(D("90000"), self.price + D(move) * 100))
        self._tick(self.price, D(qty))

    @rule()
    def reset(self) -> None:
        self.run(self._tx(account.reset_account, datetime.now(UTC)))

    async def _open_account(self) -> None:
        async with transaction(self.app.state.runtime.sessionmaker) as tx:
            await account.ensure_account(tx, self.engine, self.user_id, datetime.now(UTC))

    async def _open_ids(self) -> list[int]:
        async with self.app.state.runtime.sessionmaker() as s:
            rows = await s.execute(
                select(Order.id).where(
                    Order.user_id == self.user_id, Order.status.in_(("NEW", "PARTIALLY_FILLED"))
                )
            )
            return [int(r) for r in rows.scalars()]

    @invariant()
    def ledger_is_whole(self) -> None:
        self.run(
            assert_ledger_whole(
                self.app.state.runtime.sessionmaker, self.user_id, start=START, fee_rate=RATE
            )
        )


@pytest.fixture
def machine_paths(sqlite_template: Path, tmp_path: Path) -> None:
    global TEMPLATE, TMP
    TEMPLATE, TMP = sqlite_template, tmp_path


def test_ledger_invariants_hold_under_random_trading(machine_paths: None) -> None:
    LedgerMachine.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    LedgerMachine.TestCase().runTest()
