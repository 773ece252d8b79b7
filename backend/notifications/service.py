"""`notify`: one notification in the caller's transaction (the in-app row and one outbox
delivery per extra channel), the live frame after commit, and a wake-up for the senders.

The in-app row is unique by `dedupe_key`: a second call with the same key (a replayed tick, a
takeover) writes nothing and returns None. Each delivery carries an idempotency key derived from
the dedupe key and the channel, sent with the request (webhook `Idempotency-Key`, email
`Message-ID`) so a retry after a lost answer is recognised by the receiver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from backend import streams
from backend.notifications import live
from backend.notifications.channels import EMAIL, OUTBOX_CHANNELS, WEBHOOK
from backend.notifications.models import PENDING, Notification, NotificationDelivery
from backend.notifications.repository import (
    DeliveryRepository,
    NotificationRepository,
    SettingsRepository,
)

if TYPE_CHECKING:
    from backend.bus import Bus
    from backend.db import Tx

LANGUAGES = ("en", "ru")


def idempotency_key(dedupe_key: str, channel: str) -> str:
    return hashlib.sha256(f"{dedupe_key}\x00{channel}".encode()).hexdigest()


async def user_language(tx: Tx, user_id: int) -> str:
    """The user's notification language ("en" or "ru"; "en" until chosen)."""
    row = await SettingsRepository(tx.session).get(user_id)
    return row.language if row is not None and row.language in LANGUAGES else "en"


async def _channels_set_up(tx: Tx, user_id: int, wanted: Sequence[str]) -> list[str]:
    """The extra channels asked for, less email when off and webhook without a URL (telegram:
    its sender decides, the link being the telegram domain's)."""
    extra = [c for c in dict.fromkeys(wanted) if c in OUTBOX_CHANNELS]
    if EMAIL not in extra and WEBHOOK not in extra:
        return extra
    settings = await SettingsRepository(tx.session).get(user_id)
    email_on = settings is not None and settings.email_enabled
    webhook_on = settings is not None and settings.webhook_url is not None
    return [c for c in extra if (c != EMAIL or email_on) and (c != WEBHOOK or webhook_on)]


async def notify(
    tx: Tx,
    *,
    user_id: int,
    kind: str,
    title: str,
    body: str,
    channels: Sequence[str],
    dedupe_key: str,
    alert_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    bus: Bus | None = None,
) -> Notification | None:
    """Write the notification and its deliveries in `tx`; None if `dedupe_key` exists."""
    now = datetime.now(UTC)
    notifications = NotificationRepository(tx.session)
    notification_id = await notifications.insert_once(
        {
            "user_id": user_id,
            "kind": kind,
            "title": title[:200],
            "body": body,
            "alert_id": alert_id,
            "data": dict(data) if data is not None else None,
            "dedupe_key": dedupe_key,
            "created_at": now,
        }
    )
    if notification_id is None:
        return None
    row = await notifications.get(notification_id)
    assert row is not None
    deliveries = DeliveryRepository(tx.session)
    extra = await _channels_set_up(tx, user_id, channels)
    for channel in extra:
        deliveries.add(
            NotificationDelivery(
                notification_id=notification_id,
                user_id=user_id,
                channel=channel,
                idempotency_key=idempotency_key(dedupe_key, channel),
                state=PENDING,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    await tx.session.flush()
    target = bus or live.current_bus()
    if target is not None:
        frame = streams.notification_frame(
            id=row.id, kind=kind, title=row.title, body=body, alert_id=alert_id, at=now
        )
        tx.on_commit(partial(target.publish, streams.user_channel(user_id), frame))
        if extra:
            tx.on_commit(partial(target.publish, live.WAKE_CHANNEL, b"1"))
    return row
