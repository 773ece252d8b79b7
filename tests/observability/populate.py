"""Real rows in the domain tables (orders, fills, alert firings, outbox deliveries) at chosen
times, for the dashboard's figures."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backend.alerts.models import Alert, AlertFiring
from backend.db import transaction
from backend.notifications.models import Notification, NotificationDelivery
from backend.runtime import Runtime
from backend.trading.models import Order, Trade


@dataclass
class Rows:
    rt: Runtime
    user_id: int

    async def order(self, at: datetime, *, symbol: str = "BTCUSDT") -> int:
        async with transaction(self.rt.sessionmaker) as tx:
            order = Order(
                user_id=self.user_id,
                period=1,
                client_order_id=uuid.uuid4().hex,
                symbol=symbol,
                base_asset=symbol.removesuffix("USDT"),
                quote_asset="USDT",
                side="BUY",
                type="MARKET",
                status="FILLED",
                quantity=Decimal("0.001"),
                executed_qty=Decimal("0.001"),
                cumulative_quote_qty=Decimal(0),
                is_working=False,
                created_at=at,
                updated_at=at,
            )
            tx.session.add(order)
            await tx.session.flush()
            return order.id

    async def fill(self, order_id: int, at: datetime, quote: str, symbol: str = "BTCUSDT") -> None:
        async with transaction(self.rt.sessionmaker) as tx:
            tx.session.add(
                Trade(
                    order_id=order_id,
                    user_id=self.user_id,
                    period=1,
                    symbol=symbol,
                    side="BUY",
                    price=Decimal(quote) * 1000,
                    qty=Decimal("0.001"),
                    quote_qty=Decimal(quote),
                    fee=Decimal(0),
                    fee_asset="BTC",
                    is_maker=False,
                    source_trade_id=uuid.uuid4().hex,
                    created_at=at,
                )
            )

    async def alert_with_firings(self, *times: datetime) -> None:
        async with transaction(self.rt.sessionmaker) as tx:
            alert = Alert(
                user_id=self.user_id,
                symbol="BTCUSDT",
                condition="price_above",
                value=Decimal(1),
                recurring=True,
                cooldown_s=0,
                channels=[],
                state="active",
                version=1,
                firings=len(times),
                created_at=times[0],
                updated_at=times[0],
            )
            tx.session.add(alert)
            await tx.session.flush()
            for n, at in enumerate(times, start=1):
                tx.session.add(
                    AlertFiring(
                        alert_id=alert.id,
                        firing_no=n,
                        price=Decimal(2),
                        market_ms=int(at.timestamp() * 1000),
                        late=False,
                        fired_at=at,
                    )
                )

    async def deliveries(self, at: datetime, states: dict[str, str]) -> None:
        """One notification with one delivery per channel, in the given state."""
        async with transaction(self.rt.sessionmaker) as tx:
            note = Notification(
                user_id=self.user_id,
                kind="alert",
                title="t",
                body="b",
                dedupe_key=uuid.uuid4().hex,
                created_at=at,
            )
            tx.session.add(note)
            await tx.session.flush()
            for channel, state in states.items():
                tx.session.add(
                    NotificationDelivery(
                        notification_id=note.id,
                        user_id=self.user_id,
                        channel=channel,
                        idempotency_key=uuid.uuid4().hex,
                        state=state,
                        attempts=1,
                        next_attempt_at=at,
                        created_at=at,
                        finished_at=at if state != "pending" else None,
                    )
                )
