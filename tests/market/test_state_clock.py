"""`/market/status`'s replay time: the replay clock, never the wall clock passed off as one."""

from __future__ import annotations

from backend.market.state import MarketState


def test_a_replay_without_its_clock_yet_has_no_replay_time() -> None:
    state = MarketState(["BTCUSDT"], ["1m"])
    state.status.source = "replay"  # chosen, not connected yet: no clock, no status frame
    assert state.replay_now_ms() is None


def test_the_replay_time_is_the_replay_clock() -> None:
    state = MarketState(["BTCUSDT"], ["1m"])
    state.status.source = "replay"
    state.status.replay_time_ms = 1_700_000_000_000  # from the ingestor's status frame
    assert state.replay_now_ms() == 1_700_000_000_000
    state.market_clock = lambda: 1_700_000_060_000  # this process replays itself
    assert state.replay_now_ms() == 1_700_000_060_000


def test_a_live_source_has_no_replay_time() -> None:
    state = MarketState(["BTCUSDT"], ["1m"])
    state.status.source = "binance"
    state.status.replay_time_ms = 1_700_000_000_000
    assert state.replay_now_ms() is None
