"""The fixed request mix of bench/rss.py: every domain of the API once per round, over HTTP and
/ws, as a trader and as the admin. Every answer's status is checked (a 5xx or an unexpected
status stops the bench); nothing is timed.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

API = "/api/v1"
SYMBOL = "BTCUSDT"
_ID = re.compile(r"/\d+(?=/|$)")
INDICATORS = "sma:20,ema:50,wma:20,rsi:14,macd,bbands,atr:14,stoch,adx:14,obv"


@dataclass
class Mix:
    """One client per role; `calls` counts the requests made per route."""

    http: httpx.AsyncClient
    trader: dict[str, str]
    admin: dict[str, str]
    trader_token: str
    calls: Counter[str] = field(default_factory=Counter)

    async def call(
        self, method: str, path: str, *, who: str = "trader", ok: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> Any:  # fmt: skip
        headers = self.admin if who == "admin" else self.trader
        response = await self.http.request(method, API + path, headers=headers, **kwargs)
        self.calls[f"{method} {_ID.sub('/{id}', path.split('?')[0])}"] += 1
        if response.status_code not in ok:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:400]}")
        return response.json() if response.content else None


async def sign_in(http: httpx.AsyncClient, username: str, password: str) -> str:
    response = await http.post(
        f"{API}/auth/login", data={"username": username, "password": password}
    )
    if response.status_code != 200:
        raise SystemExit(f"login {username}: {response.status_code} {response.text[:300]}")
    token: str = response.json()["access_token"]
    return token


async def new_trader(http: httpx.AsyncClient) -> tuple[str, str]:
    """Register a trader; (user id, access token)."""
    name = f"rss{secrets.token_hex(4)}"
    password = f"Bench-{secrets.token_urlsafe(16)}"
    response = await http.post(
        f"{API}/auth/register",
        json={"email": f"{name}@example.com", "username": name, "password": password},
    )
    if response.status_code != 201:
        raise SystemExit(f"register: {response.status_code} {response.text[:300]}")
    return str(response.json()["id"]), await sign_in(http, name, password)


async def market(m: Mix) -> None:
    await m.call("GET", "/market/symbols")
    await m.call("GET", "/market/tickers")
    await m.call("GET", f"/market/ticker?symbol={SYMBOL}")
    await m.call("GET", "/market/status")
    for interval in ("1m", "1h", "1d"):
        await m.call("GET", f"/market/klines?symbol={SYMBOL}&interval={interval}&limit=1000")


async def trading(m: Mix) -> None:
    await m.call("GET", "/account")
    market_order = {"symbol": SYMBOL, "side": "BUY", "type": "MARKET", "quantity": "0.001"}
    await m.call("POST", "/orders", json=market_order, ok=(201,))
    ticker = await m.call("GET", f"/market/ticker?symbol={SYMBOL}")
    below = f"{float(ticker['last_price']) * 0.7:.2f}"
    limit_order = {
        "symbol": SYMBOL, "side": "BUY", "type": "LIMIT", "time_in_force": "GTC",
        "quantity": "0.001", "price": below,
    }  # fmt: skip
    order = await m.call("POST", "/orders", json=limit_order, ok=(201,))
    await m.call("GET", f"/orders/{order['id']}")
    await m.call("GET", "/orders")
    await m.call("DELETE", f"/orders/{order['id']}")
    await m.call("GET", "/trades")
    await m.call("GET", "/portfolio")
    await m.call("GET", "/portfolio/equity")


async def alerts(m: Mix) -> None:
    body = {"symbol": SYMBOL, "condition": "price_above", "value": "10000000"}
    alert = await m.call("POST", "/alerts", json=body, ok=(201,))
    rsi = {"symbol": SYMBOL, "condition": "rsi_above", "value": "99", "interval": "1h"}
    await m.call("POST", "/alerts", json=rsi, ok=(201,))
    await m.call("GET", "/alerts")
    await m.call("PATCH", f"/alerts/{alert['id']}", json={"note": "bench"})
    await m.call("GET", f"/alerts/{alert['id']}/firings")
    await m.call("DELETE", f"/alerts/{alert['id']}", ok=(204,))
    await m.call("GET", "/notifications")
    await m.call("GET", "/notifications/settings")


async def analysis(m: Mix) -> None:
    await m.call("GET", "/analysis/indicators/catalog")
    for interval in ("1h", "1d"):
        await m.call(
            "GET",
            f"/analysis/indicators?symbol={SYMBOL}&interval={interval}"
            f"&indicators={INDICATORS}&limit=500",
        )
    await m.call(
        "GET", "/analysis/compare?symbols=BTCUSDT,ETHUSDT,SOLUSDT&interval=1d", who="admin"
    )
    await m.call("GET", "/forecast/models", who="admin")
    # no model trained in the bench: 404 `no_model` (the route and its query still run)
    await m.call("GET", f"/forecast?symbol={SYMBOL}&interval=1h", who="admin", ok=(200, 404, 409))


async def users_and_admin(m: Mix, trader_id: str) -> None:
    await m.call("GET", "/users/me")
    await m.call("GET", "/admin/users", who="admin")
    await m.call("GET", f"/admin/users/{trader_id}", who="admin")
    await m.call("GET", "/admin/audit", who="admin")
    await m.call("GET", "/admin/tasks", who="admin")
    await m.call("GET", "/admin/logs", who="admin")
    await m.call("GET", "/admin/metrics/summary", who="admin")
    await m.call("GET", "/admin/health", who="admin")


async def ws_session(m: Mix, ws_url: str) -> int:
    """Subscribe to market streams and the user stream; the frames received in a short while."""
    streams = [f"{SYMBOL.lower()}@kline_1m", f"{SYMBOL.lower()}@ticker", "!miniTicker@arr"]
    frames = 0
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"method": "AUTH", "params": [m.trader_token], "id": 1}))
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": [*streams, "user"], "id": 2}))
        replies: set[int] = set()
        try:
            async with asyncio.timeout(3.0):
                while True:
                    frame = json.loads(await ws.recv())  # `!miniTicker@arr`: a list
                    if isinstance(frame, dict) and "error" in frame:
                        raise SystemExit(f"/ws error frame: {frame}")
                    if isinstance(frame, dict) and frame.get("id") in (1, 2):
                        replies.add(frame["id"])
                    frames += 1
        except TimeoutError:
            pass
        if replies != {1, 2}:
            raise SystemExit(f"/ws: replies to AUTH and SUBSCRIBE missing (got ids {replies})")
    m.calls["WS /ws"] += 1
    return frames


async def one_round(m: Mix, trader_id: str, ws_url: str) -> int:
    await market(m)
    await trading(m)
    await alerts(m)
    await analysis(m)
    await users_and_admin(m, trader_id)
    return await ws_session(m, ws_url)
