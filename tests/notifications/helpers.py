"""Shared steps for the notification tests."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

from backend.db import transaction
from backend.notifications.models import Notification
from backend.notifications.service import notify
from backend.runtime import Runtime
from tests.auth.helpers import bearer, signup


def runtime(app: FastAPI) -> Runtime:
    rt: Runtime = app.state.runtime
    return rt


async def user(client: httpx.AsyncClient, name: str) -> tuple[int, dict[str, str]]:
    grant = await signup(client, name)
    return int(grant["user"]["id"]), bearer(grant["access_token"])


async def send(
    app: FastAPI, user_id: int, key: str, channels: tuple[str, ...] = ("app",), **kw: Any
) -> Notification | None:
    async with transaction(runtime(app).sessionmaker) as tx:
        return await notify(
            tx,
            user_id=user_id,
            kind=kw.pop("kind", "alert"),
            title=kw.pop("title", f"title {key}"),
            body=kw.pop("body", f"body {key}"),
            channels=channels,
            dedupe_key=key,
            **kw,
        )


class Frames:
    """Frames published on one bus channel, awaited by count (no sleeps)."""

    def __init__(self) -> None:
        self.items: list[bytes] = []
        self._changed = asyncio.Event()

    def __call__(self, _channel: str, data: bytes) -> None:
        self.items.append(data)
        self._changed.set()

    async def wait(self, count: int, timeout: float = 10.0) -> list[bytes]:
        async with asyncio.timeout(timeout):
            while len(self.items) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.items


async def wait_delivered(app: FastAPI, channel: str, count: int = 1, timeout: float = 20.0) -> None:
    """Until `count` deliveries of `channel` are finished (sent or failed)."""
    from sqlalchemy import func, select

    from backend.notifications.models import NotificationDelivery

    async with asyncio.timeout(timeout):
        while True:
            async with runtime(app).sessionmaker() as session:
                done = (
                    await session.execute(
                        select(func.count())
                        .select_from(NotificationDelivery)
                        .where(NotificationDelivery.channel == channel)
                        .where(NotificationDelivery.state != "pending")
                    )
                ).scalar_one()
            if done >= count:
                return
            await asyncio.sleep(0.05)
