"""Alerts: the owner's CRUD (validated, limited, each change announced to the checker after
commit) and a firing (the guarded state change, its firing row and its notification, in one
transaction)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from backend import streams
from backend.alerts import texts
from backend.alerts.conditions import PRICE_CONDITIONS, RSI_CONDITIONS
from backend.alerts.models import ACTIVE, EXPIRED, PAUSED, Alert, AlertFiring
from backend.alerts.repository import AlertRepository, FiringRepository
from backend.alerts.schemas import AlertIn, AlertPatch, window_seconds, window_text
from backend.bus import Bus
from backend.config import Settings
from backend.db import Tx
from backend.errors import BadRequest, Conflict, NotFound
from backend.notifications.service import notify, user_language

DEFAULT_RSI_INTERVAL = "1h"
KIND = "alert"


class AlertNotFound(NotFound):
    code = "alert_not_found"
    message = "Alert not found"


class InvalidAlert(BadRequest):
    code = "invalid_alert"
    message = "Invalid alert"


class UnknownSymbol(BadRequest):
    code = "unknown_symbol"
    message = "Unknown symbol"


class TooManyAlerts(Conflict):
    code = "too_many_alerts"
    message = "Too many active alerts"


def index_event(op: str, alert_id: int) -> bytes:
    return json.dumps({"op": op, "id": alert_id}).encode()


def _announce(tx: Tx, bus: Bus, op: str, alert_id: int) -> None:
    async def publish() -> None:
        await bus.publish(streams.ALERTS_INDEX, index_event(op, alert_id))

    tx.on_commit(publish)


def _check_value(alert: Alert) -> None:
    if alert.value <= 0:
        raise InvalidAlert("The value must be a positive decimal", details={"field": "value"})
    if alert.condition in RSI_CONDITIONS and alert.value >= 100:
        raise InvalidAlert("An RSI level lies between 0 and 100", details={"field": "value"})
    if alert.condition == "change_pct" and alert.value > 1000:
        raise InvalidAlert("A change is at most 1000%", details={"field": "value"})


def _check_interval(settings: Settings, interval: str | None) -> None:
    if interval is not None and interval not in settings.market_intervals:
        raise InvalidAlert(
            f"Interval {interval} is not stored; one of {', '.join(settings.market_intervals)}",
            details={"field": "interval"},
        )


async def _check_limit(tx: Tx, settings: Settings, user_id: int) -> None:
    if await AlertRepository(tx.session).count_active(user_id) >= settings.alerts_max_active:
        raise TooManyAlerts(
            f"At most {settings.alerts_max_active} active alerts",
            details={"max_active": settings.alerts_max_active},
        )


async def create(tx: Tx, settings: Settings, bus: Bus, user_id: int, body: AlertIn) -> Alert:
    if body.symbol not in settings.market_symbols:
        raise UnknownSymbol(f"Unknown symbol {body.symbol}", details={"field": "symbol"})
    if body.condition == "change_pct" and body.window is None:
        raise InvalidAlert("change_pct needs a window such as 1h", details={"field": "window"})
    interval: str | None = body.interval
    if body.condition in RSI_CONDITIONS:
        interval = interval or DEFAULT_RSI_INTERVAL
    _check_interval(settings, interval)
    await _check_limit(tx, settings, user_id)
    now = datetime.now(UTC)
    alert = Alert(
        user_id=user_id,
        symbol=body.symbol,
        condition=body.condition,
        value=body.value,
        interval=interval if body.condition in RSI_CONDITIONS else None,
        window_s=window_seconds(body.window)
        if body.condition == "change_pct" and body.window
        else None,
        direction=(body.direction or "any") if body.condition == "change_pct" else None,
        recurring=body.recurring,
        cooldown_s=body.cooldown_s,
        expires_at=body.expires_at,
        note=body.note,
        channels=_channels(body.channels),
        state=ACTIVE,
        version=1,
        firings=0,
        created_at=now,
        updated_at=now,
    )
    _check_value(alert)
    if alert.expires_at is not None and alert.expires_at <= now:
        raise InvalidAlert("expires_at lies in the past", details={"field": "expires_at"})
    tx.session.add(alert)
    await tx.session.flush()
    _announce(tx, bus, "upsert", alert.id)
    return alert


def _channels(wanted: list[Any]) -> list[str]:
    return ["app", *[str(c) for c in dict.fromkeys(wanted) if c != "app"]]


async def get(tx: Tx, user_id: int, alert_id: int, *, lock: bool = False) -> Alert:
    alert = await AlertRepository(tx.session).owned(user_id, alert_id, lock=lock)
    if alert is None:
        raise AlertNotFound()
    return alert


async def of_user(tx: Tx, user_id: int) -> list[Alert]:
    return await AlertRepository(tx.session).of_user(user_id)


async def last_firings(tx: Tx, alerts: list[Alert]) -> dict[int, AlertFiring]:
    return await FiringRepository(tx.session).last_of([a.id for a in alerts if a.firings])


async def firings(tx: Tx, user_id: int, alert_id: int) -> list[AlertFiring]:
    await get(tx, user_id, alert_id)
    return await FiringRepository(tx.session).of_alert(alert_id)


def _touch(alert: Alert) -> None:
    alert.version += 1
    alert.updated_at = datetime.now(UTC)


async def patch(
    tx: Tx, settings: Settings, bus: Bus, user_id: int, alert_id: int, body: AlertPatch
) -> Alert:
    alert = await get(tx, user_id, alert_id, lock=True)
    given = body.model_fields_set
    if "value" in given and body.value is not None:
        alert.value = body.value
    if "interval" in given and alert.condition in RSI_CONDITIONS and body.interval is not None:
        _check_interval(settings, body.interval)
        alert.interval = body.interval
    if "window" in given and alert.condition == "change_pct" and body.window is not None:
        alert.window_s = window_seconds(body.window)
    if "direction" in given and alert.condition == "change_pct" and body.direction is not None:
        alert.direction = body.direction
    if "recurring" in given and body.recurring is not None:
        alert.recurring = body.recurring
    if "cooldown_s" in given and body.cooldown_s is not None:
        alert.cooldown_s = body.cooldown_s
    if "expires_at" in given:
        alert.expires_at = body.expires_at
        if alert.state == EXPIRED and (
            body.expires_at is None or body.expires_at > datetime.now(UTC)
        ):
            await _check_limit(tx, settings, user_id)
            alert.state = ACTIVE  # a later expiry revives it
    if "note" in given:
        alert.note = body.note
    if "channels" in given and body.channels is not None:
        alert.channels = _channels(list(body.channels))
    _check_value(alert)
    _touch(alert)
    await tx.session.flush()
    _announce(tx, bus, "upsert", alert.id)
    return alert


async def delete(tx: Tx, bus: Bus, user_id: int, alert_id: int) -> None:
    alert = await get(tx, user_id, alert_id, lock=True)
    await tx.session.delete(alert)
    await tx.session.flush()
    _announce(tx, bus, "remove", alert_id)


async def pause(tx: Tx, bus: Bus, user_id: int, alert_id: int) -> Alert:
    alert = await get(tx, user_id, alert_id, lock=True)
    if alert.state != ACTIVE:
        raise Conflict(
            f"Only an active alert can be paused (it is {alert.state})", code="alert_not_active"
        )
    alert.state = PAUSED
    _touch(alert)
    await tx.session.flush()
    _announce(tx, bus, "remove", alert.id)
    return alert


async def resume(tx: Tx, settings: Settings, bus: Bus, user_id: int, alert_id: int) -> Alert:
    """Paused, triggered or expired -> active (an expired one only with a later expiry)."""
    alert = await get(tx, user_id, alert_id, lock=True)
    if alert.state == ACTIVE:
        return alert
    if alert.expires_at is not None and alert.expires_at <= datetime.now(UTC):
        raise Conflict("The alert has expired; set a later expires_at", code="alert_expired")
    await _check_limit(tx, settings, user_id)
    alert.state = ACTIVE
    _touch(alert)
    await tx.session.flush()
    _announce(tx, bus, "upsert", alert.id)
    return alert


async def fire(
    tx: Tx,
    bus: Bus | None,
    *,
    alert_id: int,
    version: int,
    cooldown_s: int,
    price: Decimal,
    market_ms: int,
    late: bool = False,
) -> Alert | None:
    """One firing: the guarded UPDATE, the firing row and the notification (with its outbox
    deliveries) in `tx`. None when the guard refused (fired already, edited, paused, deleted)."""
    now = datetime.now(UTC)
    alert = await AlertRepository(tx.session).fire(
        alert_id,
        version=version,
        now=now,
        cooldown_cutoff=now - timedelta(seconds=cooldown_s),
        market_ms=market_ms,
        late=late,
    )
    if alert is None:
        return None
    firing = AlertFiring(
        alert_id=alert.id,
        firing_no=alert.firings,
        price=price,
        market_ms=market_ms,
        late=late,
        fired_at=now,
    )
    await FiringRepository(tx.session).add(firing)
    language = await user_language(tx, alert.user_id)
    title, body = texts.firing_texts(
        language,
        symbol=alert.symbol,
        condition=alert.condition,
        value=alert.value,
        price=price,
        window=window_text(alert.window_s) if alert.window_s else None,
        interval=alert.interval,
        note=alert.note,
        late=late,
    )
    await notify(
        tx,
        user_id=alert.user_id,
        kind=KIND,
        title=title,
        body=body,
        channels=alert.channels,
        dedupe_key=f"alert:{alert.id}:{alert.firings}",
        alert_id=alert.id,
        data={
            "symbol": alert.symbol,
            "condition": alert.condition,
            "value": format(alert.value, "f"),
            "price": format(price, "f"),
            "market_ms": market_ms,
            "firing_no": alert.firings,
            "late": late,
        },
        bus=bus,
    )
    return alert


def is_price(alert: Alert) -> bool:
    return alert.condition in PRICE_CONDITIONS
