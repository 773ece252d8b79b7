"""Linking a chat end to end: POST /telegram/link, `/start <code>` through the fake Bot API
(real HTTP, getUpdates long polling), /users/me's `telegram_linked`, DELETE and /unlink."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.db import transaction
from backend.runtime import Runtime
from backend.telegram import service
from backend.telegram.models import TelegramLink
from tests.auth.helpers import ME, bearer, signup
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram.helpers import LINK, ask, linked_user

pytestmark = pytest.mark.usefixtures("bot")
CHAT = 7001


async def _linked(client: httpx.AsyncClient, token: str, expect: bool | None = None) -> bool:
    """/users/me's `telegram_linked`; with `expect`, asked again until it says so. The bot runs
    here without the API's bus (embedded: no Redis), so a change the bot commits reaches the
    API's principal cache within AUTH_USER_CACHE_TTL_S (1 s in these tests, 5 s by default);
    with Redis at once (test_link_cache.py)."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        resp = await client.get(ME, headers=bearer(token))
        assert resp.status_code == 200, resp.text
        linked = bool(resp.json()["telegram_linked"])
        if expect is None or linked == expect or asyncio.get_running_loop().time() > deadline:
            return linked
        await asyncio.sleep(0.2)


async def test_link_by_start_code_then_unlink(
    app: FastAPI, client: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    grant = await signup(client, "alice")
    token = grant["access_token"]
    assert await _linked(client, token) is False

    resp = await client.post(LINK, headers=bearer(token))
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["url"] == f"https://t.me/{fake_telegram.username}?start={body['code']}"
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)

    answer = await ask(fake_telegram, CHAT, f"/start {body['code']}")
    assert "alice" in answer and "linked" in answer
    assert await _linked(client, token, True) is True
    rt: Runtime = app.state.runtime

    # the chat id is stored encrypted: the row does not show it
    async with transaction(rt.sessionmaker) as tx:
        row = (await tx.session.execute(select(TelegramLink))).scalar_one()
        assert str(CHAT) not in row.chat_id_enc and str(CHAT) not in row.chat_key
        assert await service.chat_of_user(tx, rt.cipher, row.user_id) == CHAT

    resp = await client.delete(LINK, headers=bearer(token))
    assert resp.status_code == 204
    assert await _linked(client, token) is False
    assert "not linked" in await ask(fake_telegram, CHAT, "/portfolio")


async def test_a_code_works_once(client: httpx.AsyncClient, fake_telegram: FakeTelegram) -> None:
    grant = await signup(client, "alice")
    code = (await client.post(LINK, headers=bearer(grant["access_token"]))).json()["code"]
    assert "alice" in await ask(fake_telegram, CHAT, f"/start {code}")
    assert "expired" in await ask(fake_telegram, CHAT + 1, f"/start {code}")
    assert "expired" in await ask(fake_telegram, CHAT + 2, "/start not-a-code")
    assert "not linked" in await ask(fake_telegram, CHAT + 1, "/portfolio")
    assert await _linked(client, grant["access_token"], True) is True


async def test_a_new_code_replaces_the_old_one(
    client: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    grant = await signup(client, "alice")
    first = (await client.post(LINK, headers=bearer(grant["access_token"]))).json()["code"]
    second = (await client.post(LINK, headers=bearer(grant["access_token"]))).json()["code"]
    assert first != second
    assert "expired" in await ask(fake_telegram, CHAT, f"/start {first}")
    assert "alice" in await ask(fake_telegram, CHAT, f"/start {second}")


async def test_an_expired_code_links_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    grant = await signup(client, "alice")
    rt: Runtime = app.state.runtime
    now = datetime.now(UTC)
    async with transaction(rt.sessionmaker) as tx:
        code = await service.create_code(tx, grant["user"]["id"], now)
    async with transaction(rt.sessionmaker) as tx:
        linked = await service.link_chat(
            tx,
            rt.cipher,
            "secret",
            code=code.code,
            chat_id=CHAT,
            language=None,
            now=now + service.CODE_TTL,
        )
    assert linked is None
    assert await _linked(client, grant["access_token"], False) is False


async def test_unlink_from_the_chat(client: httpx.AsyncClient, fake_telegram: FakeTelegram) -> None:
    grant = await linked_user(client, fake_telegram, "alice", CHAT)
    assert "unlinked" in await ask(fake_telegram, CHAT, "/unlink")
    assert await _linked(client, grant["access_token"], False) is False
    assert "not linked" in await ask(fake_telegram, CHAT, "/unlink")


async def test_one_chat_belongs_to_one_account(
    client: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    alice = await linked_user(client, fake_telegram, "alice", CHAT)
    bob = await linked_user(client, fake_telegram, "bob", CHAT)
    assert await _linked(client, alice["access_token"], False) is False
    assert await _linked(client, bob["access_token"], True) is True


async def test_the_fake_chat_can_be_driven_over_http(
    client: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    """What the browser test uses: send as the user, read the bot's answers, over HTTP."""
    grant = await signup(client, "alice")
    code = (await client.post(LINK, headers=bearer(grant["access_token"]))).json()["code"]
    async with httpx.AsyncClient(base_url=fake_telegram.url) as remote:
        resp = await remote.post(f"/_fake/chats/{CHAT}/send", json={"text": f"/start {code}"})
        assert resp.status_code == 200
        await fake_telegram.wait_messages(CHAT, 1)
        texts = (await remote.get(f"/_fake/chats/{CHAT}/messages")).json()
    assert len(texts) == 1 and "alice" in texts[0]
    assert await _linked(client, grant["access_token"], True) is True
