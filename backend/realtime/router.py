"""`GET /ws`: Binance-style market and private streams (../shared/API.md "Streams").

The endpoint runs two tasks per connection: a reader (control frames -> Session) and the
client's writer (queue -> socket). Whichever ends first ends the connection, with the close code
the session or hub decided (1008 "slow consumer", 1008 "too many messages").
Protocol pings are sent by the ASGI server (ASGI has no ping message): `uvicorn_options`
turns the ws_* settings into uvicorn's keepalive, so a client that does not pong within
`ws_ping_timeout_s` is closed by uvicorn and its reader sees the disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, WebSocket
from starlette.routing import WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketState

from backend.auth.deps import authenticate_principal
from backend.config import Settings
from backend.realtime.hub import Hub
from backend.realtime.protocol import StreamCatalog
from backend.realtime.session import Authenticate, Session

_TOKEN_IN_QUERY = re.compile(r"(?<=[?&]token=)[^&\s\"]+")


class _RedactToken(logging.Filter):
    """uvicorn logs each WebSocket handshake with its query string; `?token=` must not reach
    the logs (STYLE.md §7: never log tokens)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(a, str) and "token=" in a for a in record.args
        ):
            record.args = tuple(
                _TOKEN_IN_QUERY.sub("***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


_REDACT = _RedactToken()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Entered inside the core lifespan (FastAPI nests included routers' lifespans), so the bus
    # is already started here and still open when the hub lets go of its channels.
    settings: Settings = app.state.settings
    hub = Hub(app.state.bus)
    app.state.hub = hub
    app.state.stream_catalog = StreamCatalog(settings.market_symbols, settings.market_intervals)
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addFilter(_REDACT)  # a set: adding it twice (two apps) keeps one
    try:
        yield
    finally:
        await hub.close()


router = APIRouter(tags=["streams"], lifespan=lifespan)


_UVICORN_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for uvicorn.run/Config that apply the ws_* settings.

    `log_level` matters for speed: without it uvicorn's loggers inherit the stdlib root level
    that setup_logging leaves at 0, so uvicorn wraps the app in its per-message trace logger
    and the websockets protocol formats a debug line for every frame sent (bench/fanout.py).
    """
    level = settings.log_level.lower()
    return {
        "log_level": level if level in _UVICORN_LEVELS else "info",
        "ws_ping_interval": settings.ws_ping_interval_s,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
        "ws_max_size": settings.ws_max_size,
        "ws_per_message_deflate": settings.ws_per_message_deflate,
    }


class StreamEndpoint:
    """The `/ws` ASGI endpoint.

    A plain ASGI class (not a `func(websocket)` route) so the writer gets the connection's raw
    ASGI `send`: event frames skip Starlette's per-message state machine and dict building,
    which matters at 1,000 clients x every event (bench/fanout.py). Handshake, reads and the
    close go through Starlette's `WebSocket` as usual.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        app = websocket.app
        state = app.state
        snapshot = getattr(state, "stream_snapshot", None)
        session = Session(
            state.settings,
            state.hub,
            state.stream_catalog,
            _authenticator(state),
            snapshot,
            getattr(state, "principals", None),
        )
        await websocket.accept()
        token = websocket.query_params.get("token")
        writer = asyncio.create_task(session.client.run_writer(send))
        reader = asyncio.create_task(_read(websocket, session, token))
        try:
            dropped = session.client.dropped
            await asyncio.wait((reader, writer, dropped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
            await session.close()
            await _close(websocket, session)


router.routes.append(WebSocketRoute("/ws", StreamEndpoint(), name="stream"))


def _authenticator(state: Any) -> Authenticate:
    async def authenticate(token: str) -> tuple[int, datetime]:
        # The same check as a bearer request: a blocked account or a changed password
        # (token version) refuses the token, not only a bad signature or expiry.
        claims = state.access_tokens.decode(token)
        principal = await authenticate_principal(
            state.access_tokens, state.principals, state.sessionmaker, token
        )
        return principal.id, claims.expires_at

    return authenticate


async def _read(websocket: WebSocket, session: Session, token: str | None) -> None:
    if token:
        await session.on_auth_param(token)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            raw: bytes = message.get("bytes") or b""
            text = raw.decode(errors="replace")
        await session.on_text(text)


async def _close(websocket: WebSocket, session: Session) -> None:
    client = session.client
    if websocket.application_state != WebSocketState.CONNECTED:
        return
    if websocket.client_state == WebSocketState.DISCONNECTED:
        return
    code = client.close_code or 1000
    # A stuck peer never drains its buffer; don't hold the handler (and its memory) forever.
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code, client.close_reason), session.close_timeout_s)
