"""POST/DELETE /telegram/link: a one-time code and deep link for the bot; unlinking."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import APIRouter, Response, status

from backend.deps import CurrentUser, SettingsDep, TxDep
from backend.errors import Conflict, ErrorOut, Unavailable
from backend.telegram import service
from backend.telegram.botapi import BotApi, BotApiError, bot_username
from backend.telegram.schemas import LinkCodeOut

router = APIRouter(prefix="/telegram", tags=["telegram"])


@router.post(
    "/link",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorOut, "description": "Telegram is not set up on this server"}},
)
async def create_link(user: CurrentUser, tx: TxDep, settings: SettingsDep) -> LinkCodeOut:
    """A one-time code (10 minutes) and the bot's deep link; earlier codes stop working.
    409 `telegram_disabled` without TELEGRAM_BOT_TOKEN."""
    if settings.telegram_bot_token is None:
        raise Conflict("Telegram is not set up on this server", code="telegram_disabled")
    api = BotApi(settings.telegram_api_url, settings.telegram_bot_token.get_secret_value())
    try:
        username = await bot_username(api)
    except (BotApiError, httpx.HTTPError, KeyError) as exc:
        raise Unavailable("Telegram is not reachable", code="telegram_unavailable") from exc
    code = await service.create_code(tx, user.id, datetime.now(UTC))
    return LinkCodeOut(
        code=code.code, url=f"https://t.me/{username}?start={code.code}", expires_at=code.expires_at
    )


@router.delete("/link", status_code=status.HTTP_204_NO_CONTENT)
async def delete_link(user: CurrentUser, tx: TxDep) -> Response:
    """Unlinks the chat (idempotent: 204 also when none was linked)."""
    await service.unlink_user(tx, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
