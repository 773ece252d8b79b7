"""Pure candle building and replay tick synthesis (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.integrations.binance.schemas import Kline
from backend.market.candles import CandleBuilder, MinuteFromTicks, aggregate, floor_open
from backend.market.replay import ReplayClock, SourceCandle, synth_ticks

T0 = 1_735_689_600_000  # 2025-01-01T00:00Z, a Wednesday
MIN = 60_000


def minute(i: int, o: str, h: str, l: str, c: str, v: str = "1", closed: bool = True) -> Kline:  # noqa: E741
    t = T0 + i * MIN
    return Kline("BTCUSDT", "1m", t, t + MIN - 1, Decimal(o), Decimal(h), Decimal(l), Decimal(c),
                 Decimal(v), Decimal(v) * Decimal(c), 3, closed=closed)  # fmt: skip


def closed_of(updates: list[Kline], interval: str) -> list[Kline]:
    return [u for u in updates if u.closed and u.interval == interval]


def test_floor_open_aligns_days_to_utc_and_weeks_to_monday() -> None:
    assert floor_open(T0 + 5 * 3_600_000 + 7, "1d") == T0
    assert floor_open(T0 + 59_999, "1m") == T0
    monday = T0 - 2 * 86_400_000  # 2024-12-30
    assert floor_open(T0, "1w") == monday


def test_five_minutes_aggregate_exactly_into_one_5m_candle() -> None:
    builder = CandleBuilder("BTCUSDT", ["1m", "5m", "15m"])
    prices = [("10", "12", "9", "11"), ("11", "15", "10", "14"), ("14", "14", "8", "9"),
              ("9", "10", "9", "10"), ("10", "11", "10", "10.5")]  # fmt: skip
    out: list[Kline] = []
    for i, p in enumerate(prices):
        out += builder.apply_1m(minute(i, *p, v="0.1"))
    five = closed_of(out, "5m")
    assert len(five) == 1 and not closed_of(out, "15m")
    k = five[0]
    assert (k.open, k.high, k.low, k.close) == (
        Decimal(10),
        Decimal(15),
        Decimal(8),
        Decimal("10.5"),
    )
    assert k.volume == Decimal("0.5") and k.trades == 15
    assert (k.open_time, k.close_time) == (T0, T0 + 5 * MIN - 1)


def test_redelivered_closed_minute_changes_nothing() -> None:
    builder = CandleBuilder("BTCUSDT", ["5m"])
    k = minute(0, "1", "2", "1", "2")
    assert builder.apply_1m(k)
    assert builder.apply_1m(k) == []
    assert builder.apply_1m(replace(k, closed=False)) == []


def test_forming_update_reports_every_interval_and_gap_closes_the_old_minute() -> None:
    builder = CandleBuilder("BTCUSDT", ["1m", "5m", "1h"])
    first = builder.apply_1m(minute(0, "1", "2", "1", "2", closed=False))
    assert [(u.interval, u.closed) for u in first] == [("1m", False), ("5m", False), ("1h", False)]
    # The closing update of minute 0 was lost (reconnect); minute 7 arrives.
    later = builder.apply_1m(minute(7, "3", "3", "3", "3", closed=False))
    closed = [(u.interval, u.open_time) for u in later if u.closed]
    assert ("1m", T0) in closed and ("5m", T0) in closed  # the 5m bucket of minute 0 ended
    assert not [u for u in later if u.closed and u.interval == "1h"]


@settings(max_examples=60, deadline=None)
@given(
    o=st.integers(1, 10**6),
    moves=st.tuples(st.integers(0, 10**4), st.integers(0, 10**4), st.integers(-(10**4), 10**4)),
    vol=st.integers(0, 10**12),
    interval=st.sampled_from(["15m", "1h"]),
)
def test_ticks_rebuild_the_source_candle_exactly(
    o: int, moves: tuple[int, int, int], vol: int, interval: str
) -> None:
    cents = Decimal("0.01")
    open_ = Decimal(o) * cents
    up, down, drift = moves
    close = max(cents, open_ + Decimal(drift) * cents)
    high = max(open_, close) + Decimal(up) * cents
    low = max(cents, min(open_, close) - Decimal(down) * cents)
    c = SourceCandle("BTCUSDT", interval, T0, open_, high, low, close, Decimal(vol) / 10**8)
    ticks = synth_ticks(c, 5000, cents)
    minutes = MinuteFromTicks("BTCUSDT")
    builder = CandleBuilder("BTCUSDT", ["1m", interval])
    out: list[Kline] = []
    for t in ticks:
        assert low <= t.price <= high and t.price % cents == 0
        closed_minute = minutes.apply(t.price, t.qty, t.time, t.time)
        if closed_minute is not None:
            out += builder.apply_1m(closed_minute)
    last = minutes.flush()
    assert last is not None
    out += builder.apply_1m(last)
    rebuilt = closed_of(out, interval)
    assert len(rebuilt) == 1
    k = rebuilt[0]
    assert (k.open, k.high, k.low, k.close, k.volume) == (open_, high, low, close, c.volume)
    assert ticks == synth_ticks(c, 5000, cents)  # deterministic


def test_aggregate_of_aggregates_equals_direct_aggregate() -> None:
    minutes = [minute(i, str(10 + i), str(20 + i), str(5 + i), str(11 + i)) for i in range(60)]
    fives = [aggregate(minutes[i : i + 5], "5m", closed=True) for i in range(0, 60, 5)]
    assert aggregate(fives, "1h", closed=True) == aggregate(minutes, "1h", closed=True)


async def test_replay_clock_runs_speed_times_real_time() -> None:
    wall = [100.0]

    async def fake_sleep(seconds: float) -> None:
        wall[0] += seconds

    clock = ReplayClock(T0, 60.0, monotonic=lambda: wall[0], sleep=fake_sleep)
    await clock.sleep_until(T0 + 3_600_000)  # one market hour
    assert wall[0] == 160.0  # = 60 real seconds at 60x
    assert clock.now_ms() == T0 + 3_600_000
    wall[0] += 0.5
    assert clock.now_ms() == T0 + 3_630_000
