"""One simulated user of `bench/load.py`: signs up, keeps a `/ws` stream open and loops over
weighted actions (browse, trade, alerts, indicators) with a think time between them.

Each user has an address of its own (198.18.0.0/15, the benchmarking range), sent in
X-Forwarded-For as the web front's nginx does: rate limits, lockout and `/ws` caps see 500
clients, as in production, with their production values. The HTTP connection pool is shared,
as nginx keeps an upstream pool. Answers the workload allows are counted as refusals, not
errors: a cancel that lost to a fill, an order the balance no longer covers (-2010).
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

import aiohttp
from _load_stats import Stats

API = "/api/v1"
PASSWORD = "Load-bench-" + secrets.token_urlsafe(12)
INDICATORS = "rsi:14,macd:12:26:9,bbands:20:2"
TOKEN_MARGIN_S = 300  # refresh when less is left (a load phase + drain fit in it)


@dataclass(frozen=True)
class Rules:
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    min_notional: Decimal
    base: str


@dataclass
class Market:
    rules: dict[str, Rules]
    last: dict[str, Decimal]

    @classmethod
    def parse(cls, symbols: dict[str, Any], tickers: dict[str, Any]) -> Market:
        rules = {
            s["symbol"]: Rules(
                Decimal(s["tick_size"]),
                Decimal(s["step_size"]),
                Decimal(s["min_qty"]),
                Decimal(s["min_notional"]),
                s["base_asset"],
            )
            for s in symbols["symbols"]
        }
        market = cls(rules, {})
        market.update(tickers)
        return market

    def update(self, tickers: dict[str, Any]) -> None:
        for t in tickers["tickers"]:
            if t["symbol"] in self.rules:
                self.last[t["symbol"]] = Decimal(t["last_price"])

    def price(self, symbol: str, factor: float) -> Decimal:
        tick = self.rules[symbol].tick
        return (self.last[symbol] * Decimal(str(factor)) / tick).to_integral_value(
            ROUND_DOWN
        ) * tick

    def qty(self, symbol: str, notional: float, price: Decimal) -> Decimal:
        r = self.rules[symbol]
        q = (Decimal(str(notional)) / price / r.step).to_integral_value(ROUND_DOWN) * r.step
        return max(q, r.min_qty)


@dataclass
class Config:
    think_s: float
    webhook_url: str | None  # None: this user sets no webhook
    ws: bool


@dataclass
class User:
    index: int
    http: aiohttp.ClientSession
    api_url: str
    ws_url: str
    market: Market
    stats: Stats
    config: Config
    rng: random.Random
    user_id: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    refresh_token: str = ""
    token_expires_at: float = 0.0  # time.monotonic() when the access token expires
    ws: aiohttp.ClientWebSocketResponse | None = None
    open_orders: list[int] = field(default_factory=list)
    free: dict[str, Decimal] = field(default_factory=dict)
    placed: list[int] = field(default_factory=list)  # order ids answered 201
    unknown_outcome: list[str] = field(default_factory=list)  # client ids of failed requests
    alerts: list[int] = field(default_factory=list)
    webhook_secret: str | None = None
    notifications_seen: list[int] = field(default_factory=list)  # ids from the user stream
    ws_frames: int = 0
    ws_closed: str | None = None  # why the stream ended early (None: open the whole run)

    @property
    def address(self) -> str:
        return f"198.18.{self.index // 250}.{self.index % 250 + 1}"

    @property
    def name(self) -> str:
        return f"load{self.index:05d}"

    # --- HTTP ---------------------------------------------------------------------------------

    async def call(
        self, name: str, method: str, path: str, *, ok: tuple[int, ...] = (200,), **kw: Any
    ) -> tuple[int, Any]:
        """One request; the answer's status and JSON (None when not `ok` or no body)."""
        start = time.perf_counter()
        try:
            async with self.http.request(
                method, self.api_url + API + path, headers=self.headers, **kw
            ) as resp:
                body = await resp.read()
                ms = (time.perf_counter() - start) * 1000
                if resp.status in ok:
                    self.stats.ok(name, ms)
                    return resp.status, json.loads(body) if body else None
                kind = _refusal(name, resp.status, body)
                if kind is not None:
                    self.stats.refused(name, ms, kind)
                else:
                    self.stats.error(name, str(resp.status), f"{resp.status} {body[:300]!r}")
                return resp.status, None
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.stats.error(name, type(exc).__name__, f"{type(exc).__name__}: {exc}")
            return 0, None

    async def sign_up(self) -> bool:
        self.headers = {"X-Forwarded-For": self.address}
        body = {"email": f"{self.name}@example.com", "username": self.name, "password": PASSWORD}
        _, user = await self.call(
            "POST /auth/register", "POST", "/auth/register", ok=(201,), json=body
        )
        if user is None:
            return False
        self.user_id = int(user["id"])
        form = {"username": self.name, "password": PASSWORD}
        _, tok = await self.call("POST /auth/login", "POST", "/auth/login", data=form)
        if tok is None:
            return False
        self._grant(tok)
        if self.config.webhook_url is not None:
            url = f"{self.config.webhook_url}/{self.user_id}"
            _, hook = await self.call("PUT /webhook", "PUT", "/webhook", json={"url": url})
            if hook is None:
                return False
            self.webhook_secret = hook["secret"]
        return True

    def _grant(self, tok: dict[str, Any]) -> None:
        self.headers["Authorization"] = f"Bearer {tok['access_token']}"
        self.refresh_token = tok["refresh_token"]
        self.token_expires_at = time.monotonic() + int(tok["expires_in"])

    async def fresh_token(self) -> None:
        """As the web app does: a new pair before the access token runs out (signing 500 users
        up with production Argon2 can take longer than its 15 minutes), and AUTH again on the
        open stream so its `user` stream is not dropped at expiry."""
        if time.monotonic() < self.token_expires_at - TOKEN_MARGIN_S:
            return
        body = {"refresh_token": self.refresh_token}
        _, tok = await self.call("POST /auth/refresh", "POST", "/auth/refresh", json=body)
        if tok is None:
            return
        self._grant(tok)
        if self.ws is not None and not self.ws.closed:
            await self.ws.send_str(json.dumps({"method": "AUTH", "params": [tok["access_token"]]}))

    # --- the action loop -----------------------------------------------------------------------

    async def run(self, until: float) -> None:
        actions = [a for a, _ in WEIGHTS]
        weights = [w for _, w in WEIGHTS]
        while True:
            pause = min(self.rng.expovariate(1 / self.config.think_s), 4 * self.config.think_s)
            if time.monotonic() + pause >= until:
                return
            await asyncio.sleep(pause)
            await self.fresh_token()
            action = self.rng.choices(actions, weights)[0]
            await getattr(self, action)()

    def _symbol(self) -> str:
        return self.rng.choice(sorted(self.market.last))

    async def tickers(self) -> None:
        _, body = await self.call("GET /market/tickers", "GET", "/market/tickers")
        if body is not None:
            self.market.update(body)

    async def ticker(self) -> None:
        params = {"symbol": self._symbol()}
        await self.call("GET /market/ticker", "GET", "/market/ticker", params=params)

    async def klines(self) -> None:
        params = {"symbol": self._symbol(), "interval": "1m", "limit": "200"}
        await self.call("GET /market/klines", "GET", "/market/klines", params=params)

    async def symbols(self) -> None:
        await self.call("GET /market/symbols", "GET", "/market/symbols")

    async def indicators(self) -> None:
        params = {
            "symbol": self._symbol(),
            "interval": "15m",
            "indicators": INDICATORS,
            "limit": "200",
        }
        await self.call("GET /analysis/indicators", "GET", "/analysis/indicators", params=params)

    async def _order(self, body: dict[str, str]) -> None:
        body["client_order_id"] = f"ld{self.index}-{len(self.placed)}-{secrets.token_hex(4)}"
        status, order = await self.call("POST /orders", "POST", "/orders", ok=(201,), json=body)
        if order is not None:
            self.placed.append(int(order["id"]))
            if order["status"] in ("NEW", "PARTIALLY_FILLED"):
                self.open_orders.append(int(order["id"]))
        elif status == 0 or status >= 500:
            self.unknown_outcome.append(body["client_order_id"])

    async def limit_buy(self) -> None:
        sym = self._symbol()
        price = self.market.price(sym, 1 - self.rng.uniform(0.0005, 0.004))
        qty = self.market.qty(sym, self.rng.uniform(20, 200), price)
        await self._order(
            {
                "symbol": sym,
                "side": "BUY",
                "type": "LIMIT",
                "time_in_force": "GTC",
                "price": str(price),
                "quantity": str(qty),
            }
        )

    async def market_buy(self) -> None:
        quote = f"{self.rng.uniform(20, 150):.2f}"
        await self._order(
            {"symbol": self._symbol(), "side": "BUY", "type": "MARKET", "quote_quantity": quote}
        )

    def _sellable(self) -> tuple[str, Decimal] | None:
        held = [
            s
            for s, r in self.market.rules.items()
            if self.free.get(r.base, Decimal(0)) > 0 and s in self.market.last
        ]
        if not held:
            return None
        sym = self.rng.choice(sorted(held))
        r = self.market.rules[sym]
        qty = (self.free[r.base] / 2 / r.step).to_integral_value(ROUND_DOWN) * r.step
        if qty < r.min_qty or qty * self.market.last[sym] < r.min_notional * 2:
            return None
        self.free[r.base] -= qty
        return sym, qty

    async def market_sell(self) -> None:
        picked = self._sellable()
        if picked is None:
            return await self.account()
        sym, qty = picked
        await self._order({"symbol": sym, "side": "SELL", "type": "MARKET", "quantity": str(qty)})

    async def limit_sell(self) -> None:
        picked = self._sellable()
        if picked is None:
            return await self.account()
        sym, qty = picked
        price = self.market.price(sym, 1 + self.rng.uniform(0.0005, 0.004))
        await self._order(
            {
                "symbol": sym,
                "side": "SELL",
                "type": "LIMIT",
                "time_in_force": "GTC",
                "price": str(price),
                "quantity": str(qty),
            }
        )

    async def cancel(self) -> None:
        if not self.open_orders:
            return await self.orders()
        oid = self.open_orders.pop(self.rng.randrange(len(self.open_orders)))
        await self.call("DELETE /orders/{id}", "DELETE", f"/orders/{oid}")

    async def orders(self) -> None:
        params = {"status": "open", "limit": "100"}
        _, rows = await self.call("GET /orders", "GET", "/orders", params=params)
        if rows is not None:
            self.open_orders = [int(o["id"]) for o in rows]

    async def account(self) -> None:
        _, acct = await self.call("GET /account", "GET", "/account")
        if acct is not None:
            self.free = {b["asset"]: Decimal(b["free"]) for b in acct["balances"]}

    async def portfolio(self) -> None:
        await self.call("GET /portfolio", "GET", "/portfolio")

    async def create_alert(self) -> None:
        sym = self._symbol()
        # half fire within seconds on the replayed market, half stay far off
        near = self.rng.random() < 0.5
        away = self.rng.uniform(0.0001, 0.0008) if near else self.rng.uniform(0.03, 0.08)
        above = self.rng.random() < 0.5
        value = self.market.price(sym, 1 + away if above else 1 - away)
        channels = ["app", "webhook"] if self.webhook_secret else ["app"]
        body = {
            "symbol": sym,
            "condition": "price_above" if above else "price_below",
            "value": str(value),
            "channels": channels,
        }
        _, alert = await self.call("POST /alerts", "POST", "/alerts", ok=(201,), json=body)
        if alert is not None:
            self.alerts.append(int(alert["id"]))

    async def list_alerts(self) -> None:
        await self.call("GET /alerts", "GET", "/alerts")

    async def notifications(self) -> None:
        await self.call("GET /notifications", "GET", "/notifications")

    async def pause_alerts(self) -> None:
        """The drain: stop this user's alerts so the firings end and can be counted."""
        await self.fresh_token()
        _, body = await self.call("GET /alerts", "GET", "/alerts")
        for alert in body["items"] if body else []:
            if alert["state"] == "active":
                await self.call("POST /alerts/{id}/pause", "POST", f"/alerts/{alert['id']}/pause")

    # --- the /ws stream --------------------------------------------------------------------------

    async def stream(self, ready: asyncio.Event, stop: asyncio.Event) -> None:
        """Ticker and 1m klines of one symbol plus the private `user` stream (AUTH), counting
        frames and recording the ids of the notification frames."""
        sym = self._symbol().lower()
        await self.fresh_token()
        token = self.headers["Authorization"].split(" ", 1)[1]
        try:
            async with self.http.ws_connect(
                self.ws_url + "/ws", headers=self.headers, heartbeat=None
            ) as ws:
                self.ws = ws
                await ws.send_str(json.dumps({"method": "AUTH", "params": [token], "id": 1}))
                await ws.send_str(
                    json.dumps(
                        {
                            "method": "SUBSCRIBE",
                            "id": 2,
                            "params": [f"{sym}@ticker", f"{sym}@kline_1m", "user"],
                        }
                    )
                )
                reader = asyncio.ensure_future(self._read(ws, ready))
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
                if not stopper.done():
                    self.ws_closed = f"closed by the server ({ws.close_code})"
                    stopper.cancel()
                reader.cancel()
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.ws_closed = f"{type(exc).__name__}: {exc}"
            self.stats.error("WS /ws", "ws connect", self.ws_closed)
        finally:
            ready.set()  # never leave the user waiting on a stream that failed

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, ready: asyncio.Event) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data: str = msg.data
            if not ready.is_set():
                if '"id":2' in data.replace(" ", ""):
                    reply = json.loads(data)
                    if reply.get("result", "x") is not None:
                        self.stats.error("WS /ws", "ws refused", f"subscribe answered {data[:200]}")
                    ready.set()
                elif '"error"' in data:
                    self.stats.error("WS /ws", "ws refused", f"AUTH answered {data[:200]}")
                continue
            if data.startswith('{"result"'):
                continue  # the answer to a later AUTH (fresh_token)
            self.ws_frames += 1
            if '"notification"' in data:
                frame = json.loads(data)
                if frame.get("e") == "notification":
                    self.notifications_seen.append(int(frame["id"]))
        if self.ws_closed is None:
            self.ws_closed = "stream ended"
            self.stats.error("WS /ws", "ws closed", f"{self.name}: the server closed the stream")


