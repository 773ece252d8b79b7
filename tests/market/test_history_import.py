"""Background import of the recorded history: resumable after an interruption, idempotent,
progress counted and shown in /market/status, and a replay over imported candles still works."""

from __future__ import annotations

import asyncio
import gzip
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.bus import MemoryBus
from backend.db import transaction
from backend.main import create_app
from backend.market import history_import
from backend.market.history_import import Series, count_rows, enabled, import_history, plan
from backend.market.ingestor import run_feed
from backend.market.replay import ReplayClock, parse_start
from backend.market.repository import CandleRepository
from backend.market.sources.replay import ReplaySource
from backend.market.state import HistoryImportStatus, MarketState
from tests.conftest import REDIS_URL, SHARED, asgi_client, make_settings

if TYPE_CHECKING:
    from loguru import Message

SYMBOLS = ["BTCUSDT", "ETHUSDT"]
INTERVALS = ["15m", "1h", "4h", "1d"]
ROWS_1H = {"BTCUSDT": 72, "ETHUSDT": 48}  # 3 and 2 days
ROWS_15M = 40


def _copy(src: Path, dst: Path, rows: int) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(src, "rt") as fh:
        lines = [fh.readline() for _ in range(rows + 1)]
    with gzip.open(dst, "wt") as out:
        out.writelines(lines)


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    root = tmp_path / "recorded"
    for symbol, rows in ROWS_1H.items():
        _copy(
            SHARED / "data/binance/1h" / f"{symbol}.csv.gz", root / "1h" / f"{symbol}.csv.gz", rows
        )
    _copy(SHARED / "data/binance/15m/BTCUSDT.csv.gz", root / "15m/BTCUSDT.csv.gz", ROWS_15M)
    # a symbol that is not configured: never imported
    _copy(SHARED / "data/binance/1h/BTCUSDT.csv.gz", root / "1h/XRPUSDT.csv.gz", 10)
    return root


# every source row read: files once, 1h again for each rolled-up interval
TOTAL = ROWS_15M + 3 * sum(ROWS_1H.values())
EXPECTED = {
    ("BTCUSDT", "15m"): 40,
    ("BTCUSDT", "1h"): 72,
    ("BTCUSDT", "4h"): 18,
    ("BTCUSDT", "1d"): 3,
    ("ETHUSDT", "1h"): 48,
    ("ETHUSDT", "4h"): 12,
    ("ETHUSDT", "1d"): 2,
}
NEW_ROWS = sum(EXPECTED.values())


async def _counts(sm: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str], int]:
    async with transaction(sm) as tx:
        repo = CandleRepository(tx.session)
        out = {(s, i): await repo.count(s, i) for s in [*SYMBOLS, "XRPUSDT"] for i in INTERVALS}
    return {k: v for k, v in out.items() if v}


class Interrupted(Exception):
    pass


class Recorder:
    """Stands where the bus publisher goes: records progress; "kills" the import after N."""

    def __init__(self, status: HistoryImportStatus, stop_after: int | None = None) -> None:
        self.status = status
        self.stop_after = stop_after
        self.seen: list[tuple[int, int | None, str | None]] = []

    async def __call__(self) -> None:
        self.seen.append((self.status.done, self.status.total, self.status.current))
        if self.stop_after is not None and len(self.seen) >= self.stop_after:
            raise Interrupted


def test_plan_orders_coarse_first_and_skips_unconfigured(recorded: Path) -> None:
    series = plan(recorded, SYMBOLS, INTERVALS)
    assert [(s.symbol, s.interval, s.target) for s in series] == [
        ("BTCUSDT", "1h", "1d"),
        ("ETHUSDT", "1h", "1d"),
        ("BTCUSDT", "1h", "4h"),
        ("ETHUSDT", "1h", "4h"),
        ("BTCUSDT", "1h", "1h"),
        ("ETHUSDT", "1h", "1h"),
        ("BTCUSDT", "15m", "15m"),
    ]
    assert Series("BTCUSDT", "1h", "4h", recorded).label == "BTCUSDT 4h (from 1h)"
    assert count_rows(recorded / "1h/BTCUSDT.csv.gz", "1h", None) == (72, 0)


