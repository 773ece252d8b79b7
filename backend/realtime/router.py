"""`/ws`, `/ws/<stream>[/<stream>...]` and `/stream?streams=<a>/<b>`: Binance's market-stream
endpoints (PROTOCOL.md §1.1) plus the private `user` stream (../shared/API.md "Streams").

As on Binance, a `/ws` connection gets each event raw (the bare Binance event) until it sends
`SET_PROPERTY ["combined", true]`; a `/stream` connection gets `{"stream","data"}` wrappers
(plus our `source`, see backend/streams.py). Streams named in the URL are subscribed at once.
Before the handshake is accepted the connection caps apply (backend/realtime/limits.py).

The endpoint runs two tasks per connection: a reader (control frames -> Session) and the
client's writer (queue -> socket). Whichever ends first ends the connection, with the close code
the session or hub decided (1008 "slow consumer", 1008 "too many messages").
Protocol pings are sent by the ASGI server (ASGI has no ping message):
`backend.server_options.uvicorn_options` turns the ws_* settings into uvicorn's keepalive, so a
client that does not pong within `ws_ping_timeout_s` is closed by uvicorn and its reader sees the
disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime

from fastapi import APIRouter, WebSocket
from starlette.routing import WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketState

from backend.auth.deps import authenticate_principal
from backend.errors import error_response
from backend.metrics import WS_REFUSED
from backend.realtime.hub import SLOW_CONSUMER
from backend.realtime.limits import ConnectionLimits
from backend.realtime.protocol import url_streams
from backend.realtime.session import Authenticate, Session
from backend.runtime import Runtime

router = APIRouter(tags=["streams"])
SLOW_CLOSE_S = 2.0  # how long a dropped slow consumer has to take its close frame


class StreamEndpoint:
    """The ASGI endpoint of `/ws`, `/ws/<streams>` and `/stream`.

    A plain ASGI class (not a `func(websocket)` route) so the writer gets the connection's raw
    ASGI `send`: event frames skip Starlette's per-message state machine and dict building,
    which matters at 1,000 clients x every event (bench/fanout.py). Handshake, reads and the
    close go through Starlette's `WebSocket` as usual.
    """

    def __init__(self, *, combined: bool) -> None:
        self._combined = combined  # the connection's `combined` property when it opens

    def _url_streams(self, websocket: WebSocket) -> list[str]:
        if self._combined:
            return url_streams(websocket.query_params.get("streams", ""))
        return url_streams(str(websocket.path_params.get("streams", "")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        state: Runtime = websocket.app.state.runtime
        limits: ConnectionLimits = state.ws_limits
        address = websocket.client.host if websocket.client else ""
        refusal = limits.acquire(address)
        if refusal is not None:
            WS_REFUSED.labels(refusal.reason).inc()
            await _refuse(websocket, refusal.status, refusal.detail)
            return
        try:
            await self._serve(websocket, state, send)
        finally:
            limits.release(address)

    async def _serve(self, websocket: WebSocket, state: Runtime, send: Send) -> None:
        session = Session(
            state.settings,
            state.hub,
            state.stream_catalog,
            _authenticator(state),
            state.stream_snapshot,
            state.principals,
            combined=self._combined,
        )
        await websocket.accept()
        token = websocket.query_params.get("token")
        writer = asyncio.create_task(session.client.run_writer(send))
        streams = self._url_streams(websocket)
        time_unit = websocket.query_params.get("timeUnit")
        reader = asyncio.create_task(_read(websocket, session, token, streams, time_unit))
        try:
            dropped = session.client.dropped
            await asyncio.wait((reader, writer, dropped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
            await session.close()
            await _close(websocket, session)


async def _refuse(websocket: WebSocket, status: int, detail: str) -> None:
    """Answer the handshake with plain HTTP (no upgrade): the client sees `status`."""
    response = error_response(status, "ws_connection_limit", detail, headers={"Retry-After": "1"})
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(response)
    else:  # a server without the denial extension answers 403
        await websocket.close(1013, detail)


router.routes.append(WebSocketRoute("/ws", StreamEndpoint(combined=False), name="stream"))
router.routes.append(
    WebSocketRoute("/ws/{streams:path}", StreamEndpoint(combined=False), name="stream_raw")
)
router.routes.append(
    WebSocketRoute("/stream", StreamEndpoint(combined=True), name="stream_combined")
)


def _authenticator(state: Runtime) -> Authenticate:
    async def authenticate(token: str) -> tuple[int, datetime]:
        # The same check as a bearer request: a blocked account or a changed password
        # (token version) refuses the token, not only a bad signature or expiry.
        claims = state.access_tokens.decode(token)
        principal = await authenticate_principal(
            state.access_tokens, state.principals, state.sessionmaker, token
        )
        return principal.id, claims.expires_at

    return authenticate


async def _read(
    websocket: WebSocket,
    session: Session,
    token: str | None,
    streams: list[str],
    time_unit: str | None,
) -> None:
    if token:
        await session.on_auth_param(token)
    if streams or time_unit is not None:
        await session.open_url(streams, time_unit)
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
    # A stuck peer never drains its buffer; don't hold the handler (and its memory) forever. A
    # slow consumer's buffer is full: its close frame gets in only if it catches up at once.
    timeout = SLOW_CLOSE_S if client.close_reason == SLOW_CONSUMER else session.close_timeout_s
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(code, client.close_reason), timeout)
