"""What the notification routes do: list, read marks, settings, the webhook's set-up and test."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal, cast
from urllib.parse import urlsplit

from backend.audit import service as audit
from backend.db import Tx
from backend.errors import BadRequest, NotFound, Unavailable
from backend.logging import security_event
from backend.notifications.channels import Delivery, PermanentFailure, RetryLater
from backend.notifications.models import Notification, NotificationSettings
from backend.notifications.repository import NotificationRepository, SettingsRepository
from backend.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    NotificationSettingsIn,
    NotificationSettingsOut,
    ReadAllOut,
    WebhookCreated,
    WebhookOut,
    WebhookTestOut,
)
from backend.notifications.ssrf import TargetRefused, check_url
from backend.notifications.webhook import WebhookSender, new_secret, payload
from backend.runtime import Runtime


class NotificationNotFound(NotFound):
    """The same answer for a missing notification and another user's."""

    code = "notification_not_found"
    message = "Notification not found"


class WebhookRefused(BadRequest):
    code = "webhook_url_refused"
    message = "This webhook URL cannot be used"


class EncryptionNotConfigured(Unavailable):
    code = "encryption_not_configured"
    message = "Webhooks need FIELD_ENCRYPTION_KEYS on the server"


class NoWebhook(NotFound):
    code = "webhook_not_found"
    message = "No webhook is set up"


def _out(row: Notification) -> NotificationOut:
    return NotificationOut(
        id=row.id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        alert_id=row.alert_id,
        data=row.data,
        created_at=row.created_at,
        read_at=row.read_at,
    )


async def page(
    tx: Tx, user_id: int, *, unread: bool, cursor: int | None, limit: int
) -> NotificationPage:
    repo = NotificationRepository(tx.session)
    rows = await repo.page(user_id, unread_only=unread, before_id=cursor, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return NotificationPage(
        items=[_out(r) for r in rows],
        unread_count=await repo.unread_count(user_id),
        next_cursor=rows[-1].id if more and rows else None,
    )


async def mark_read(tx: Tx, user_id: int, notification_id: int) -> NotificationOut:
    repo = NotificationRepository(tx.session)
    row = await repo.get(notification_id)
    if row is None or row.user_id != user_id:
        raise NotificationNotFound(details={"id": notification_id})
    await repo.mark_read(user_id, notification_id, datetime.now(UTC))
    await tx.session.refresh(row)
    return _out(row)


async def mark_all_read(tx: Tx, user_id: int) -> ReadAllOut:
    repo = NotificationRepository(tx.session)
    updated = await repo.mark_read(user_id, None, datetime.now(UTC))
    return ReadAllOut(updated=updated, unread_count=await repo.unread_count(user_id))


def _settings_out(rt: Runtime, row: NotificationSettings | None) -> NotificationSettingsOut:
    language = row.language if row is not None and row.language in ("en", "ru") else "en"
    url = row.webhook_url if row is not None else None
    return NotificationSettingsOut(
        language=cast(Literal["en", "ru"], language),
        email_enabled=row is not None and row.email_enabled,
        email_available=rt.settings.smtp_url is not None,
        webhook=WebhookOut(url=url) if url is not None else None,
    )


async def get_settings(tx: Tx, rt: Runtime, user_id: int) -> NotificationSettingsOut:
    return _settings_out(rt, await SettingsRepository(tx.session).get(user_id))


async def update_settings(
    tx: Tx, rt: Runtime, user_id: int, body: NotificationSettingsIn
) -> NotificationSettingsOut:
    now = datetime.now(UTC)
    row = await SettingsRepository(tx.session).get_or_create(user_id, now)
    if body.language is not None:
        row.language = body.language
    if body.email_enabled is not None:
        row.email_enabled = body.email_enabled
    row.updated_at = now
    return _settings_out(rt, row)


async def _check(rt: Runtime, url: str) -> None:
    try:
        await check_url(url, allow_private=rt.settings.webhook_allow_private)
    except TargetRefused as exc:
        raise WebhookRefused(details={"reason": str(exc)}) from exc


async def set_webhook(tx: Tx, rt: Runtime, user_id: int, url: str) -> WebhookCreated:
    """Store the URL and a new secret (encrypted); the secret is returned this once."""
    if not rt.cipher.available:
        raise EncryptionNotConfigured()
    await _check(rt, url)
    secret = new_secret()
    now = datetime.now(UTC)
    row = await SettingsRepository(tx.session).get_or_create(user_id, now)
    row.webhook_url = url
    row.webhook_secret = rt.cipher.encrypt(secret)
    row.updated_at = now
    # the URL's host only: a path or query may carry the receiver's own token
    host = urlsplit(url).hostname
    security_event("webhook.set", user_id=user_id, host=host)
    audit.record_for_user(tx, "webhook.set", user_id, details={"host": host}, at=now)
    return WebhookCreated(url=url, secret=secret)


async def delete_webhook(tx: Tx, user_id: int) -> None:
    row = await SettingsRepository(tx.session).get(user_id)
    if row is None or row.webhook_url is None:
        raise NoWebhook()
    row.webhook_url = None
    row.webhook_secret = None
    row.updated_at = datetime.now(UTC)
    security_event("webhook.deleted", user_id=user_id)
    audit.record_for_user(tx, "webhook.deleted", user_id, at=row.updated_at)


async def test_webhook(tx: Tx, rt: Runtime, user_id: int) -> WebhookTestOut:
    """One signed POST now (not through the outbox): what the receiver answered."""
    row = await SettingsRepository(tx.session).get(user_id)
    if row is None or row.webhook_url is None or row.webhook_secret is None:
        raise NoWebhook()
    key = uuid.uuid4().hex
    probe = Delivery(
        id=0,
        notification_id=0,
        user_id=user_id,
        channel="webhook",
        idempotency_key=key,
        kind="test",
        title="Test",
        body="A test notification from CryptoDemo.",
        alert_id=None,
        data={},
        attempt=1,
    )
    sender = WebhookSender(rt.settings, rt.sessionmaker, rt.cipher)
    try:
        await sender.deliver(
            row.webhook_url, rt.cipher.decrypt(row.webhook_secret), payload(probe), key
        )
    except (RetryLater, PermanentFailure) as exc:
        return WebhookTestOut(delivered=False, detail=str(exc))
    return WebhookTestOut(delivered=True, detail=None)
