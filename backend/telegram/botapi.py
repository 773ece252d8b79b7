"""The few Bot API calls the backend makes itself (the bot process uses aiogram): `getMe` for
the deep link's bot username and `sendMessage` for the telegram channel. Plain HTTPS with httpx.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from backend.telegram import redact

TIMEOUT_S = 10.0


class BotApiError(Exception):
    """A Bot API answer with ok=false (or no JSON): its HTTP status, text and retry_after."""

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class BotApi:
    base_url: str  # TELEGRAM_API_URL
    token: str

    def method_url(self, method: str) -> str:
        return f"{self.base_url.rstrip('/')}/bot{self.token}/{method}"

    async def call(
        self, client: httpx.AsyncClient, method: str, params: dict[str, Any] | None = None
    ) -> Any:
        resp = await client.post(self.method_url(method), json=params or {}, timeout=TIMEOUT_S)
        try:
            body = resp.json()
        except ValueError:
            raise BotApiError(resp.status_code, resp.text[:200] or resp.reason_phrase) from None
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            retry = (body.get("parameters") or {}).get("retry_after")
            raise BotApiError(
                resp.status_code,
                str(body.get("description") or resp.reason_phrase),
                float(retry) if retry is not None else None,
            )
        return body.get("result")


_USERNAMES: dict[BotApi, str] = {}


async def bot_username(api: BotApi) -> str:
    """The bot's @username (getMe, asked once per process)."""
    name = _USERNAMES.get(api)
    if name is None:
        redact.install()
        async with httpx.AsyncClient() as client:
            me = await api.call(client, "getMe")
        name = str(me["username"])
        _USERNAMES[api] = name
    return name