def _refusal(name: str, status: int, body: bytes) -> str | None:
    """The answers the workload can meet legitimately; anything else is an error."""
    if status not in (400, 409):
        return None
    try:
        error = json.loads(body)["error"]
    except (ValueError, KeyError):
        return None
    if name == "POST /alerts/{id}/pause" and error.get("code") == "alert_not_active":
        return "alert fired (triggered) between the list and the pause"
    if status != 400:
        return None
    code = (error.get("details") or {}).get("binance_code")
    if name == "DELETE /orders/{id}" and code == -2011:
        return "unknown order (-2011): filled or canceled meanwhile"
    if name == "POST /orders" and code == -2010:
        return "insufficient balance (-2010)"
    return None


# action -> weight: a browsing-heavy mix, a quarter trading, some alerts and analysis
WEIGHTS: list[tuple[str, int]] = [
    ("tickers", 12),
    ("ticker", 8),
    ("klines", 10),
    ("symbols", 2),
    ("indicators", 6),
    ("limit_buy", 8),
    ("market_buy", 4),
    ("limit_sell", 4),
    ("market_sell", 3),
    ("cancel", 6),
    ("orders", 6),
    ("account", 5),
    ("portfolio", 5),
    ("create_alert", 4),
    ("list_alerts", 3),
    ("notifications", 4),
]
