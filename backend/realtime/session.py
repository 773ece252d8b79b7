"""One `/ws` connection: the control-message state machine (subscriptions, properties, AUTH).

The router owns the socket; this class owns what the connection is subscribed to and answers
each control frame through the client's queue, so replies and events leave in order.
Private events: a connection receives `user:<id>` events only after a successful AUTH *and* an
explicit `SUBSCRIBE ["user"]` (same rule as every other stream; no surprise traffic).

Revocation: an authenticated session watches its user in the per-process principal cache
(backend/auth/principals.py). Every invalidation of that user (a block, a role change, a
password change or logout-all bumping the token version; on any replica, via the bus) makes the
session re-run the AUTH check on its token, from the cache (one database read per user and
process at most, none per frame). A refused token ends the identity like an expiry does: the
`user` stream is dropped first, then an error frame (code 6, "revoked") is sent; the connection
and its public streams stay, and a later AUTH with a valid token restores private access.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from loguru import logger

from backend.config import Settings
from backend.errors import Unauthorized
from backend.realtime.hub import CLOSE_POLICY, Client, Hub, text_message
from backend.realtime.protocol import (
    CODE_UNAUTHORIZED,
    ProtocolError,
    Request,
    RequestId,
    StreamCatalog,
    check_time_unit,
    check_well_formed,
    error_frame,
    parse_request,
    result_frame,
    too_many_messages,
    too_many_streams,
)
from backend.streams import USER_STREAM, raw_payload, user_channel

TOO_MANY_MESSAGES = "too many messages"
INVALID_URL_STREAM = "invalid stream or timeUnit in the URL"
# Optional provider of a stream's latest frame (the bytes a bus event would carry), e.g. the
# market domain's last ticker; the router reads it from the runtime's `stream_snapshot`.
Snapshot = Callable[[str], bytes | None]
# Access token -> (user id, token expiry); raises Unauthorized. The router binds it to the auth
# domain's principal check (signature, expiry, active account, token version).
Authenticate = Callable[[str], Awaitable[tuple[int, datetime]]]
MSG_EXPIRED = "Unauthorized: the access token has expired; send AUTH with a fresh one"
MSG_REVOKED = "Unauthorized: access revoked ({reason}); send AUTH with a valid token"


class Revocations(Protocol):
    """What a session needs of the principal cache (PrincipalCache satisfies it)."""

    def ticket(self) -> int: ...

    def watch(self, user_id: int, callback: Callable[[], None]) -> Callable[[], None]: ...


class RateWindow:
    """At most `limit` inbound frames in any rolling second (Binance counts every frame)."""

    __slots__ = ("_limit", "_times")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._times: list[float] = []

    def allow(self, now: float) -> bool:
        times = self._times
        while times and now - times[0] >= 1.0:
            times.pop(0)
        if len(times) >= self._limit:
            return False
        times.append(now)
        return True


class Session:
    def __init__(
        self,
        settings: Settings,
        hub: Hub,
        catalog: StreamCatalog,
        authenticate: Authenticate,
        snapshot: Snapshot | None = None,
        revocations: Revocations | None = None,
        *,
        combined: bool = False,
    ) -> None:
        self._settings = settings
        self._authenticate = authenticate
        self._revocations = revocations
        self._token: str | None = None  # the token behind user_id, re-checked on invalidation
        self._unwatch: Callable[[], None] | None = None
        self._recheck: asyncio.Task[None] | None = None
        self._recheck_again = False
        self._hub = hub
        self._catalog = catalog
        self._snapshot = snapshot
        self._after_reply: list[str] = []
        self._joining: list[str] = []
        # Binance: `/ws` connections get raw events, `/stream` ones the combined wrapper
        self.client = Client(settings.ws_send_queue, combined=combined)
        self.streams: dict[str, None] = {}  # insertion-ordered, for LIST_SUBSCRIPTIONS
        self.user_id: int | None = None
        self._expiry: asyncio.TimerHandle | None = None
        self._rate = RateWindow(settings.ws_max_msgs_per_s)
        self._tasks: set[asyncio.Task[None]] = set()
        self.close_timeout_s = settings.ws_ping_timeout_s

    def _channel(self, stream: str) -> str:
        if stream == USER_STREAM and self.user_id is not None:
            return user_channel(self.user_id)
        return stream

    def _channels(self) -> list[str]:
        return [self._channel(s) for s in self.streams]

    async def on_text(self, text: str) -> None:
        """Handle one inbound frame; errors become error frames, never exceptions."""
        if not self._rate.allow(asyncio.get_running_loop().time()):
            self.client.push(
                text_message(too_many_messages(self._settings.ws_max_msgs_per_s).frame())
            )
            self.client.request_close(CLOSE_POLICY, TOO_MANY_MESSAGES)
            return
        try:
            request = parse_request(text)
            result = await self._dispatch(request)
        except ProtocolError as exc:
            self.client.push(text_message(exc.frame()))
            return
        self.client.push(text_message(result_frame(result, request.id)))
        await self._join()

    async def _join(self) -> None:
        # After a SUBSCRIBE: the reply, then the latest known state, then live frames (the
        # channels join the hub only now, so no data frame can overtake the reply or a snapshot
        # arrive after newer live data; an update published in between is covered by the next).
        for frame in self._after_reply:
            self.client.push(text_message(frame if self.client.combined else raw_payload(frame)))
        self._after_reply.clear()
        joining, self._joining = self._joining, []
        current = set(self._channels())  # a revocation may have dropped `user` meanwhile
        if joining := [c for c in joining if c in current]:
            await self._hub.add(self.client, joining)

    async def open_url(self, names: list[str], time_unit: str | None = None) -> None:
        """The streams named in the URL (`/ws/<a>/<b>`, `/stream?streams=a/b`), subscribed as if
        by a first SUBSCRIBE (after `?token=`, so `user` works there), and its `timeUnit`. A name
        that SUBSCRIBE would refuse, or a time unit we do not send, gets its error frame (id null)
        and the connection is closed (1008), as Binance closes on an invalid stream: a client that
        cannot get what it asked for learns it."""
        try:
            check_time_unit(time_unit)
            check_well_formed(names, None)
            await self._subscribe(names, None)
        except ProtocolError as exc:
            self._joining.clear()
            self._after_reply.clear()
            self.streams.clear()
            self.client.push(text_message(exc.frame()))
            self.client.request_close(CLOSE_POLICY, INVALID_URL_STREAM)
            return
        await self._join()

    async def on_auth_param(self, token: str) -> None:
        """`/ws?token=`: the same as a first AUTH frame (an error frame with a null id)."""
        try:
            await self.authenticate(token, None)
        except ProtocolError as exc:
            self.client.push(text_message(exc.frame()))

    async def _dispatch(self, request: Request) -> object:
        method, params = request.method, request.params
        if method == "SUBSCRIBE":
            await self._subscribe(params, request.id)
        elif method == "UNSUBSCRIBE":
            await self._unsubscribe(params)
        elif method == "LIST_SUBSCRIPTIONS":
            return list(self.streams)
        elif method == "GET_PROPERTY":
            return self.client.combined
        elif method == "SET_PROPERTY":
            self._hub.set_combined(self.client, self._channels(), bool(params[1]))
        elif method == "AUTH":
            await self.authenticate(params[0], request.id)
        return None

    async def _subscribe(self, names: list[str], request_id: RequestId) -> None:
        self._catalog.check(names, request_id)
        new = [n for n in dict.fromkeys(names) if n not in self.streams]
        if len(self.streams) + len(new) > self._settings.ws_max_streams_per_conn:
            raise too_many_streams(self._settings.ws_max_streams_per_conn, request_id)
        if USER_STREAM in new and self.user_id is None:
            msg = "Unauthorized: send AUTH with an access token before subscribing to `user`"
            raise ProtocolError(CODE_UNAUTHORIZED, msg, request_id)
        for name in new:
            self.streams[name] = None
        self._joining.extend(self._channel(n) for n in new)  # added after the reply (on_text)
        if self._snapshot is not None:
            # the latest known state right away (after the reply), not at the next update
            for name in new:
                data = self._snapshot(name)
                if data is not None:
                    self._after_reply.append(data.decode())

    async def _unsubscribe(self, names: list[str]) -> None:
        # Like Binance, unsubscribing from a stream one is not subscribed to is not an error.
        gone = [n for n in dict.fromkeys(names) if n in self.streams]
        channels = [self._channel(n) for n in gone]
        for name in gone:
            del self.streams[name]
        await self._hub.remove(self.client, channels)

    async def authenticate(self, token: str, request_id: RequestId) -> None:
        """Verify an access token; a failure keeps the previous identity (if any)."""
        ticket = self._revocations.ticket() if self._revocations is not None else 0
        try:
            user_id, expires_at = await self._authenticate(token)
        except Unauthorized as exc:
            raise ProtocolError(
                CODE_UNAUTHORIZED, f"Unauthorized: {exc.message}", request_id
            ) from None
        previous = self.user_id
        self.user_id = user_id
        self._token = token
        self._watch(user_id, previous)
        if self._revocations is not None and self._revocations.ticket() != ticket:
            self._on_principal_changed()  # an invalidation raced with this check: check again
        self._arm_expiry(token, expires_at)
        if previous is not None and user_id != previous and USER_STREAM in self.streams:
            # subscribed as `previous`
            await self._hub.remove(self.client, [user_channel(previous)])
            await self._hub.add(self.client, [self._channel(USER_STREAM)])
        logger.bind(user_id=user_id).debug("ws.authenticated")

    def _watch(self, user_id: int, previous: int | None) -> None:
        if self._revocations is None or (user_id == previous and self._unwatch is not None):
            return
        if self._unwatch is not None:
            self._unwatch()
        self._unwatch = self._revocations.watch(user_id, self._on_principal_changed)

    def _on_principal_changed(self) -> None:
        # Called synchronously by the cache on an eviction: schedule (or re-queue) one re-check.
        if self._recheck is not None and not self._recheck.done():
            self._recheck_again = True  # the running check may have read the row too early
            return
        self._recheck = asyncio.create_task(self._recheck_principal())

    async def _recheck_principal(self) -> None:
        while True:
            self._recheck_again = False
            token = self._token
            if token is None:
                return
            try:
                await self._authenticate(token)
            except Unauthorized as exc:
                await self._deauthenticate(token, MSG_REVOKED.format(reason=exc.message))
                return
            except Exception:
                # e.g. the database is unreachable: keep the identity (expiry still ends it)
                logger.bind(user_id=self.user_id).exception("ws.recheck_failed")
                return
            if not self._recheck_again:
                return

    def _arm_expiry(self, token: str, expires_at: datetime) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        loop = asyncio.get_running_loop()
        delay = max(0.0, (expires_at - datetime.now(UTC)).total_seconds())
        self._expiry = loop.call_later(delay, self._on_expired, token)

    def _on_expired(self, token: str) -> None:
        # Private events stop with the token; the client re-sends AUTH with a fresh one.
        self._expiry = None
        task = asyncio.create_task(self._deauthenticate(token, MSG_EXPIRED))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deauthenticate(self, token: str, msg: str) -> None:
        """End the identity behind `token` (unless a newer AUTH replaced it meanwhile)."""
        if self._token != token:
            return
        channel = self._channel(USER_STREAM) if USER_STREAM in self.streams else None
        self.streams.pop(USER_STREAM, None)
        self.user_id = None
        self._token = None
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        if channel is not None:
            # the hub forgets this client before its first await: no user event after the notice
            await self._hub.remove(self.client, [channel])
        self.client.push(text_message(error_frame(CODE_UNAUTHORIZED, msg)))
        logger.debug("ws.deauthenticated")

    async def close(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        self._token = None
        if self._recheck is not None:
            self._recheck.cancel()
        channels = self._channels()
        self.streams.clear()
        await self._hub.remove(self.client, channels)
