"""Run the fake Binance on its own, with a live-looking market, to point `make run` at it.

    .venv/bin/python -m tests.fakes.run_binance --port-file var/fake-binance.env
    set -a; . var/fake-binance.env; set +a; MARKET_SOURCE=binance make run

Each symbol's price takes a small random walk: a trade, the forming 1m kline and the 24 h ticker
every `--every` seconds; every subscribed partial-depth stream gets a book around the price
(100 ms / 1000 ms, `FakeBinance.start_depth_feed`). For manual checks and screenshots only.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from decimal import Decimal
from pathlib import Path

from tests.fakes.binance_events import d8, kline_row, ticker_event, trade_event
from tests.fakes.binance_server import FakeBinance, now_ms

START = {
    "BTCUSDT": "65000",
    "ETHUSDT": "3500",
    "BNBUSDT": "600",
    "SOLUSDT": "150",
    "XRPUSDT": "0.5",
    "ADAUSDT": "0.45",
    "DOGEUSDT": "0.12",
    "AVAXUSDT": "35",
}


async def market(fake: FakeBinance, every_s: float) -> None:
    rng = random.Random(1)
    prices = {s: Decimal(p) for s, p in START.items() if s in fake.symbols}
    opens = dict(prices)
    trade_id = 1
    candle: dict[str, list[object]] = {}
    while True:
        t = now_ms()
        minute = t - t % 60_000
        for symbol, price in prices.items():
            tick = fake._filter(symbol, "PRICE_FILTER", "tickSize", "0.01")
            move = Decimal(rng.randint(-3, 3)) * tick * max(1, int(price / tick / 20_000))
            price = max(tick, price + move)
            prices[symbol] = price
            qty = Decimal(rng.randint(1, 500)) / Decimal(1000)
            row = candle.get(symbol)
            if row is None or row[0] != minute:
                row = kline_row(minute, "1m", str(price), str(price), str(price), str(price), "0")
            high = max(Decimal(str(row[2])), price)
            low = min(Decimal(str(row[3])), price)
            vol = Decimal(str(row[5])) + qty
            row = kline_row(minute, "1m", str(row[1]), str(high), str(low), str(price), str(vol))
            candle[symbol] = row
            fake.tickers[symbol] = ticker_event(symbol, str(price), t, open_=str(opens[symbol]))
            name = symbol.lower()
            await fake.push(f"{name}@trade", trade_event(symbol, trade_id, d8(price), d8(qty), t))
            await fake.push_kline(symbol, "1m", row, closed=False)
            await fake.push(f"{name}@ticker", fake.tickers[symbol])
            trade_id += 1
        await asyncio.sleep(every_s)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between trades")
    parser.add_argument("--port-file", type=Path, help="write BINANCE_*_URL lines here")
    args = parser.parse_args()
    async with FakeBinance(weight_limit=1_000_000) as fake:
        for symbol, price in START.items():
            if symbol in fake.symbols:
                fake.set_ticker(symbol, price)
        fake.start_depth_feed(0.1)
        env = f"BINANCE_REST_URL={fake.rest_url}\nBINANCE_WS_URL={fake.ws_url}\n"
        print(env, flush=True)
        if args.port_file is not None:
            args.port_file.parent.mkdir(parents=True, exist_ok=True)
            args.port_file.write_text(env)
        await market(fake, args.every)


if __name__ == "__main__":
    asyncio.run(main())
