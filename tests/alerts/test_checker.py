"""The checker against the database: each condition fires at its edge and once; a recurring
alert again after its cooldown; a second checker or a replayed tick fires nothing more; the
firing and its outbox rows commit together; a gap is caught up from the stored 1m candles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update

from backend.alerts.models import Alert, AlertFiring
from backend.db import transaction
from backend.notifications.models import Notification, NotificationDelivery
from tests.alerts.conftest import alert, create, new_checker
from tests.trading.conftest import make_user
from tests.trading.test_catchup import kline, store

T0 = 1_780_000_020_000  # a market time 20 s into a minute
MIN = 60_000


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def firings(app: FastAPI, alert_id: int) -> list[AlertFiring]:
    async with app.state.runtime.sessionmaker() as s:
        query = select(AlertFiring).where(AlertFiring.alert_id == alert_id)
        return list((await s.execute(query.order_by(AlertFiring.firing_no))).scalars())


async def count(app: FastAPI, model: Any) -> int:
    async with app.state.runtime.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_price_conditions_fire_at_their_edges_once(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    above = await create(aclient, h, condition="price_above", value="100")
    below = await create(aclient, h, condition="price_below", value="90")
    jump = await create(aclient, h, condition="price_above", value="120")
    down = await create(aclient, h, condition="price_crosses", value="95")
    up = await create(aclient, h, condition="price_crosses", value="99.995")
    checker = await new_checker(aapp)

    await checker.on_tick("BTCUSDT", D("99.99"), T0)
    assert checker.fired == 0
    await checker.on_tick("BTCUSDT", D("100"), T0 + 1)  # equal to the level; crosses 99.995 up
    assert [f.price for f in await firings(aapp, above["id"])] == [D("100")]
    assert len(await firings(aapp, up["id"])) == 1
    await checker.on_tick("BTCUSDT", D("100"), T0 + 2)  # holds still: one-shot, no second firing
    assert len(await firings(aapp, above["id"])) == 1
    assert (await alert(aclient, h, above["id"]))["state"] == "triggered"

    await checker.on_tick("BTCUSDT", D("130"), T0 + 3)  # a jump over 120 between two ticks
    assert len(await firings(aapp, jump["id"])) == 1
    await checker.on_tick("BTCUSDT", D("90"), T0 + 4)  # equal to 90; a gap down through 95
    assert len(await firings(aapp, below["id"])) == 1
    assert len(await firings(aapp, down["id"])) == 1
    assert checker.fired == 5
    got = await alert(aclient, h, jump["id"])
    assert got["last_firing"]["price"].startswith("130") and got["last_firing"]["late"] is False


async def test_recurring_crossing_fires_again_after_its_cooldown(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    a = await create(
        aclient, h, condition="price_crosses", value="100", recurring=True, cooldown_s=3600
    )
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("99"), T0)
    await checker.on_tick("BTCUSDT", D("101"), T0 + 1)  # up
    await checker.on_tick("BTCUSDT", D("99"), T0 + 2)  # down, within the cooldown: nothing
    assert len(await firings(aapp, a["id"])) == 1
    assert (await alert(aclient, h, a["id"]))["state"] == "active"
    # the cooldown has passed (moved in the database; the checker re-reads the row)
    async with transaction(aapp.state.runtime.sessionmaker) as tx:
        past = datetime.now(UTC) - timedelta(hours=2)
        await tx.session.execute(
            update(Alert).where(Alert.id == a["id"]).values(last_fired_at=past)
        )
    await checker.refresh(a["id"])
    await checker.on_tick("BTCUSDT", D("100"), T0 + 3)  # reaches it from below
    assert [f.firing_no for f in await firings(aapp, a["id"])] == [1, 2]


async def test_change_pct_within_its_window(aapp: FastAPI, aclient: httpx.AsyncClient) -> None:
    _, h = await make_user(aapp)
    up = await create(aclient, h, condition="change_pct", value="5", window="1m", direction="up")
    down = await create(
        aclient, h, condition="change_pct", value="5", window="1m", direction="down"
    )
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("100"), T0)
    await checker.on_tick("BTCUSDT", D("104.99"), T0 + 1000)
    assert checker.fired == 0
    await checker.on_tick("BTCUSDT", D("105"), T0 + 2000)  # exactly 5% above the window's low
    assert len(await firings(aapp, up["id"])) == 1
    # 100 has left the 1m window: from the window's high 105, 99.75 is exactly 5% down
    await checker.on_tick("BTCUSDT", D("99.76"), T0 + 61_000)
    assert await firings(aapp, down["id"]) == []
    await checker.on_tick("BTCUSDT", D("99.75"), T0 + 61_500)
    assert len(await firings(aapp, down["id"])) == 1


async def test_rsi_from_the_stored_candles(aapp: FastAPI, aclient: httpx.AsyncClient) -> None:
    _, h = await make_user(aapp)
    above = await create(aclient, h, condition="rsi_above", value="70", interval="1m")
    below = await create(aclient, h, condition="rsi_below", value="30", interval="1m")
    start = T0 - T0 % MIN
    # 30 minutes of a steady rise: RSI(14) is 100
    await store(
        aapp,
        *[kline(start + i * MIN, str(100 + i), str(101 + i), str(100 + i), str(101 + i), "1", 5)
          for i in range(30)],
    )  # fmt: skip
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("131"), start + 30 * MIN + 1)
    await checker.check_rsi()
    assert len(await firings(aapp, above["id"])) == 1
    assert await firings(aapp, below["id"]) == []


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
async def test_two_checkers_and_a_replayed_tick_fire_once(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    ids = [
        (await create(aclient, h, condition="price_above", value=str(90 + i)))["id"]
        for i in range(10)
    ]
    first, second = await new_checker(aapp), await new_checker(aapp)
    await asyncio.gather(
        first.on_tick("BTCUSDT", D("100"), T0), second.on_tick("BTCUSDT", D("100"), T0)
    )
    await first.on_tick("BTCUSDT", D("100"), T0)  # a replayed tick
    fresh = await new_checker(aapp)  # a takeover replays the standby's recent ticks
    await fresh.on_tick("BTCUSDT", D("100"), T0)
    for alert_id in ids:
        assert len(await firings(aapp, alert_id)) == 1
    assert first.fired + second.fired == 10
    assert await count(aapp, Notification) == 10


async def test_firing_and_its_outbox_rows_commit_together(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    """A checker killed right after a firing loses nothing: the delivery to each extra channel
    is in the outbox, committed with the state change, for any sender in any process."""
    uid, h = await make_user(aapp)
    a = await create(aclient, h, condition="price_below", value="50", channels=["telegram"])
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("49"), T0)
    async with aapp.state.runtime.sessionmaker() as s:
        note = (await s.execute(select(Notification))).scalar_one()
        delivery = (await s.execute(select(NotificationDelivery))).scalar_one()
    assert (note.user_id, note.alert_id, note.kind) == (uid, a["id"], "alert")
    assert note.dedupe_key == f"alert:{a['id']}:1"
    assert (delivery.channel, delivery.notification_id) == ("telegram", note.id)
    del checker  # "killed": a new one starts from the rows
    restarted = await new_checker(aapp)
    await restarted.on_tick("BTCUSDT", D("48"), T0 + 1)
    assert await count(aapp, NotificationDelivery) == 1


async def test_gap_is_caught_up_from_the_candles_late(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    high = await create(aclient, h, condition="price_above", value="120")
    cross = await create(aclient, h, condition="price_crosses", value="110")
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("100"), T0)  # checked up to T0 (saved)
    del checker  # down for ten minutes; the market went to 130 and back meanwhile
    start = T0 - T0 % MIN
    await store(
        aapp,
        kline(start, "100", "100", "100", "100", "1", 1),  # began before T0: skipped
        kline(start + MIN, "100", "105", "99", "104", "1", 3),
        kline(start + 2 * MIN, "104", "130", "103", "108", "1", 3),  # O -> L -> H -> C
        kline(start + 3 * MIN, "108", "109", "100", "101", "1", 3),
    )
    restarted = await new_checker(aapp)
    late_before = sample("cd_alerts_fired_total", late="true")
    await restarted.on_tick("BTCUSDT", D("101"), T0 + 10 * MIN)
    assert sample("cd_alerts_fired_total", late="true") == late_before + 2
    [f] = await firings(aapp, high["id"])
    assert f.late and f.price == D("130") and start + 2 * MIN <= f.market_ms < start + 3 * MIN
    [c] = await firings(aapp, cross["id"])  # 103 -> 130 passes 110 (one-shot)
    assert c.late and c.price == D("130")
    async with aapp.state.runtime.sessionmaker() as s:
        note = (
            await s.execute(select(Notification).where(Notification.alert_id == high["id"]))
        ).scalar_one()
    assert note.data is not None and note.data["late"] is True


async def test_the_part_fires_from_bus_trades(db_url: str, tmp_path: Any) -> None:
    """Embedded: the API process runs the checker; a trade on the bus fires the alert."""
    from backend.main import create_app
    from tests.conftest import asgi_client
    from tests.trading.conftest import trade_frame, trading_settings

    app = create_app(trading_settings(db_url, tmp_path))
    async with app.router.lifespan_context(app), asgi_client(app) as c:
        _, h = await make_user(app)
        a = await create(c, h, condition="price_above", value="100")
        bus = app.state.runtime.bus
        for _ in range(200):  # until the index event reached the checker, then the trade fires
            await bus.publish("btcusdt@trade", trade_frame("BTCUSDT", "101"))
            r = await c.get(f"/api/v1/alerts/{a['id']}/firings", headers=h)
            if r.json():
                break
            await asyncio.sleep(0.05)
        assert len(r.json()) == 1 and r.json()[0]["late"] is False
        r = await c.get("/api/v1/notifications", headers=h)
        assert r.status_code == 200


async def test_an_edit_the_checker_missed_is_guarded_and_resync_repairs_the_index(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    a = await create(aclient, h, condition="price_above", value="100")
    checker = await new_checker(aapp)  # this checker gets no bus events: it misses what follows
    r = await aclient.patch(f"/api/v1/alerts/{a['id']}", headers=h, json={"value": "200"})
    assert r.status_code == 200
    await checker.on_tick("BTCUSDT", D("150"), T0)  # the stale level: the version guard refuses
    assert await firings(aapp, a["id"]) == []
    assert checker.index.entries[a["id"]].level == D("200")  # re-read after the refusal
    missed = await create(aclient, h, condition="price_below", value="140")
    drift = sample("cd_alerts_index_drift_total")
    assert await checker.resync() == 1  # the lost create event
    assert sample("cd_alerts_index_drift_total") == drift + 1
    await checker.on_tick("BTCUSDT", D("139"), T0 + 1)
    assert len(await firings(aapp, missed["id"])) == 1
    assert await firings(aapp, a["id"]) == []


async def test_an_expired_alert_never_fires(aapp: FastAPI, aclient: httpx.AsyncClient) -> None:
    _, h = await make_user(aapp)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    a = await create(aclient, h, condition="price_above", value="100", expires_at=soon)
    checker = await new_checker(aapp)
    async with transaction(aapp.state.runtime.sessionmaker) as tx:  # the hour has passed
        past = datetime.now(UTC) - timedelta(seconds=1)
        await tx.session.execute(update(Alert).where(Alert.id == a["id"]).values(expires_at=past))
    await checker.on_tick("BTCUSDT", D("101"), T0)  # before the resync expired it: the guard
    assert await firings(aapp, a["id"]) == []
    await checker.resync()
    assert (await alert(aclient, h, a["id"]))["state"] == "expired"
    assert not checker.index.known(a["id"])


async def test_change_pct_window_survives_a_restart(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    _, h = await make_user(aapp)
    up = await create(aclient, h, condition="change_pct", value="5", window="1h", direction="up")
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("103"), T0)  # saved as the last checked tick
    start = T0 - T0 % MIN
    await store(aapp, kline(start - 10 * MIN, "101", "102", "100", "101", "1", 2))
    del checker
    restarted = await new_checker(aapp)  # its window holds the stored candles' low, 100
    await restarted.on_tick("BTCUSDT", D("105"), T0 + 1000)
    assert len(await firings(aapp, up["id"])) == 1


async def test_notification_texts_in_the_users_language(
    aapp: FastAPI, aclient: httpx.AsyncClient
) -> None:
    from backend.notifications.models import NotificationSettings

    uid, h = await make_user(aapp)
    async with transaction(aapp.state.runtime.sessionmaker) as tx:
        tx.session.add(
            NotificationSettings(user_id=uid, language="ru", updated_at=datetime.now(UTC))
        )
    a = await create(aclient, h, condition="price_below", value="90.50", note="купить")
    checker = await new_checker(aapp)
    await checker.on_tick("BTCUSDT", D("90.5"), T0)
    async with aapp.state.runtime.sessionmaker() as s:
        note = (await s.execute(select(Notification))).scalar_one()
    assert note.alert_id == a["id"]
    assert note.title == "BTCUSDT на уровне 90.5 или ниже"
    assert note.body == "Цена: 90.5\nкупить"  # noqa: RUF001
