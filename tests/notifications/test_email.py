"""Email: a real SMTP exchange with a local aiosmtpd server; SMTP down -> sent after recovery,
once; the mail in the user's language with a Message-ID from the idempotency key."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from sqlalchemy import select

from backend.notifications.models import NotificationAttempt, NotificationDelivery
from tests.notifications.helpers import runtime, send, user, wait_delivered


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_port() -> int:
    return _free_port()


@pytest.fixture
def overrides(smtp_port: int) -> dict[str, object]:
    return {"smtp_url": f"smtp://127.0.0.1:{smtp_port}", "smtp_from": "Alerts <a@test.local>"}


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[tuple[Inbox, Controller]]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    yield box, controller
    if getattr(controller, "_thread", None) is not None:
        controller.stop()


async def _email_on(client: httpx.AsyncClient, auth: dict[str, str], language: str) -> None:
    resp = await client.patch(
        "/api/v1/notifications/settings",
        json={"email_enabled": True, "language": language},
        headers=auth,
    )
    assert resp.status_code == 200 and resp.json()["email_available"] is True


async def test_mail_in_the_users_language(
    app: FastAPI, client: httpx.AsyncClient, inbox: tuple[Inbox, Controller]
) -> None:
    box, controller = inbox
    controller.start()
    uid, auth = await user(client, "alice")
    await _email_on(client, auth, "ru")
    row = await send(app, uid, "mail:1", ("app", "email"), title="BTCUSDT выше 100000")
    assert row is not None
    await wait_delivered(app, "email")
    (mail,) = box.mails
    assert mail["To"] == "alice@example.com" and mail["From"] == "Alerts <a@test.local>"
    assert mail["Subject"] == "BTCUSDT выше 100000"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert "профиле" in payload.decode()  # the Russian footer
    async with runtime(app).sessionmaker() as session:
        delivery = (await session.scalars(select(NotificationDelivery))).one()
    assert mail["Message-ID"] == f"<{delivery.idempotency_key}@notifications.cryptodemo>"


async def test_smtp_down_then_delivered_once_after_recovery(
    app: FastAPI, client: httpx.AsyncClient, inbox: tuple[Inbox, Controller]
) -> None:
    box, controller = inbox
    uid, auth = await user(client, "alice")
    await _email_on(client, auth, "en")
    await send(app, uid, "mail:2", ("email",))
    # the server is down (nothing listens on the port): the first tries are retried
    async with runtime(app).sessionmaker() as session:
        import asyncio

        async with asyncio.timeout(20):
            while not (await session.scalars(select(NotificationAttempt))).all():
                await asyncio.sleep(0.05)
                session.expire_all()
    controller.start()
    await wait_delivered(app, "email")
    assert len(box.mails) == 1
    async with runtime(app).sessionmaker() as session:
        delivery = (await session.scalars(select(NotificationDelivery))).one()
        outcomes = (await session.scalars(select(NotificationAttempt.outcome))).all()
    assert delivery.state == "sent" and delivery.attempts >= 2
    assert outcomes[0] == "retry" and outcomes[-1] == "sent" and outcomes.count("sent") == 1
