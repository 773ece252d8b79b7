"""Talking to the bot through the fake Bot API, and linking a chat the way a user does."""

from __future__ import annotations

from typing import Any

import httpx

from tests.auth.helpers import bearer, signup
from tests.fakes.telegram_server import FakeTelegram

LINK = "/api/v1/telegram/link"


async def ask(fake: FakeTelegram, chat_id: int, text: str, *, language: str = "en") -> str:
    """Send `text` from the chat; the bot's next answer there."""
    seen = len(fake.messages(chat_id))
    await fake.user_sends(chat_id, text, language_code=language)
    return (await fake.wait_messages(chat_id, seen + 1))[-1]


async def linked_user(
    client: httpx.AsyncClient, fake: FakeTelegram, name: str, chat_id: int
) -> dict[str, Any]:
    """A new account linked to `chat_id` by `/start <code>`; its signup grant."""
    grant = await signup(client, name)
    resp = await client.post(LINK, headers=bearer(grant["access_token"]))
    assert resp.status_code == 201, resp.text
    answer = await ask(fake, chat_id, f"/start {resp.json()['code']}")
    assert name in answer, answer
    return grant
