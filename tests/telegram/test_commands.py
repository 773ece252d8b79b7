"""Each bot command's answer in English and Russian, through the fake Bot API (real HTTP).

Before linking the language is Telegram's `language_code`; once linked, the account's
notification language (G2's settings)."""

# ruff: noqa: RUF001  (Cyrillic letters are meant)

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from backend.db import transaction
from backend.notifications.repository import SettingsRepository
from backend.runtime import Runtime
from backend.trading.repository import MarkRepository
from tests.auth.helpers import bearer
from tests.fakes.telegram_server import FakeTelegram
from tests.telegram.helpers import ask, linked_user

pytestmark = pytest.mark.usefixtures("bot")
CHAT = 8001

EXPECTED = {
    "en": {
        "help": "Commands:\n/price SYMBOL",
        "usage": "Usage: /price SYMBOL",
        "unknown": "Unknown symbol XYZ",
        "no_price": "No price for ETHUSDT yet.",
        "not_linked": "This chat is not linked",
        "portfolio": "Equity: 10000.00 USDT\nCash: 10000.00 USDT",
        "unlinked": "This chat is unlinked",
    },
    "ru": {
        "help": "Команды:\n/price СИМВОЛ",
        "usage": "Использование: /price СИМВОЛ",
        "unknown": "Неизвестный символ XYZ",
        "no_price": "Цены ETHUSDT пока нет.",
        "not_linked": "Этот чат не привязан",
        "portfolio": "Капитал: 10000.00 USDT\nДенежные средства: 10000.00 USDT",
        "unlinked": "Чат отвязан",
    },
}


async def _set_language(rt: Runtime, user_id: int, language: str) -> None:
    async with transaction(rt.sessionmaker) as tx:
        row = await SettingsRepository(tx.session).get_or_create(user_id, datetime.now(UTC))
        row.language = language


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_commands_before_linking(
    app: FastAPI, fake_telegram: FakeTelegram, lang: str
) -> None:
    rt: Runtime = app.state.runtime
    async with transaction(rt.sessionmaker) as tx:
        await MarkRepository(tx.session).upsert("BTCUSDT", Decimal("50000.50"), datetime.now(UTC))
    want = EXPECTED[lang]
    assert (await ask(fake_telegram, CHAT, "/help", language=lang)).startswith(want["help"])
    assert (await ask(fake_telegram, CHAT, "/start", language=lang)).startswith(want["help"])
    assert await ask(fake_telegram, CHAT, "/price btcusdt", language=lang) == "BTCUSDT: 50000.5"
    assert await ask(fake_telegram, CHAT, "/price BTC", language=lang) == "BTCUSDT: 50000.5"
    assert (await ask(fake_telegram, CHAT, "/price", language=lang)).startswith(want["usage"])
    unknown = await ask(fake_telegram, CHAT, "/price XYZ", language=lang)
    assert unknown.startswith(want["unknown"])
    assert await ask(fake_telegram, CHAT, "/price ETHUSDT", language=lang) == want["no_price"]
    for command in ("/portfolio", "/alerts", "/unlink"):
        answer = await ask(fake_telegram, CHAT, command, language=lang)
        assert answer.startswith(want["not_linked"]), (command, answer)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_commands_of_a_linked_account_follow_its_language(
    app: FastAPI, client: httpx.AsyncClient, fake_telegram: FakeTelegram, lang: str
) -> None:
    grant = await linked_user(client, fake_telegram, "alice", CHAT)
    await _set_language(app.state.runtime, grant["user"]["id"], lang)
    want = EXPECTED[lang]
    # Telegram's own language is the other one: the account's choice wins once linked
    other = "en" if lang == "ru" else "ru"
    assert (await ask(fake_telegram, CHAT, "/help", language=other)).startswith(want["help"])
    portfolio = await ask(fake_telegram, CHAT, "/portfolio", language=other)
    assert portfolio == want["portfolio"]
    assert (await ask(fake_telegram, CHAT, "/unlink", language=other)).startswith(want["unlinked"])


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_alerts_lists_the_active_ones(
    app: FastAPI, client: httpx.AsyncClient, fake_telegram: FakeTelegram, lang: str
) -> None:
    grant = await linked_user(client, fake_telegram, "alice", CHAT)
    await _set_language(app.state.runtime, grant["user"]["id"], lang)
    none = {"en": "You have no active alerts.", "ru": "У вас нет активных оповещений."}[lang]
    assert await ask(fake_telegram, CHAT, "/alerts") == none
    headers = bearer(grant["access_token"])
    ids = []
    for value in ("60000", "40000"):
        body = {"symbol": "BTCUSDT", "condition": "price_above", "value": value}
        resp = await client.post("/api/v1/alerts", json=body, headers=headers)
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()["id"])
    resp = await client.post(f"/api/v1/alerts/{ids[1]}/pause", headers=headers)
    assert resp.status_code == 200, resp.text
    head = {"en": "Active alerts (1):", "ru": "Активные оповещения (1):"}[lang]
    answer = await ask(fake_telegram, CHAT, "/alerts")
    assert answer == f"{head}\n#{ids[0]} BTCUSDT price_above 60000"
