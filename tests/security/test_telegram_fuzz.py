"""Telegram updates fuzzed through the fake Bot API (real HTTP long polling): random texts,
commands with garbage arguments, forged and replayed link codes, huge and Markdown/HTML texts,
users with odd language codes. The bot answers or ignores each, never crashes (its loop ends
cleanly when stopped), never links a chat without a real code, and still answers afterwards."""

from __future__ import annotations

import asyncio
import random

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from backend.telegram.models import TelegramLink
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram.conftest import bot, fake_telegram, settings  # noqa: F401 - the bot fixtures

pytestmark = pytest.mark.usefixtures("bot")
COMMANDS = ["/start", "/price", "/portfolio", "/unlink", "/help", "/alerts", "/start@bot", "/"]
GARBAGE = [
    "", " ", "x" * 5000, "BTCUSDT", "btc usdt", "'; DROP TABLE telegram_links; --", "*b* _i_ `c`",
    "<b>x</b>", "\u202e\u0000", "0" * 64, "AAAAAAAAAAAAAAAAAAAAAAAA", "../../etc/passwd", "🚀" * 50,
    "-1", "1e400", "%s%n", "\\", '{"code": 1}',
]  # fmt: skip


async def test_random_messages_never_crash_or_link_the_bot(
    app: FastAPI,
    fake_telegram: FakeTelegram,  # noqa: F811
) -> None:
    rng = random.Random(14)
    chats = [7001 + i for i in range(5)]
    for n in range(120):
        chat = rng.choice(chats)
        roll = rng.random()
        if roll < 0.6:
            text = f"{rng.choice(COMMANDS)} {rng.choice(GARBAGE)}"
        elif roll < 0.8:
            text = rng.choice(GARBAGE)
        else:
            text = "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(1, 80)))
        language = rng.choice(["en", "ru", None, "zz", "x" * 40])
        await fake_telegram.user_sends(
            chat, text[:4096] or "?", language_code=language, user_id=chat + n % 2
        )
    # the bot is alive and answers a real command in every chat after all of that
    for chat in chats:
        seen = len(fake_telegram.messages(chat))
        await fake_telegram.user_sends(chat, "/help", language_code="en")
        async with asyncio.timeout(30):  # answers to the fuzz may still be on their way
            while not any(m.startswith("Commands") for m in fake_telegram.messages(chat)[seen:]):
                await asyncio.sleep(0.05)
    async with app.state.runtime.sessionmaker() as session:
        links = await session.scalar(select(func.count()).select_from(TelegramLink))
    assert links == 0  # no garbage code linked a chat
