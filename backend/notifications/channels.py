"""Delivery channels: the `ChannelSender` protocol, the outcome errors and the registry.

A sender delivers one `Delivery` (an outbox row with its notification's text) or raises
`RetryLater` (the channel is down, 429, 5xx: try again after `after_s` at the earliest) or
`PermanentFailure` (never deliverable: recorded as failed). Returning means the channel accepted
it. The request carries `delivery.idempotency_key` so a retry after a lost answer is recognised.
Senders register themselves (`register_sender`): email and webhook here, telegram by its module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

APP = "app"
TELEGRAM = "telegram"
EMAIL = "email"
WEBHOOK = "webhook"
CHANNELS: tuple[str, ...] = (APP, TELEGRAM, EMAIL, WEBHOOK)
OUTBOX_CHANNELS: tuple[str, ...] = (TELEGRAM, EMAIL, WEBHOOK)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    notification_id: int
    user_id: int
    channel: str
    idempotency_key: str
    kind: str
    title: str
    body: str
    alert_id: int | None
    data: Mapping[str, Any]
    attempt: int  # 1 for the first try


class RetryLater(Exception):
    def __init__(self, after_s: float, reason: str) -> None:
        super().__init__(reason)
        self.after_s = after_s
        self.reason = reason


class PermanentFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChannelSender(Protocol):
    channel: str

    async def send(self, delivery: Delivery) -> None: ...


_SENDERS: dict[str, ChannelSender] = {}


def register_sender(sender: ChannelSender) -> None:
    """Install (or replace) the sender of `sender.channel`."""
    _SENDERS[sender.channel] = sender


def unregister_sender(channel: str) -> None:
    _SENDERS.pop(channel, None)


def sender_for(channel: str) -> ChannelSender | None:
    return _SENDERS.get(channel)


def registered() -> dict[str, ChannelSender]:
    """A copy of the registry: channel -> sender."""
    return dict(_SENDERS)
