"""An order storm over real HTTP: traders placing LIMIT and MARKET orders on BTCUSDT, each with
its own `client_order_id`, and canceling their resting ones; every answer is recorded with when
its request started and ended (monotonic and wall clock).

Traders behave as a well-made client should: a 503 (or a connection lost without an answer) is
retried with the same request (the same `client_order_id`) after `Retry-After`, until it gets a
definite answer (2xx, or a 4xx refusal). Trader 0 is a maker that only places resting BUY limits,
so an outage always catches some of those.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import httpx

SYMBOL = "BTCUSDT"
TICK = Decimal("0.01")
QTY = "0.00020"  # 0.0002 BTC: above BTCUSDT's 5 USDT minimum notional at ~60,000
SELL_QTY = "0.00010"
BUY_BAND = (Decimal("0.983"), Decimal("0.993"))  # resting BUY limits: 58,980 .. 59,580 at 60,000
SELL_BAND = (Decimal("1.010"), Decimal("1.020"))  # resting SELL limits: 60,600 .. 61,200


@dataclass(frozen=True, slots=True)
class Call:
    trader: int
    kind: Literal["place", "cancel", "read"]
    key: str  # the client_order_id placed, the order id canceled, or the path read
    started: float  # monotonic
    ended: float
    started_wall: float  # time.time(), to compare with the server's created_at
    status: int | None  # None: no HTTP answer (transport error, or past the client's bound)
    code: str | None = None  # the error code of an error answer
    retry_after: str | None = None
    order: dict[str, Any] | None = None  # a 2xx answer's order
    failure: str | None = None  # the exception when there was no answer

    @property
    def retry(self) -> bool:
        return self.status is None or self.status == 503


@dataclass
class Trader:
    index: int
    client: httpx.AsyncClient
    headers: dict[str, str]
    ref: Decimal  # the market price the storm quotes around
    user_id: int = 0
    calls: list[Call] = field(default_factory=list)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)  # client_order_id -> body
    _resting: list[int] = field(default_factory=list)
    _rng: random.Random = field(default_factory=random.Random)
    _seq: int = 0

    def __post_init__(self) -> None:
        self._rng.seed(1_000 + self.index)

    async def run(self, stop: asyncio.Event) -> None:
        """Storm until `stop` is set; a request under retry is driven to a definite answer."""
        while not stop.is_set():
            kind, key, body = self._next()
            while True:
                call = await self._send(kind, key, body)
                if not call.retry:
                    break
                await asyncio.sleep(float(call.retry_after or 1))
            if call.order is not None and call.order["status"] == "NEW" and kind == "place":
                self._resting.append(call.order["id"])

    async def place_once(self) -> Call:
        """A new order sent once, whatever the answer (the test retries it later)."""
        kind, key, body = self._next()
        assert kind == "place", "only the maker (trader 0) is asked for one"
        return await self._send(kind, key, body)

    async def place_again(self, client_order_id: str) -> Call:
        return await self._send("place", client_order_id, self.sent[client_order_id])

    def _next(self) -> tuple[Literal["place", "cancel"], str, dict[str, Any] | None]:
        roll = 0.0 if self.index == 0 else self._rng.random()
        if roll >= 0.85 and self._resting:
            oid = self._resting.pop(self._rng.randrange(len(self._resting)))
            return "cancel", str(oid), None
        self._seq += 1
        coid = f"storm-{self.index}-{self._seq}"
        body: dict[str, Any] = {"symbol": SYMBOL, "client_order_id": coid}
        if roll < 0.5:
            body |= {"side": "BUY", "type": "LIMIT", "time_in_force": "GTC", "quantity": QTY,
                     "price": self._price(BUY_BAND)}  # fmt: skip
        elif roll < 0.7:
            body |= {"side": "BUY", "type": "MARKET", "quantity": QTY}
        else:
            body |= {"side": "SELL", "type": "LIMIT", "time_in_force": "GTC",
                     "quantity": SELL_QTY, "price": self._price(SELL_BAND)}  # fmt: skip
        self.sent[coid] = body
        return "place", coid, body

    def _price(self, band: tuple[Decimal, Decimal]) -> str:
        low, high = band
        factor = low + (high - low) * Decimal(self._rng.random())
        return str((self.ref * factor).quantize(TICK))

    async def _send(
        self, kind: Literal["place", "cancel"], key: str, body: dict[str, Any] | None
    ) -> Call:
        started, wall = time.monotonic(), time.time()
        try:
            if kind == "place":
                resp = await self.client.post("/api/v1/orders", json=body, headers=self.headers)
            else:
                resp = await self.client.delete(f"/api/v1/orders/{key}", headers=self.headers)
        except httpx.HTTPError as exc:
            call = Call(self.index, kind, key, started, time.monotonic(), wall, None,
                        failure=type(exc).__name__)  # fmt: skip
            self.calls.append(call)
            return call
        data = resp.json() if resp.headers.get("content-type") == "application/json" else None
        ok = resp.is_success and isinstance(data, dict)
        error = data.get("error") if isinstance(data, dict) and not ok else None
        call = Call(
            self.index, kind, key, started, time.monotonic(), wall, resp.status_code,
            code=error.get("code") if isinstance(error, dict) else None,
            retry_after=resp.headers.get("Retry-After"),
            order=data if ok else None,
        )  # fmt: skip
        self.calls.append(call)
        return call


async def register(client: httpx.AsyncClient, index: int, ref: Decimal, password: str) -> Trader:
    """A trader signed up and logged in over the API, its demo account opened and funded."""
    name = f"storm{index}"
    body = {"email": f"{name}@example.com", "username": name, "password": password}
    made = await client.post("/api/v1/auth/register", json=body)
    assert made.status_code == 201, made.text
    login = await client.post("/api/v1/auth/login", data={"username": name, "password": password})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    account = (await client.get("/api/v1/account", headers=headers)).json()
    assert {b["asset"]: b["free"] for b in account["balances"]}["USDT"] == "10000.00000000"
    return Trader(index, client, headers, ref, user_id=made.json()["id"])


async def read_storm(
    client: httpx.AsyncClient, headers: dict[str, str], stop: asyncio.Event, out: list[Call]
) -> None:
    """An impatient reader: account and orders back to back, never waiting for Retry-After."""
    while not stop.is_set():
        for path in ("/api/v1/account", "/api/v1/orders?limit=20"):
            started, wall = time.monotonic(), time.time()
            try:
                resp = await client.get(path, headers=headers)
            except httpx.HTTPError as exc:
                out.append(Call(-1, "read", path, started, time.monotonic(), wall, None,
                                failure=type(exc).__name__))  # fmt: skip
                continue
            code = resp.json().get("error", {}).get("code") if resp.status_code >= 400 else None
            out.append(Call(-1, "read", path, started, time.monotonic(), wall, resp.status_code,
                            code=code, retry_after=resp.headers.get("Retry-After")))  # fmt: skip
