"""Notification API: the in-app list and read marks, the user's notification settings and the
webhook (`/api/v1/notifications...`, `/api/v1/webhook`). Thin: parse, call, shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from backend.deps import CurrentUser, RuntimeDep, TxDep
from backend.notifications import queries
from backend.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    NotificationSettingsIn,
    NotificationSettingsOut,
    ReadAllOut,
    WebhookCreated,
    WebhookIn,
    WebhookTestOut,
)

router = APIRouter(tags=["notifications"])

NotificationId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/notifications")
async def list_notifications(
    user: CurrentUser,
    tx: TxDep,
    unread: bool = False,
    cursor: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> NotificationPage:
    """Newest first; `unread=true`: only unread ones; `cursor`: the previous page's
    `next_cursor`. `unread_count` is the user's total of unread notifications."""
    return await queries.page(tx, user.id, unread=unread, cursor=cursor, limit=limit)


@router.post("/notifications/read-all")
async def read_all(user: CurrentUser, tx: TxDep) -> ReadAllOut:
    """Mark every notification of the user read."""
    return await queries.mark_all_read(tx, user.id)


@router.post("/notifications/{notification_id}/read")
async def read_one(
    notification_id: NotificationId, user: CurrentUser, tx: TxDep
) -> NotificationOut:
    """Mark one notification read (another user's is a 404)."""
    return await queries.mark_read(tx, user.id, notification_id)


@router.get("/notifications/settings")
async def get_settings(user: CurrentUser, tx: TxDep, rt: RuntimeDep) -> NotificationSettingsOut:
    """Language of the notification texts, email alerts on/off, the webhook's URL."""
    return await queries.get_settings(tx, rt, user.id)


@router.patch("/notifications/settings")
async def update_settings(
    body: NotificationSettingsIn, user: CurrentUser, tx: TxDep, rt: RuntimeDep
) -> NotificationSettingsOut:
    return await queries.update_settings(tx, rt, user.id, body)


@router.put("/webhook")
async def put_webhook(
    body: WebhookIn, user: CurrentUser, tx: TxDep, rt: RuntimeDep
) -> WebhookCreated:
    """Set (or replace) the webhook: http(s) to a public address only. A new signing secret
    is made and shown this once (stored encrypted)."""
    return await queries.set_webhook(tx, rt, user.id, body.url)


@router.delete("/webhook", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(user: CurrentUser, tx: TxDep) -> Response:
    await queries.delete_webhook(tx, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/webhook/test")
async def test_webhook(user: CurrentUser, tx: TxDep, rt: RuntimeDep) -> WebhookTestOut:
    """Send one signed test POST now and say what the receiver answered."""
    return await queries.test_webhook(tx, rt, user.id)
