"""Ticks/s of the resting-order index (backend/trading/matching.py) vs a linear scan, same data.

100,000 resting limit orders on one symbol (BUYs below the market, SELLs above, plus some stops),
a random walk of trade prices around the market where each tick fills only a few orders; both
matchers see the same ticks and must return the same orders (asserted), and each filled order is
replaced by a new one so the book stays at 100,000. The index does O(k log n) per tick for k hits;
the scan tests all n orders.

  .venv/bin/python bench/matching.py [--orders 100000] [--ticks 20000] [--scan-ticks 300]

Aim: the index at least 100x the scan's ticks/s.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import emit, row

from backend.trading.matching import Book, OrderIndex, crossed_linear

MID = 60_000_00  # in cents


def new_order(rng: random.Random, mid: int) -> tuple[Book, Decimal]:
    book = rng.choice(
        [
            Book.BUY_LIMIT,
            Book.BUY_LIMIT,
            Book.SELL_LIMIT,
            Book.SELL_LIMIT,
            Book.STOP_BELOW,
            Book.STOP_ABOVE,
        ]
    )
    gap = rng.randint(50, 5_000_00)  # 0.50 .. 5,000 USDT away from the market
    below = book in (Book.BUY_LIMIT, Book.STOP_BELOW)
    return book, Decimal(mid - gap if below else mid + gap) / 100


def walk(rng: random.Random, n: int) -> list[Decimal]:
    prices, p = [], MID
    for _ in range(n):
        p += rng.randint(-40, 40)  # +/- 0.40 USDT a trade
        p = max(MID - 30_00, min(MID + 30_00, p))
        prices.append(Decimal(p) / 100)
    return prices


def run_index(
    orders: dict[int, tuple[Book, Decimal]], ticks: list[Decimal], seed: int
) -> tuple[float, list[set[int]]]:
    rng = random.Random(seed)
    index = OrderIndex()
    for oid, (book, price) in orders.items():
        index.add("BTCUSDT", oid, book, price)
    next_id = max(orders) + 1
    hits_per_tick: list[set[int]] = []
    start = time.perf_counter()
    for price in ticks:
        hits = index.hits("BTCUSDT", price)
        hits_per_tick.append({h.order_id for h in hits})
        for _ in hits:  # keep the book at n orders
            book, level = new_order(rng, int(price * 100))
            index.add("BTCUSDT", next_id, book, level)
            next_id += 1
    return time.perf_counter() - start, hits_per_tick


def run_scan(
    orders: dict[int, tuple[Book, Decimal]], ticks: list[Decimal], seed: int
) -> tuple[float, list[set[int]]]:
    rng = random.Random(seed)
    book_ = dict(orders)
    next_id = max(orders) + 1
    hits_per_tick: list[set[int]] = []
    start = time.perf_counter()
    for price in ticks:
        hit = crossed_linear(((o, b, p) for o, (b, p) in book_.items()), price)
        hits_per_tick.append(set(hit))
        for oid in hit:
            del book_[oid]
        for _ in hit:
            book_[next_id] = new_order(rng, int(price * 100))
            next_id += 1
    return time.perf_counter() - start, hits_per_tick


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--ticks", type=int, default=20_000)
    ap.add_argument("--scan-ticks", type=int, default=300)
    args = ap.parse_args()
    rng = random.Random(7)
    orders = {i: new_order(rng, MID) for i in range(1, args.orders + 1)}
    ticks = walk(random.Random(11), args.ticks)
    idx_s, idx_hits = run_index(orders, ticks, seed=3)
    scan_s, scan_hits = run_scan(orders, ticks[: args.scan_ticks], seed=3)
    assert idx_hits[: args.scan_ticks] == scan_hits, "index and scan disagree"
    filled = sum(len(h) for h in idx_hits)
    ours, bare = args.ticks / idx_s, args.scan_ticks / scan_s
    print(f"matching: {args.orders:,} resting orders, {filled:,} fills over {args.ticks:,} ticks")
    row("ticks/s (index vs linear scan)", ours, bare, "ticks/s")
    emit(
        "matching",
        {
            "orders": args.orders,
            "ticks": args.ticks,
            "fills": filled,
            "index_ticks_per_s": round(ours, 1),
            "scan_ticks_per_s": round(bare, 1),
            "ratio": round(ours / bare, 1),
        },
    )


if __name__ == "__main__":
    main()
