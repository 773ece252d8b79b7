"""`python -m backend.cli backfill --symbols BTCUSDT,ETHUSDT --interval 1h --since 2024-01-01`
and `python -m backend.cli import --dir ../shared/data/binance` (both resumable, idempotent)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from backend.config import get_settings
from backend.db import make_engine, make_sessionmaker
from backend.fields import INTERVALS
from backend.integrations.binance.client import BinanceRestClient
from backend.integrations.binance.errors import BinanceError
from backend.market import history
from backend.market.replay import parse_start


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("backfill", help="fetch closed candles from Binance REST")
    p.add_argument("--symbols", help="comma-separated; default MARKET_SYMBOLS")
    p.add_argument("--interval", required=True, choices=[i for i in INTERVALS if i != "1M"])
    p.add_argument("--since", required=True, help="ISO date/time (UTC) or epoch ms")
    p.add_argument("--until", help="ISO date/time (UTC) or epoch ms; default now")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(handler=_backfill)

    q = subparsers.add_parser("import", help="import a candle folder (<interval>/<SYMBOL>.csv.gz)")
    q.add_argument("--dir", required=True, type=Path)
    q.add_argument("--symbols", help="comma-separated; default every file in the folder")
    q.add_argument("--no-progress", action="store_true")
    q.set_defaults(handler=_import)


def _symbols(raw: str | None) -> list[str] | None:
    return [s.strip().upper() for s in raw.split(",") if s.strip()] if raw else None


def _backfill(args: argparse.Namespace) -> int:
    since, until = parse_start(args.since), parse_start(args.until)
    if since is None:
        print("error: --since is required", file=sys.stderr)  # noqa: T201
        return 2
    try:
        result = asyncio.run(_run_backfill(args, since, until))
    except BinanceError as exc:
        print(f"error: binance: {exc!r}", file=sys.stderr)  # noqa: T201
        return 1
    print(f"backfill: {result.rows_read} candles read, {result.rows_new} new")  # noqa: T201
    return 0


async def _run_backfill(
    args: argparse.Namespace, since: int, until: int | None
) -> history.Imported:
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    try:
        async with BinanceRestClient(settings.binance_rest_url) as rest:
            return await history.backfill(
                make_sessionmaker(engine),
                rest,
                _symbols(args.symbols) or list(settings.market_symbols),
                args.interval,
                since,
                until_ms=until,
                show_progress=not args.no_progress,
            )
    finally:
        await engine.dispose()


def _import(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        print(f"error: {args.dir} is not a folder", file=sys.stderr)  # noqa: T201
        return 2
    result = asyncio.run(_run_import(args))
    print(f"import: {result.rows_read} candles read, {result.rows_new} new")  # noqa: T201
    return 0


async def _run_import(args: argparse.Namespace) -> history.Imported:
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    try:
        return await history.import_dir(
            make_sessionmaker(engine),
            args.dir,
            symbols=_symbols(args.symbols),
            derive=list(settings.market_intervals),
            show_progress=not args.no_progress,
        )
    finally:
        await engine.dispose()
