"""Alert SQL: rows by owner, the active ones for the checker, the guarded firing UPDATE."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import ACTIVE, EXPIRED, TRIGGERED, Alert, AlertCheckpoint, AlertFiring


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def owned(self, user_id: int, alert_id: int, *, lock: bool = False) -> Alert | None:
        query = select(Alert).where(Alert.id == alert_id, Alert.user_id == user_id)
        if lock:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get(self, alert_id: int) -> Alert | None:
        return await self.session.get(Alert, alert_id, populate_existing=True)

    async def of_user(self, user_id: int) -> list[Alert]:
        query = select(Alert).where(Alert.user_id == user_id).order_by(Alert.id.desc())
        return list((await self.session.execute(query)).scalars())

    async def count_active(self, user_id: int) -> int:
        query = select(func.count()).where(Alert.user_id == user_id, Alert.state == ACTIVE)
        return int((await self.session.execute(query)).scalar_one())

    async def active(self, symbols: Sequence[str]) -> list[Alert]:
        query = select(Alert).where(Alert.state == ACTIVE, Alert.symbol.in_(list(symbols)))
        return list((await self.session.execute(query)).scalars())

    async def fire(
        self,
        alert_id: int,
        *,
        version: int,
        now: datetime,
        cooldown_cutoff: datetime,
        market_ms: int,
        late: bool,
    ) -> Alert | None:
        """The guard: the row moves only if it is still active at the version the checker saw,
        out of its cooldown, not expired, and this tick is not the one that fired it last (a
        catch-up: not at or before it). Returns the updated row, or None (someone else fired)."""
        tick_guard = Alert.fired_ms < market_ms if late else Alert.fired_ms != market_ms
        values: dict[str, Any] = {
            "firings": Alert.firings + 1,
            "version": Alert.version + 1,
            "last_fired_at": now,
            "fired_ms": market_ms,
            "updated_at": now,
        }
        query = (
            update(Alert)
            .where(
                Alert.id == alert_id,
                Alert.state == ACTIVE,
                Alert.version == version,
                or_(Alert.last_fired_at.is_(None), Alert.last_fired_at <= cooldown_cutoff),
                or_(Alert.expires_at.is_(None), Alert.expires_at > now),
                or_(Alert.fired_ms.is_(None), tick_guard),
            )
            .values(**values)
            .returning(Alert.id)
        )
        if (await self.session.execute(query)).scalar_one_or_none() is None:
            return None
        row = await self.get(alert_id)
        assert row is not None
        if not row.recurring:
            row.state = TRIGGERED
            await self.session.flush()
        return row

    async def expire_due(self, now: datetime) -> list[Alert]:
        query = (
            update(Alert)
            .where(
                Alert.state == ACTIVE, and_(Alert.expires_at.is_not(None), Alert.expires_at <= now)
            )
            .values(state=EXPIRED, version=Alert.version + 1, updated_at=now)
            .returning(Alert.id, Alert.user_id)
        )
        ids = [r.id for r in (await self.session.execute(query)).all()]
        if not ids:
            return []
        rows = select(Alert).where(Alert.id.in_(ids))
        return list((await self.session.execute(rows)).scalars())


class FiringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, firing: AlertFiring) -> None:
        self.session.add(firing)
        await self.session.flush()

    async def of_alert(self, alert_id: int, limit: int = 200) -> list[AlertFiring]:
        query = (
            select(AlertFiring)
            .where(AlertFiring.alert_id == alert_id)
            .order_by(AlertFiring.firing_no.desc())
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def last_of(self, alert_ids: Sequence[int]) -> dict[int, AlertFiring]:
        if not alert_ids:
            return {}
        newest = (
            select(AlertFiring.alert_id, func.max(AlertFiring.firing_no).label("n"))
            .where(AlertFiring.alert_id.in_(list(alert_ids)))
            .group_by(AlertFiring.alert_id)
            .subquery()
        )
        query = select(AlertFiring).join(
            newest,
            and_(AlertFiring.alert_id == newest.c.alert_id, AlertFiring.firing_no == newest.c.n),
        )
        return {f.alert_id: f for f in (await self.session.execute(query)).scalars()}


class CheckpointRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> dict[str, tuple[int, Decimal]]:
        rows = (await self.session.execute(select(AlertCheckpoint))).scalars()
        return {r.symbol: (r.checked_ms, r.price) for r in rows}

    async def save(self, symbol: str, checked_ms: int, price: Decimal) -> None:
        """Upsert (a takeover's first save may meet the old holder's last one)."""
        bind = self.session.bind
        assert bind is not None
        insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
        values: dict[str, Any] = {"checked_ms": checked_ms, "price": price}
        stmt = insert(AlertCheckpoint).values(symbol=symbol, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["symbol"], set_=values)
        await self.session.execute(stmt)
