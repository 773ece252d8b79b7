"""A fake Telegram Bot API for tests: real local HTTP (aiohttp) on 127.0.0.1, port 0.

`POST|GET /bot<token>/<method>` with JSON, urlencoded or multipart parameters (aiogram sends
multipart, the backend's sender JSON); answers `{"ok": true, "result": ...}` or
`{"ok": false, "error_code", "description"[, "parameters": {"retry_after"}]}` like Telegram.

- getMe: the bot (`username`); a wrong token is 401 Unauthorized.
- getUpdates: long polling with `offset` (confirms every update below it), `limit`, `timeout`
  (waits up to that many seconds for an update); updates come from `user_sends`.
- sendMessage: recorded per chat (`messages(chat_id)`, `wait_messages`); a Message back.
- deleteWebhook, setMyCommands: true.
- Faults: `fail_next(method, status, count, retry_after=...)`: 429 with `retry_after`, 5xx.
  `stall_next(method, accepted=...)`: the next call hangs (a process killed meanwhile never gets
  an answer): `accepted` after it took effect (a sendMessage recorded: Telegram took it and the
  answer is lost), else before (it never took effect); `wait_stalled` awaits the hang.

For a browser test driving it from outside the process (tests/fakes/run_telegram.py):
`GET /_fake/chats/<chat_id>/messages` -> the bot's messages to that chat (JSON list of texts),
`POST /_fake/chats/<chat_id>/send {"text", "language_code"?}` -> the user sends a message.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token"


@dataclass
class _Fault:
    status: int
    count: int
    retry_after: int | None


class FakeTelegram:
    def __init__(self, token: str = TOKEN, username: str = "cryptodemo_test_bot") -> None:
        self.token = token
        self.username = username
        self.url = ""
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._sent: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self._faults: dict[str, _Fault] = {}
        self._fault_script: dict[str, list[_Fault]] = {}  # method -> the next faults, in order
        self._stalls: dict[str, bool] = {}  # method -> accepted
        self.stalled: list[str] = []  # methods of the calls that hung
        self._release = asyncio.Event()
        self._stopping = False
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self, port: int = 0) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/_fake/chats/{chat_id}/messages", self._chat_messages)
        app.router.add_post("/_fake/chats/{chat_id}/send", self._chat_send)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._release.set()  # hung calls answer, so the server can close their connections
        async with self._changed:  # and long polls (of a killed bot too) return now
            self._stopping = True
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ scripting

    def fail_next(
        self, method: str, status: int, count: int = 1, *, retry_after: int | None = None
    ) -> None:
        self._faults[method] = _Fault(status, count, retry_after)

    def fail_sequence(self, method: str, faults: list[tuple[int, int | None]]) -> None:
        """Answer the next calls of `method` with these `(status, retry_after)`, one each, in
        order (a 429 carries its retry_after), then normally."""
        self._fault_script[method] = [_Fault(status, 1, after) for status, after in faults]

    def stall_next(self, method: str, *, accepted: bool) -> None:
        self._stalls[method] = accepted

    async def wait_stalled(self, count: int = 1, timeout_s: float = 60.0) -> None:
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(lambda: len(self.stalled) >= count)

    async def _stall(self, method: str, params: dict[str, Any], accepted: bool) -> web.Response:
        handler = getattr(self, f"_m_{method}")
        result = await handler(params) if accepted else None
        async with self._changed:
            self.stalled.append(method)
            self._changed.notify_all()
        await self._release.wait()
        if accepted:
            return web.json_response({"ok": True, "result": result})
        return self._error(504, "Gateway Timeout")

    async def user_sends(
        self,
        chat_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        user_id: int | None = None,
    ) -> int:
        """A private-chat message from a user to the bot; its update_id."""
        sender: dict[str, Any] = {"id": user_id or chat_id, "is_bot": False, "first_name": "Test"}
        if language_code is not None:
            sender["language_code"] = language_code
        message: dict[str, Any] = {
            "message_id": self._new_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": sender,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        update_id = self._next_update_id
        self._next_update_id += 1
        async with self._changed:
            self._updates.append({"update_id": update_id, "message": message})
            self._changed.notify_all()
        return update_id

    def messages(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self._sent[chat_id]]

    async def wait_messages(self, chat_id: int, count: int, timeout_s: float = 10.0) -> list[str]:
        """The chat's first `count` bot messages, waiting for them to arrive."""
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(lambda: len(self._sent[chat_id]) >= count)
        return self.messages(chat_id)[:count]

    def pending_updates(self) -> int:
        return len(self._updates)

    # ------------------------------------------------------------------ remote control

    async def _chat_messages(self, request: web.Request) -> web.Response:
        return web.json_response(self.messages(int(request.match_info["chat_id"])))

    async def _chat_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        language = body.get("language_code", "en")
        update_id = await self.user_sends(
            int(request.match_info["chat_id"]), str(body["text"]), language_code=language
        )
        return web.json_response({"update_id": update_id})

    # ------------------------------------------------------------------ the API

    def _new_message_id(self) -> int:
        self._next_message_id += 1
        return self._next_message_id

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        fault = self._faults.get(method)
        script = self._fault_script.get(method)
        if script and (fault is None or fault.count <= 0):
            fault = self._faults[method] = script.pop(0)
        if fault is not None and fault.count > 0:
            fault.count -= 1
            if fault.status == 429:
                after = fault.retry_after or 1
                return self._error(
                    429, f"Too Many Requests: retry after {after}", retry_after=after
                )
            return self._error(fault.status, "Internal Server Error")
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(404, "Not Found")
        if method in self._stalls:
            return await self._stall(method, params, self._stalls.pop(method))
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"id": 123456, "is_bot": True, "first_name": "Test bot", "username": self.username}

    async def _m_deleteWebhook(self, _: dict[str, Any]) -> bool:
        return True

    async def _m_setMyCommands(self, _: dict[str, Any]) -> bool:
        return True

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0:
                try:
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(lambda: bool(self._updates) or self._stopping)
                except TimeoutError:
                    pass
            return self._updates[:limit]

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = str(params["text"])
        if not text:
            raise web.HTTPBadRequest
        message = {
            "message_id": self._new_message_id(),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": text,
        }
        async with self._changed:
            self._sent[chat_id].append(message)
            self._changed.notify_all()
        return message
