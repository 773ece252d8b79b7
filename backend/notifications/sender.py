"""The `notifications.outbox` part: where senders run.

It runs in every API and worker process (main.PARTS). On PostgreSQL each runs
`SENDER_CONCURRENCY` sender loops; `FOR UPDATE SKIP LOCKED` shares the deliveries between all
of them, so no lease is needed and a dead process's share is taken by the others at once. On
SQLite (one process, no row locks) only the API process sends, with one loop. A commit that
adds deliveries publishes `notifications:wake` on the bus, so the senders start at once; the
poll interval (NOTIFY_POLL_INTERVAL_S) is the safety net while the bus is down.

It also makes `notify`'s frames go out on this process's bus. The senders are this runtime's
webhook and email (when SMTP_URL is set) senders plus those in the channel registry (telegram,
registered by its own part).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from backend.notifications import channels, live
from backend.notifications.channels import ChannelSender
from backend.notifications.email import EmailSender
from backend.notifications.outbox import Outbox, RetryPolicy, run_sender
from backend.notifications.webhook import WebhookSender
from backend.runtime import Runtime

SENDER_CONCURRENCY = 4


def build_outbox(rt: Runtime, own: list[ChannelSender]) -> Outbox:
    """The registry's senders (telegram) and this runtime's own (webhook, email)."""
    s = rt.settings
    policy = RetryPolicy(s.notify_max_attempts, s.notify_backoff_base_s, s.notify_backoff_max_s)
    mine = {sender.channel: sender for sender in own}
    return Outbox(rt.sessionmaker, lambda: {**channels.registered(), **mine}, policy)


def own_senders(rt: Runtime) -> list[ChannelSender]:
    senders: list[ChannelSender] = [WebhookSender(rt.settings, rt.sessionmaker, rt.cipher)]
    if rt.settings.smtp_url is not None:
        senders.append(EmailSender(rt.settings, rt.sessionmaker))
    return senders


@asynccontextmanager
async def notification_outbox(rt: Runtime) -> AsyncIterator[None]:
    live.push_bus(rt.bus)
    mine = own_senders(rt)
    sqlite = rt.settings.is_sqlite
    loops = 0 if sqlite and rt.process != "api" else (1 if sqlite else SENDER_CONCURRENCY)
    wake = asyncio.Event()
    sub = None
    tasks: list[asyncio.Task[None]] = []
    try:
        if loops:
            with contextlib.suppress(Exception):  # bus down: the poll still delivers
                sub = await rt.bus.subscribe(live.WAKE_CHANNEL, lambda _c, _d: wake.set())
            outbox = build_outbox(rt, mine)
            poll = rt.settings.notify_poll_interval_s
            tasks = [
                asyncio.create_task(run_sender(outbox, wake, poll), name=f"notify.sender.{i}")
                for i in range(loops)
            ]
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.close()
        live.pop_bus(rt.bus)
