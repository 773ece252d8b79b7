"""`/api/v1/alerts`: the owner's price alerts (trader and above). README "Alerts".
Another user's alert is a 404 like one that does not exist."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from backend.alerts import service
from backend.alerts.models import ACTIVE, Alert, AlertFiring
from backend.alerts.schemas import (
    AlertId,
    AlertIn,
    AlertOut,
    AlertPatch,
    AlertsOut,
    FiringOut,
    window_text,
)
from backend.deps import BusDep, CurrentUser, RequireRole, SettingsDep, TxDep
from backend.errors import ErrorOut
from backend.security import Role

router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[RequireRole(Role.TRADER)])


def _firing(f: AlertFiring) -> FiringOut:
    return FiringOut(
        firing_no=f.firing_no,
        price=f.price,
        market_ms=f.market_ms,
        late=f.late,
        fired_at=f.fired_at,
    )


def _out(a: Alert, last: AlertFiring | None = None) -> AlertOut:
    return AlertOut(
        id=a.id,
        symbol=a.symbol,
        condition=a.condition,
        value=a.value,
        interval=a.interval,
        window=window_text(a.window_s) if a.window_s else None,
        direction=a.direction,
        recurring=a.recurring,
        cooldown_s=a.cooldown_s,
        expires_at=a.expires_at,
        note=a.note,
        channels=list(a.channels),
        state=a.state,
        firings=a.firings,
        last_fired_at=a.last_fired_at,
        last_firing=_firing(last) if last is not None else None,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


TOO_MANY: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorOut, "description": "Too many active alerts"}
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=TOO_MANY)
async def create_alert(
    body: AlertIn, user: CurrentUser, tx: TxDep, bus: BusDep, settings: SettingsDep
) -> AlertOut:
    return _out(await service.create(tx, settings, bus, user.id, body))


@router.get("")
async def list_alerts(user: CurrentUser, tx: TxDep, settings: SettingsDep) -> AlertsOut:
    alerts = await service.of_user(tx, user.id)
    last = await service.last_firings(tx, alerts)
    return AlertsOut(
        items=[_out(a, last.get(a.id)) for a in alerts],
        active=sum(1 for a in alerts if a.state == ACTIVE),
        max_active=settings.alerts_max_active,
    )


@router.get("/{alert_id}")
async def get_alert(alert_id: AlertId, user: CurrentUser, tx: TxDep) -> AlertOut:
    alert = await service.get(tx, user.id, alert_id)
    return _out(alert, (await service.last_firings(tx, [alert])).get(alert.id))


@router.patch("/{alert_id}", responses=TOO_MANY)
async def edit_alert(
    alert_id: AlertId,
    body: AlertPatch,
    user: CurrentUser,
    tx: TxDep,
    bus: BusDep,
    settings: SettingsDep,
) -> AlertOut:
    return _out(await service.patch(tx, settings, bus, user.id, alert_id, body))


@router.delete("/{alert_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_alert(alert_id: AlertId, user: CurrentUser, tx: TxDep, bus: BusDep) -> Response:
    await service.delete(tx, bus, user.id, alert_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{alert_id}/pause",
    responses={409: {"model": ErrorOut, "description": "Only an active alert can be paused"}},
)
async def pause_alert(alert_id: AlertId, user: CurrentUser, tx: TxDep, bus: BusDep) -> AlertOut:
    return _out(await service.pause(tx, bus, user.id, alert_id))


@router.post(
    "/{alert_id}/resume",
    responses={409: {"model": ErrorOut, "description": "Expired, or too many active alerts"}},
)
async def resume_alert(
    alert_id: AlertId, user: CurrentUser, tx: TxDep, bus: BusDep, settings: SettingsDep
) -> AlertOut:
    return _out(await service.resume(tx, settings, bus, user.id, alert_id))


@router.get("/{alert_id}/firings")
async def alert_firings(alert_id: AlertId, user: CurrentUser, tx: TxDep) -> list[FiringOut]:
    return [_firing(f) for f in await service.firings(tx, user.id, alert_id)]
