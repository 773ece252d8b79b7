"""`notify`: once per dedupe key, one outbox row per set-up channel, the frame after commit."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from backend import streams
from backend.db import transaction
from backend.notifications.models import Notification, NotificationDelivery
from backend.notifications.repository import SettingsRepository
from backend.notifications.service import notify, user_language
from tests.notifications.helpers import Frames, runtime, send, user


async def _count(app: FastAPI, model: type[Notification] | type[NotificationDelivery]) -> int:
    async with runtime(app).sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_same_dedupe_key_writes_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    uid, _ = await user(client, "alice")
    first = await send(app, uid, "alert:1:fire:1", ("app", "telegram"), alert_id=1)
    assert first is not None and first.alert_id == 1
    assert await send(app, uid, "alert:1:fire:1", ("app", "telegram")) is None
    assert await _count(app, Notification) == 1
    assert await _count(app, NotificationDelivery) == 1


async def test_deliveries_only_for_channels_set_up(app: FastAPI, client: httpx.AsyncClient) -> None:
    uid, _ = await user(client, "alice")
    await send(app, uid, "k1", ("app", "email", "webhook", "telegram"))
    async with runtime(app).sessionmaker() as session:
        rows = (await session.scalars(select(NotificationDelivery))).all()
    assert [r.channel for r in rows] == ["telegram"]  # email off, no webhook URL
    async with transaction(runtime(app).sessionmaker) as tx:
        from datetime import UTC, datetime

        s = await SettingsRepository(tx.session).get_or_create(uid, datetime.now(UTC))
        s.email_enabled = True
        s.language = "ru"
    await send(app, uid, "k2", ("app", "email", "webhook"))
    async with runtime(app).sessionmaker() as session:
        channels = (
            await session.scalars(
                select(NotificationDelivery.channel).order_by(NotificationDelivery.id)
            )
        ).all()
    assert list(channels) == ["telegram", "email"]
    async with transaction(runtime(app).sessionmaker) as tx:
        assert await user_language(tx, uid) == "ru"


async def test_frame_after_commit_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    uid, _ = await user(client, "alice")
    rt = runtime(app)
    frames = Frames()
    sub = await rt.bus.subscribe(streams.user_channel(uid), frames)
    try:
        with pytest.raises(RuntimeError):
            async with transaction(rt.sessionmaker) as tx:
                await notify(
                    tx,
                    user_id=uid,
                    kind="alert",
                    title="t",
                    body="b",
                    channels=["app"],
                    dedupe_key="rolled-back",
                    bus=rt.bus,
                )
                raise RuntimeError("the caller's transaction fails")
        assert await _count(app, Notification) == 0
        row = await send(app, uid, "k", alert_id=7, bus=rt.bus)
        assert row is not None
        (frame,) = await frames.wait(1)
        data = json.loads(frame)["data"]
        assert data["e"] == "notification" and data["id"] == row.id
        assert (data["kind"], data["title"], data["body"], data["alert_id"]) == (
            "alert",
            "title k",
            "body k",
            7,
        )
        assert isinstance(data["E"], int)
    finally:
        await sub.close()