async def test_import_resumes_after_interruption_and_is_idempotent(
    sm: async_sessionmaker[AsyncSession], recorded: Path
) -> None:
    status = HistoryImportStatus()
    killer = Recorder(status, stop_after=4)
    with pytest.raises(Interrupted):
        await import_history(sm, recorded, SYMBOLS, INTERVALS, status, on_progress=killer, batch=10)
    partial = await _counts(sm)
    killed_at = status.done
    assert status.state == "running" and 0 < killed_at < TOTAL and status.total == TOTAL
    assert 0 < sum(partial.values()) < NEW_ROWS

    # The next start resumes: progress begins at what is stored, and only the rest is new.
    status = HistoryImportStatus()
    progress = Recorder(status)
    new = await import_history(
        sm, recorded, SYMBOLS, INTERVALS, status, on_progress=progress, batch=10
    )
    assert new == NEW_ROWS - sum(partial.values())
    assert await _counts(sm) == EXPECTED
    assert status.state == "done" and status.done == status.total == TOTAL
    assert status.current is None
    dones = [d for d, _, _ in progress.seen]
    # resumed where it stopped: nothing before the stored rows is read again
    assert dones[0] == killed_at
    assert dones == sorted(dones) and dones[-1] == TOTAL
    assert {c for _, _, c in progress.seen} >= {"BTCUSDT 1h", "BTCUSDT 15m", "ETHUSDT 1d (from 1h)"}

    # Idempotent: a third run finds everything stored and adds nothing.
    status = HistoryImportStatus()
    third = Recorder(status)
    assert await import_history(sm, recorded, SYMBOLS, INTERVALS, status, on_progress=third) == 0
    assert await _counts(sm) == EXPECTED
    assert status.state == "done" and status.done == TOTAL
    assert [d for d, _, _ in third.seen] == [TOTAL] * len(third.seen)  # nothing re-read

    # The rolled-up day equals its 24 hours (complete buckets only).
    async with transaction(sm) as tx:
        repo = CandleRepository(tx.session)
        day = (await repo.klines("BTCUSDT", "1d", start_time=0, end_time=None, limit=1))[0]
        hours = await repo.klines("BTCUSDT", "1h", start_time=0, end_time=None, limit=24)
    assert day.open == hours[0].open and day.close == hours[-1].close
    assert day.high == max(h.high for h in hours) and day.volume == sum(
        (h.volume for h in hours), Decimal(0)
    )


def test_setting_modes(db_url: str, tmp_path: Path, recorded: Path) -> None:
    def on(**kw: object) -> bool:
        return enabled(make_settings(db_url, tmp_path, **kw))

    assert not on()  # the tests' default: no
    assert not on(market_history_import="auto")  # no MARKET_REPLAY_DIR
    assert on(market_history_import="auto", market_replay_dir=recorded)
    assert not on(market_history_import="auto", market_replay_dir=recorded, market_source="binance")
    assert on(market_history_import="yes", market_replay_dir=recorded, market_source="binance")
    assert not on(market_history_import="no", market_replay_dir=recorded)


async def _status(client: httpx.AsyncClient) -> dict[str, object]:
    r = await client.get("/api/v1/market/status")
    assert r.status_code == 200
    body: dict[str, object] = r.json()["history_import"]
    return body


