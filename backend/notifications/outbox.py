"""The outbox sender: delivers due `notification_deliveries` through the channel senders.

One delivery per transaction: it is claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so any
number of senders in any number of processes share the work and never take the same row),
handed to its channel, and marked `sent` in that same transaction only after the channel
accepted it. A crash or a lost commit after the channel accepted leaves the row pending: it is
sent again with the same idempotency key, which the receiver uses to drop the repeat. So the
guarantee is at-least-once with dedupe by key: a process killed mid-send loses nothing (its
transaction rolls back, leaving no attempt row, and the row is due at once for any sender), and
repeats only what a channel took before the kill (a webhook's receiver drops it by key; the
Telegram Bot API takes no key, so there it shows twice); tests/telegram/test_sender_killed.py
and tests/notifications/test_webhook_killed.py kill a worker mid-send. A retry
waits an exponential backoff with jitter (or the channel's own `retry_after`); after
NOTIFY_MAX_ATTEMPTS tries, or a permanent failure, the delivery is `failed`. Every try is a
`notification_attempts` row.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.db import transaction
from backend.notifications.channels import (
    ChannelSender,
    Delivery,
    PermanentFailure,
    RetryLater,
)
from backend.notifications.models import FAILED, SENT, NotificationDelivery
from backend.notifications.repository import DeliveryRepository, NotificationRepository


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 10
    base_s: float = 2.0
    max_s: float = 600.0

    def delay(self, attempt: int, hint_s: float, rng: random.Random) -> float:
        """Seconds before try `attempt + 1`: the channel's hint (429 retry_after) when it gave
        one, else base x 2^(attempt-1), capped, with jitter (half to all of it)."""
        if hint_s > 0:
            return min(hint_s, self.max_s)
        full: float = min(self.max_s, self.base_s * 2.0 ** min(attempt - 1, 30))
        return full * (0.5 + rng.random() / 2)


def _short(text: str) -> str:
    return text if len(text) <= 500 else text[:497] + "..."


class Outbox:
    """Claims and sends due deliveries of the channels `senders()` has at the moment."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        senders: Callable[[], Mapping[str, ChannelSender]],
        policy: RetryPolicy,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self._sm = sessionmaker
        self._senders = senders
        self._policy = policy
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not a secret

    async def send_one(self) -> bool:
        """Claim one due delivery and try it; False when none is due (for this process)."""
        senders = dict(self._senders())
        if not senders:
            return False
        async with transaction(self._sm) as tx:
            now = datetime.now(UTC)
            repo = DeliveryRepository(tx.session)
            claimed = await repo.claim_due(now, 1, channels=list(senders))
            if not claimed:
                return False
            row = claimed[0]
            notification = await NotificationRepository(tx.session).get(row.notification_id)
            assert notification is not None  # the foreign key cascades
            row.attempts += 1
            delivery = Delivery(
                id=row.id,
                notification_id=row.notification_id,
                user_id=row.user_id,
                channel=row.channel,
                idempotency_key=row.idempotency_key,
                kind=notification.kind,
                title=notification.title,
                body=notification.body,
                alert_id=notification.alert_id,
                data=notification.data or {},
                attempt=row.attempts,
            )
            await self._attempt(repo, row, delivery, senders[row.channel])
        return True

    async def _attempt(
        self,
        repo: DeliveryRepository,
        row: NotificationDelivery,
        delivery: Delivery,
        sender: ChannelSender,
    ) -> None:
        log = logger.bind(delivery=row.id, channel=row.channel, attempt=row.attempts)
        try:
            await sender.send(delivery)
        except PermanentFailure as exc:
            self._finish(repo, row, FAILED, f"permanent: {exc.reason}")
            log.warning("notify.delivery_failed", reason=exc.reason)
            return
        except RetryLater as exc:
            self._retry(repo, row, exc.reason, exc.after_s)
            log.info("notify.delivery_retry", reason=exc.reason)
            return
        except Exception as exc:  # a sender's bug or an unexpected error: retried like a 5xx
            self._retry(repo, row, f"{type(exc).__name__}: {exc}", 0.0)
            log.opt(exception=True).warning("notify.delivery_error")
            return
        self._finish(repo, row, SENT, None)
        log.debug("notify.delivery_sent")

    def _finish(
        self, repo: DeliveryRepository, row: NotificationDelivery, state: str, detail: str | None
    ) -> None:
        now = datetime.now(UTC)
        row.state = state
        row.finished_at = now
        row.last_error = detail and _short(detail)
        repo.record_attempt(row.id, row.attempts, now, state, row.last_error)

    def _retry(
        self, repo: DeliveryRepository, row: NotificationDelivery, reason: str, hint_s: float
    ) -> None:
        if row.attempts >= self._policy.max_attempts:
            self._finish(repo, row, FAILED, f"gave up after {row.attempts} tries: {reason}")
            return
        now = datetime.now(UTC)
        delay = self._policy.delay(row.attempts, hint_s, self._rng)
        row.next_attempt_at = now + timedelta(seconds=delay)
        row.last_error = _short(reason)
        repo.record_attempt(row.id, row.attempts, now, "retry", row.last_error)

    async def drain(self) -> int:
        """Send until nothing is due now; the number of tries made."""
        tries = 0
        while await self.send_one():
            tries += 1
        return tries

    async def seconds_to_next(self, cap_s: float) -> float:
        async with self._sm() as session:
            due = await DeliveryRepository(session).next_due_at(list(self._senders()))
        if due is None:
            return cap_s
        return max(0.0, min(cap_s, (due - datetime.now(UTC)).total_seconds()))


async def run_sender(outbox: Outbox, wake: asyncio.Event, poll_s: float) -> None:
    """Loop: drain, then sleep until woken (a commit published on the bus), the next due
    retry, or the poll interval (the safety net when the bus is down)."""
    while True:
        wake.clear()
        try:
            await outbox.drain()
            wait_s = await outbox.seconds_to_next(poll_s)
        except asyncio.CancelledError:
            raise
        except Exception:  # the database is down: try again after the poll interval
            logger.opt(exception=True).warning("notify.sender_error")
            wait_s = poll_s
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # lands as the wake-up comes, and this loop would outlive its part (see leases.py)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_s):
                await wake.wait()
