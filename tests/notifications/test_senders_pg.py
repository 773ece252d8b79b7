"""Several senders on PostgreSQL (the app's own loops plus two more outboxes on their own
connection pools) deliver every webhook exactly once: FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.db import make_engine, make_sessionmaker
from backend.notifications.models import NotificationDelivery
from backend.notifications.outbox import Outbox, RetryPolicy
from backend.notifications.webhook import WebhookSender
from tests.notifications.helpers import runtime, send, user, wait_delivered
from tests.notifications.receiver import receiver

N = 24


@pytest.mark.parametrize("db_backend", ["postgres"])
async def test_two_senders_deliver_each_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    rt = runtime(app)
    uid, auth = await user(client, "alice")
    engines = [make_engine(rt.settings.database_url, pool_size=2) for _ in range(2)]
    try:
        async with receiver() as rec:
            rec.pause_s = 0.02
            resp = await client.put("/api/v1/webhook", json={"url": rec.url}, headers=auth)
            assert resp.status_code == 200
            outboxes = []
            for engine in engines:
                sm = make_sessionmaker(engine)
                sender = WebhookSender(rt.settings, sm, rt.cipher)
                outboxes.append(Outbox(sm, lambda s=sender: {"webhook": s}, RetryPolicy()))
            for i in range(N):
                await send(app, uid, f"burst:{i}", ("webhook",))
            await asyncio.gather(*(o.drain() for o in outboxes for _ in range(3)))
            await wait_delivered(app, "webhook", N)
            counts = Counter(rec.keys())
        assert len(counts) == N and set(counts.values()) == {1}, counts
        async with rt.sessionmaker() as session:
            states = (await session.scalars(select(NotificationDelivery.state))).all()
        assert states == ["sent"] * N
    finally:
        for engine in engines:
            await engine.dispose()