async def test_the_api_part_imports_in_the_background_and_reports_progress(
    db_url: str, tmp_path: Path, recorded: Path, sm: async_sessionmaker[AsyncSession]
) -> None:
    settings = make_settings(
        db_url,
        tmp_path,
        market_replay_dir=recorded,
        market_history_import="auto",
        market_symbols=SYMBOLS,
        market_intervals=INTERVALS,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        body = await _status(client)
        assert body["state"] in {"waiting", "running", "done"}
        progress = app.state.runtime.market.history_import
        async with asyncio.timeout(60):  # the import runs beside the API (a bound on a hang)
            while progress.state in {"waiting", "running"}:
                await asyncio.sleep(0.05)
        body = await _status(client)
        assert body == {
            "state": "done",
            "done": TOTAL,
            "total": TOTAL,
            "current": None,
            "error": None,
        }
    assert await _counts(sm) == EXPECTED

    off = create_app(make_settings(db_url, tmp_path))
    async with off.router.lifespan_context(off), asgi_client(off) as client:
        assert (await _status(client))["state"] == "off"


async def test_a_replay_over_imported_candles_ahead_of_its_clock_still_plays(
    db_url: str, tmp_path: Path, recorded: Path, sm: async_sessionmaker[AsyncSession]
) -> None:
    # The whole 15m/1h history is imported first, far beyond where the replay starts.
    await import_history(sm, recorded, ["BTCUSDT"], INTERVALS, HistoryImportStatus())
    settings = make_settings(
        db_url, tmp_path, market_source="replay", market_replay_dir=recorded,
        market_symbols=["BTCUSDT"], market_intervals=["1m", "15m", "1h"],
        replay_speed=3600.0, replay_start="2024-12-30T04:00:00Z",
    )  # fmt: skip
    start = parse_start(settings.replay_start)
    assert start is not None
    wall = [0.0]

    async def sleep(s: float) -> None:
        wall[0] += s

    clock = ReplayClock(start, settings.replay_speed, monotonic=lambda: wall[0], sleep=sleep)
    state = MarketState(settings.market_symbols, settings.market_intervals)
    source = ReplaySource(settings, clock=clock)
    await run_feed(settings, sm, MemoryBus(), state, source=source)
    assert source.finished and state.status.error == "replay reached the end of its data"
    # Each candle once: the replay's inserts skip what the import stored, nothing doubles.
    async with transaction(sm) as tx:
        repo = CandleRepository(tx.session)
        got = await repo.klines("BTCUSDT", "15m", start_time=0, end_time=None, limit=1000)
        # the imported 2022 hours + the 6 the replay built from its 15m candles (04:00-10:00)
        assert await repo.count("BTCUSDT", "1h") == ROWS_1H["BTCUSDT"] + 6
    with gzip.open(recorded / "15m/BTCUSDT.csv.gz", "rt") as fh:
        rows = [line.strip().split(",") for line in fh.readlines()[1:]]
    assert [(c.open_time, c.close) for c in got] == [(int(r[0]), Decimal(r[4])) for r in rows]


def test_progress_frames_from_the_holder_are_followed() -> None:
    status = HistoryImportStatus(state="waiting")
    history_import._follow(status, b'{"state":"running","done":5,"total":9,"current":"X 1h"}')
    assert (status.state, status.done, status.total, status.current) == ("running", 5, 9, "X 1h")
    history_import._follow(status, b"not json")
    history_import._follow(status, b'{"state": 3}')
    assert status.state == "running"


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_with_redis_one_process_imports_and_the_other_shows_its_progress(
    db_url: str,
    tmp_path: Path,
    recorded: Path,
    redis_prefix: str,
    sm: async_sessionmaker[AsyncSession],
) -> None:
    settings = make_settings(
        db_url, tmp_path, redis_url=REDIS_URL, redis_prefix=redis_prefix, jobs_inline=True,
        market_replay_dir=recorded, market_history_import="yes", market_symbols=SYMBOLS,
        market_intervals=INTERVALS,
    )  # fmt: skip
    first, second = create_app(settings), create_app(settings)
    started: list[str] = []

    def catch(message: Message) -> None:
        if message.record["message"] == "market.history_import.started":
            started.append(message.record["extra"].get("total"))

    sink = logger.add(catch, level="INFO")
    async with (
        first.router.lifespan_context(first),
        second.router.lifespan_context(second),
        asgi_client(first) as a,
        asgi_client(second) as b,
    ):
        progress = [app.state.runtime.market.history_import for app in (first, second)]
        async with asyncio.timeout(60):  # a bound on a hang, not a timing assertion
            while any(p.state != "done" for p in progress):
                await asyncio.sleep(0.05)
        states = [await _status(a), await _status(b)]
        assert all(s["state"] == "done" and s["done"] == s["total"] == TOTAL for s in states)
    logger.remove(sink)
    assert len(started) == 1  # one process imported (the lease), the other followed its frames
    assert await _counts(sm) == EXPECTED


async def test_a_failed_import_is_reported_and_retried(
    db_url: str,
    tmp_path: Path,
    recorded: Path,
    sm: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(history_import, "RETRY_FIRST_S", 0.05)
    good = recorded / "1h/ETHUSDT.csv.gz"
    saved = good.read_bytes()
    with gzip.open(good, "wt") as out:
        out.write("time,o,h,l,c,v\n")  # a damaged file: not the recorded header
    settings = make_settings(
        db_url, tmp_path, market_replay_dir=recorded, market_history_import="yes",
        market_symbols=SYMBOLS, market_intervals=INTERVALS,
    )  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        progress = app.state.runtime.market.history_import
        async with asyncio.timeout(60):  # bounds on a hang, not timing assertions
            while progress.state != "failed":
                await asyncio.sleep(0.02)
            # read at once (no await): a retry may set it running again at the next turn
            assert "unexpected header" in str(progress.error)
            good.write_bytes(saved)  # repaired: the next retry resumes and finishes
            while progress.state != "done":
                await asyncio.sleep(0.02)
        body = await _status(client)
        assert body["state"] == "done" and body["error"] is None and body["done"] == TOTAL
    assert await _counts(sm) == EXPECTED
