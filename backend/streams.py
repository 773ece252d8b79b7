"""Stream names and bus frames: the one place that spells them (PROTOCOL.md §1.3).

Every market stream is named as Binance names it (lower-case symbol): the ingest pipeline
publishes on these bus channels, the `/ws` hub forwards them under the same names, and the
matcher and the depth feed subscribe to them. The private stream is `user` on `/ws` and bus
channel `user:<id>` per account.

A bus frame is the combined form a `/stream` connection receives, serialized once by the
publisher: `{"stream": <name>, "data": <the Binance event>, "source": "binance"|"replay"}`.
`source` is the platform's one extension (the private `user` frames carry none); it sits beside
`stream` and `data`, where combined-stream clients (Binance's SDKs, python-binance, ccxt) look
only at those two, and it is absent from raw frames, which are exactly `data` (`raw_payload`).
Pure: no I/O, no FastAPI.
"""

from __future__ import annotations

import json
from datetime import datetime

USER_STREAM = "user"
MINI_TICKER_ARR = "!miniTicker@arr"
DEPTH_LEVELS: tuple[int, ...] = (5, 10, 20)

_COMPACT = (",", ":")


def user_channel(user_id: int) -> str:
    """The bus channel of one account's private events (`/ws` stream `user`)."""
    return f"user:{user_id}"


def trade(symbol: str) -> str:
    return f"{symbol.lower()}@trade"


def ticker(symbol: str) -> str:
    return f"{symbol.lower()}@ticker"


def mini_ticker(symbol: str) -> str:
    return f"{symbol.lower()}@miniTicker"


def kline(symbol: str, interval: str) -> str:
    return f"{symbol.lower()}@kline_{interval}"


def partial_depth(symbol: str, levels: int, *, fast: bool = True) -> str:
    """`btcusdt@depth20@100ms` (fast: every 100 ms) or `btcusdt@depth20` (every 1000 ms)."""
    return f"{symbol.lower()}@depth{levels}{'@100ms' if fast else ''}"


def is_ticker(stream: str) -> bool:
    return stream.endswith("@ticker")


def is_kline(stream: str) -> bool:
    return "@kline_" in stream


def has_snapshot(stream: str) -> bool:
    """Streams whose latest frame a new subscriber gets at once (tickers and candles)."""
    return stream.endswith(("@ticker", "@miniTicker")) or is_kline(stream)


def symbol_streams(symbol: str, intervals: list[str] | tuple[str, ...]) -> list[str]:
    """Every market stream the platform offers for one symbol (the `/ws` catalogue)."""
    names = [ticker(symbol), mini_ticker(symbol), trade(symbol)]
    names += [kline(symbol, i) for i in intervals]
    # Partial books under Binance's names. Always offered: with the replay source or
    # MARKET_DEPTH_LEVELS=0 they are silent, and the web client says there is no book.
    names += [partial_depth(symbol, n, fast=f) for n in DEPTH_LEVELS for f in (True, False)]
    return names


def market_frame(stream: str, data: object, source: str) -> bytes:
    """A market event as the bus carries it and a combined (`/stream`) connection gets it."""
    return json.dumps(
        {"stream": stream, "data": data, "source": source}, separators=_COMPACT
    ).encode()


def user_frame(data: object) -> bytes:
    """A private event on `user:<id>`; `/ws` names the stream `user`."""
    return json.dumps({"stream": USER_STREAM, "data": data}, separators=_COMPACT).encode()


# Alert index events (bus only, not on /ws): `{"op": "upsert"|"remove", "id": <alert id>}`,
# published after an alert's row commits; the checker re-reads the row (alerts/checker.py).
ALERTS_INDEX = "alerts:index"

FORECAST_PROGRESS = "forecastProgress"


def forecast_progress_frame(data: dict[str, object]) -> bytes:
    """A forecast job's progress on the owner's `user` stream: `{"e": "forecastProgress",
    "job_id", "kind", "state", "epoch", "epochs", "train_loss", "val_loss", "eta_s", ...}`."""
    return user_frame({"e": FORECAST_PROGRESS, **data})


NOTIFICATION = "notification"


def notification_frame(
    *, id: int, kind: str, title: str, body: str, alert_id: int | None, at: datetime
) -> bytes:
    """A new notification on the owner's `user` stream: `{"e": "notification", "E": <ms>, "id",
    "kind", "title", "body", "alert_id"}` (published after the transaction commits)."""
    return user_frame(
        {
            "e": NOTIFICATION,
            "E": int(at.timestamp() * 1000),
            "id": id,
            "kind": kind,
            "title": title,
            "body": body,
            "alert_id": alert_id,
        }
    )


def raw_payload(frame: str) -> str:
    """What a raw (`/ws`, combined off) connection gets for a bus frame: the bare event."""
    data = json.loads(frame)["data"]
    return json.dumps(data, separators=_COMPACT)
