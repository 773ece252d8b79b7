"""MARKET orders/s and p50/p99 through `POST /api/v1/orders` on PostgreSQL vs a bare FastAPI
endpoint doing one asyncpg INSERT, same run, same client.

Ours: the full app in a uvicorn subprocess, orders from `--users` traders (default 16, one per
connection; `--users 1` shows one account whose balance rows every order must lock in turn) (production-like: JSON access log, rate limiting on
with the limit raised so it never rejects), PostgreSQL in a fresh database, a registered user,
a last price seeded in `trading_marks`. Each request validates Binance's filters, takes the
account share-lock, inserts the order, applies two conditional balance updates, inserts the
trade and queues the user-stream events. The bare app parses the same JSON and INSERTs one row
with asyncpg (pool of 10, like ours). Both are loaded with N keep-alive connections in
interleaved rounds; the best round of each counts. Every response's status is checked and, at
the end, ours must have exactly as many FILLED orders as it answered 201.

  .venv/bin/python bench/orders.py [--requests 1500] [--concurrency 16] [--rounds 3]

Aim: ours >= 0.3 of the bare endpoint's orders/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
from _common import emit, row
from api_overhead import (
    ROOT,
    Run,
    Server,
    app_env,
    cpu_seconds,
    login,
    migrate,
    percentile,
    serve,
)
from fastapi import FastAPI, Request

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PATH = "/api/v1/orders"
BODY = json.dumps(
    {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.0001"}
).encode()
BARE_DSN_ENV = "BENCH_BARE_DSN"


def bare_app() -> FastAPI:
    """The baseline: parse the JSON body and INSERT one row with asyncpg."""
    app = FastAPI()
    state: dict[str, Any] = {}

    @app.on_event("startup")
    async def start() -> None:
        state["pool"] = await asyncpg.create_pool(
            os.environ[BARE_DSN_ENV], min_size=10, max_size=10
        )

    @app.post(PATH, status_code=201)
    async def place(request: Request) -> dict[str, Any]:
        body = await request.json()
        async with state["pool"].acquire() as conn:
            oid = await conn.fetchval(
                "INSERT INTO bench_orders (symbol, side, type, quantity) VALUES ($1, $2, $3, $4)"
                " RETURNING id",
                body["symbol"],
                body["side"],
                body["type"],
                body["quantity"],
            )
        return {"id": oid, "status": "NEW"}

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _prepare(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE bench_orders (id serial PRIMARY KEY, symbol text, side text, type text,"
            " quantity numeric(36, 18), created_at timestamptz DEFAULT now())"
        )
        await conn.execute(
            "INSERT INTO trading_marks (symbol, price, updated_at) VALUES ('BTCUSDT', 60000, now())"
        )
    finally:
        await conn.close()


async def _count_filled(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM orders WHERE status = 'FILLED'"))
    finally:
        await conn.close()


async def _connection(port: int, request: bytes, todo: list[int], lat: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while todo[0] > 0:
            todo[0] -= 1
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, _, headers = head.partition(b"\r\n")
            length = next(
                int(v)
                for n, _, v in (h.partition(b":") for h in headers.split(b"\r\n"))
                if n.strip().lower() == b"content-length"
            )
            body = await reader.readexactly(length)
            lat.append((time.perf_counter() - start) * 1000)
            if status_line.split(b" ", 2)[1] != b"201":
                raise AssertionError(f"unexpected response: {status_line!r} {body[:300]!r}")
    finally:
        writer.close()


def load(server: Server, tokens: list[str], n: int, concurrency: int) -> Run:
    """Connection i sends as user i % len(tokens) (one user: every order hits the same rows)."""
    requests = [
        (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(BODY)}\r\nUser-Agent: bench/orders\r\n\r\n"
        ).encode()
        + BODY
        for token in tokens
    ]

    async def go() -> Run:
        todo, lat = [n], []
        start = time.perf_counter()
        conns = (
            _connection(server.port, requests[i % len(requests)], todo, lat)
            for i in range(concurrency)
        )
        await asyncio.gather(*conns)
        return Run(n, time.perf_counter() - start, lat)

    before = cpu_seconds(server.proc.pid)
    run = asyncio.run(go())
    run.server_cpu_s = cpu_seconds(server.proc.pid) - before
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=1500, help="per round and server")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument(
        "--users", type=int, default=16, help="traders sending (1: one account's rows contend)"
    )
    args = parser.parse_args()

    dbname = f"bench_orders_{secrets.token_hex(4)}"
    base = PG_ADMIN.rsplit("/", 1)[0]
    dsn = f"{base}/{dbname}"
    tmp = Path(tempfile.mkdtemp(prefix="bench-orders-"))
    asyncio.run(_admin(f'CREATE DATABASE "{dbname}"'))
    runs: dict[str, list[Run]] = {"ours": [], "bare": []}
    answered = 0
    try:
        env = app_env(tmp)
        env.update(
            {
                "DATABASE_URL": dsn.replace("postgresql://", "postgresql+asyncpg://"),
                "TRADING_START_BALANCE": "1000000000",
                "TRADING_RUN_MATCHER": "no",
                "RATE_LIMIT_REGISTER": "100000/minute",
                "RATE_LIMIT_LOGIN": "100000/minute",
            }
        )
        migrate(env, tmp)
        asyncio.run(_prepare(dsn))
        with serve("ours", "backend.main:create_app", env, tmp, "/health/live") as ours:
            tokens = [login(ours.base_url) for _ in range(args.users)]
            bare_env = {**env, BARE_DSN_ENV: dsn}
            bare_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bench"), str(ROOT)])
            with serve("bare", "orders:bare_app", bare_env, tmp, "/health/live") as bare:
                for server in (ours, bare):
                    load(server, tokens, args.warmup, args.concurrency)
                answered += args.warmup
                for _ in range(args.rounds):
                    for server in (ours, bare):
                        run = load(server, tokens, args.requests, args.concurrency)
                        runs[server.name].append(run)
                        print(f"  {server.name}: {run.rps:,.0f} orders/s", flush=True)
                    answered += args.requests
        filled = asyncio.run(_count_filled(dsn))
        assert filled == answered, f"{filled} FILLED orders for {answered} answered 201"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        shutil.rmtree(tmp, ignore_errors=True)

    best = {name: max(r, key=lambda run: run.rps) for name, r in runs.items()}
    o, b = best["ours"], best["bare"]
    print(
        f"\nPOST {PATH} MARKET BUY on PostgreSQL: ours vs bare asyncpg INSERT, best of {args.rounds}"
    )
    row("orders/s", o.rps, b.rps, "orders/s")
    figures: dict[str, Any] = {"ours_rps": o.rps, "bare_rps": b.rps, "ratio_rps": o.rps / b.rps}
    for q in (50, 99):
        om, bm = percentile(o.latencies_ms, q), percentile(b.latencies_ms, q)
        row(f"p{q} latency", om, bm, "ms")
        figures.update({f"ours_p{q}_ms": om, f"bare_p{q}_ms": bm})
    ours_cpu = min(r.cpu_ms_per_request for r in runs["ours"])
    bare_cpu = min(r.cpu_ms_per_request for r in runs["bare"])
    row("server CPU per order", ours_cpu, bare_cpu, "ms")
    figures.update({"ours_cpu_ms_per_order": ours_cpu, "bare_cpu_ms_per_order": bare_cpu})
    figures = {k: round(v, 3) for k, v in figures.items()}
    emit(
        "orders",
        {
            **figures,
            "aim_ratio_rps_min": 0.3,
            "requests": args.requests,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
