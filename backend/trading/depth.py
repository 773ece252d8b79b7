"""The streamed order book for MARKET orders: the latest partial book per symbol and the walk.

`DepthFeed` keeps a `DepthBooks` up to date from the market bus (`<symbol>@depth<N>@100ms`
frames, the same bytes the /ws clients get). `walk` consumes levels the way a Binance MARKET
order does (PROTOCOL.md §5.6): a BUY eats the asks from the lowest price up, a SELL eats the
bids from the highest price down, one fill per level; whatever the book cannot fill is the
remainder, which Binance expires (`EXPIRED`, `expiryReason` `INSUFFICIENT_LIQUIDITY`).

The demo order does not consume the public book: the next order walks the same levels until
the next update arrives (the book belongs to Binance, our orders never reach it).
Everything is exact `Decimal` arithmetic; quantities are floored to the step size, never rounded up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from loguru import logger

from backend import streams
from backend.bus import Bus, Subscription
from backend.integrations.binance.errors import ProtocolError
from backend.integrations.binance.schemas import Level, obj, parse_depth
from backend.trading.rules import ZERO, Side, floor_to_step

DEFAULT_MAX_AGE_S = 2.0  # 20 updates of a 100 ms stream: older than this, use the model


@dataclass(frozen=True, slots=True)
class DepthBook:
    """The best levels per side: bids highest first, asks lowest first, quantities > 0."""

    symbol: str
    last_update_id: int
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    updated_at: float  # epoch seconds when this process received it

    @classmethod
    def of(
        cls,
        symbol: str,
        last_update_id: int,
        bids: Iterable[Level],
        asks: Iterable[Level],
        updated_at: float,
    ) -> DepthBook:
        """Normalised: empty levels dropped, each side sorted best first."""
        return cls(
            symbol=symbol.upper(),
            last_update_id=last_update_id,
            bids=tuple(sorted(((p, q) for p, q in bids if q > ZERO), key=lambda lv: -lv[0])),
            asks=tuple(sorted(((p, q) for p, q in asks if q > ZERO), key=lambda lv: lv[0])),
            updated_at=updated_at,
        )

    @property
    def best_bid(self) -> Decimal | None:
        return self.bids[0][0] if self.bids else None

    @property
    def best_ask(self) -> Decimal | None:
        return self.asks[0][0] if self.asks else None

    def side_for(self, side: Side) -> tuple[Level, ...]:
        """The levels a taker on `side` trades against."""
        return self.asks if side is Side.BUY else self.bids


class DepthBooks:
    """Latest book per symbol; an update with an older `lastUpdateId` never replaces a newer one.

    `offer()` keeps a bus frame as bytes and `get()` parses it on first use: ten frames a second
    per symbol arrive, and only the ones a MARKET order meets are ever decoded.
    """

    __slots__ = ("_books", "_clock", "_raw", "rejected")

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._books: dict[str, DepthBook] = {}
        self._raw: dict[str, tuple[bytes, float]] = {}
        self._clock = clock
        self.rejected = 0

    def update(self, symbol: str, book: DepthBook) -> bool:
        key = symbol.upper()
        current = self._books.get(key)
        # Out of order: keep the newer book, unless it went stale (a restarted exchange feed).
        if (
            current is not None
            and book.last_update_id < current.last_update_id
            and book.updated_at - current.updated_at < DEFAULT_MAX_AGE_S
        ):
            return False
        self._books[key] = book
        return True

    def offer(self, symbol: str, frame: bytes, received_at: float) -> None:
        """A bus frame for `symbol`, parsed lazily (the newest unparsed frame wins)."""
        self._raw[symbol.upper()] = (frame, received_at)

    def get(self, symbol: str, max_age: float = DEFAULT_MAX_AGE_S) -> DepthBook | None:
        """The book if one arrived within `max_age` seconds, else None (use the model)."""
        key = symbol.upper()
        pending = self._raw.pop(key, None)
        if pending is not None:
            try:
                self.update(key, parse_depth_frame(pending[0], key, pending[1]))
            except ProtocolError as exc:
                self.rejected += 1
                logger.bind(symbol=key, error=str(exc)).warning("trading.depth.bad_frame")
        book = self._books.get(key)
        if book is None or self._clock() - book.updated_at > max_age:
            return None
        return book

    def __len__(self) -> int:
        return len(self._books.keys() | self._raw.keys())


@dataclass(frozen=True, slots=True)
class LevelFill:
    price: Decimal
    qty: Decimal

    @property
    def quote_qty(self) -> Decimal:
        return self.price * self.qty


@dataclass(frozen=True, slots=True)
class Walk:
    """The fills of one MARKET order against a book, and what the book could not fill."""

    fills: tuple[LevelFill, ...]
    executed_qty: Decimal
    quote_qty: Decimal  # sum of price x qty over the fills
    remaining_qty: Decimal | None  # base left unfilled (quantity orders), else None
    remaining_quote: Decimal | None  # quote left unspent/unobtained (quoteOrderQty orders)
    exhausted: bool  # the book ran out first: Binance expires the rest (INSUFFICIENT_LIQUIDITY)

    @property
    def avg_price(self) -> Decimal | None:
        return self.quote_qty / self.executed_qty if self.executed_qty > ZERO else None


def walk(
    book: DepthBook,
    side: Side,
    qty: Decimal | None = None,
    quote_qty: Decimal | None = None,
    step: Decimal = ZERO,
) -> Walk:
    """Fill `qty` (base) or `quote_qty` (quote to spend on a BUY / to obtain on a SELL).

    Exactly one of `qty` / `quote_qty`. With `quote_qty` each level's quantity is floored to
    `step` (LOT_SIZE), so the total never exceeds the amount asked; the walk stops at the level
    where the amount runs out. `exhausted` is True only when every level was
    taken and something is still left to fill.
    """
    if (qty is None) == (quote_qty is None):
        raise ValueError("walk takes exactly one of qty / quote_qty")
    levels: Sequence[Level] = book.side_for(side)
    fills: list[LevelFill] = []
    executed = ZERO
    quote = ZERO
    if qty is not None:
        if qty <= ZERO:
            raise ValueError("qty must be positive")
        left = qty
        for price, available in levels:
            take = min(available, left)
            if take <= ZERO:
                break
            fills.append(LevelFill(price, take))
            executed += take
            quote += price * take
            left -= take
            if left == ZERO:
                break
        return Walk(tuple(fills), executed, quote, left, None, left > ZERO)
    assert quote_qty is not None
    if quote_qty <= ZERO:
        raise ValueError("quote_qty must be positive")
    budget = quote_qty
    stopped = False
    for price, available in levels:
        affordable = floor_to_step(budget / price, step)
        ends_here = affordable < available  # the budget runs out inside this level
        take = affordable if ends_here else floor_to_step(available, step)
        if take > ZERO:
            fills.append(LevelFill(price, take))
            executed += take
            quote += price * take
            budget -= price * take
        if ends_here or budget == ZERO:
            stopped = True
            break
    exhausted = not stopped and budget > ZERO
    return Walk(tuple(fills), executed, quote, None, budget, exhausted)


def parse_depth_frame(data: bytes, symbol: str, received_at: float) -> DepthBook:
    """A bus frame `{"stream", "data": <partial depth>, "source"}` as a book."""
    try:
        msg = obj(json.loads(data))
    except ValueError as exc:
        raise ProtocolError("depth frame is not JSON") from exc
    depth = parse_depth(obj(msg.get("data", msg)), symbol.upper())
    return DepthBook.of(symbol, depth.last_update_id, depth.bids, depth.asks, received_at)


class DepthFeed:
    """Subscribes to the symbols' fast partial-depth channels and keeps `books` current.

    The handler runs on the bus's delivery loop and only stores the bytes (`DepthBooks.offer`).
    """

    def __init__(
        self,
        books: DepthBooks,
        bus: Bus,
        symbols: Iterable[str],
        levels: int = 20,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.books = books
        self.bus = bus
        self.levels = levels
        self.clock = clock
        self._symbols = {streams.partial_depth(s, levels): s.upper() for s in symbols}
        self._subs: list[Subscription] = []
        self.received = 0

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(self._symbols)

    def on_frame(self, channel: str, data: bytes) -> None:
        symbol = self._symbols.get(channel)
        if symbol is not None:
            self.received += 1
            self.books.offer(symbol, data, self.clock())

    async def start(self) -> None:
        if self.levels <= 0:
            return  # MARKET_DEPTH_LEVELS=0: no book streams, the model prices every order
        for channel in self._symbols:
            self._subs.append(await self.bus.subscribe(channel, self.on_frame))

    async def close(self) -> None:
        subs, self._subs = self._subs, []
        for sub in subs:
            await sub.close()

    async def __aenter__(self) -> DepthFeed:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
