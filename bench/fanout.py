"""Fan-out of one stream to many `/ws` clients: our app (uvicorn + hub + bus) against a bare
`websockets` server calling `broadcast()` with the same bytes, in the same run.

    .venv/bin/python bench/fanout.py [--clients 1000] [--bus memory|redis] [--processes 2]

Three pipelines, one after the other: our app in this process (on the `--bus`); the scale-out
case, `--processes` API processes (`python -m backend.serve`, uvicorn as deployed) on a
private redis-server's bus with the clients split evenly between them, events published on
Redis as the ingestor does; and the bare server. Our app and the bare server run in this
process on uvloop; the clients run in a child process as raw asyncio protocols (a minimal
WebSocket reader), so that on a small machine the clients are not the bottleneck and both
servers get the same core.
Each event embeds its publish time (CLOCK_MONOTONIC, shared by the processes).

Phases per server:
1. steady: `--rate` events/s (default 10) for `--seconds` (default 10): p50/p99
   publish-to-receive latency; every client must receive every event (asserted).
2. throughput: as fast as the pipeline takes it for `--burst-seconds`, with at most `--window`
   events in flight per client (so neither server overflows its buffers): delivered msgs/s.

Aim (issue 4; issue 14 for the scale-out): >= 0.5 x the bare server's throughput, and
p99 < 50 ms at 10 events/s. Server CPU: this process's for our app and the bare server (the
publisher included); the API processes' and redis-server's for the scale-out case.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import uvloop  # noqa: E402
from _common import emit, raise_fd_limit, row  # noqa: E402

STREAM = "btcusdt@ticker"
SUBSCRIBE = b'{"method":"SUBSCRIBE","params":["btcusdt@ticker"],"id":1}'
# A real 24hrTicker event (PROTOCOL.md §1.4) with the publish time appended as "bench_ts".
_PREFIX = (
    b'{"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":1672515782136,"s":"BTCUSDT",'
    b'"p":"-94.99999800","P":"-0.095","w":"0.29628482","x":"0.10000000","c":"97000.01000000",'
    b'"Q":"10.00000000","b":"96999.99000000","B":"12.34000000","a":"97000.01000000",'
    b'"A":"3.21000000","o":"97095.01000000","h":"97500.00000000","l":"96400.00000000",'
    b'"v":"18234.12345000","q":"1771234567.12345678","O":1672429382136,"C":1672515782136,'
    b'"F":0,"L":18150,"n":18151,"bench_ts":'
)
_SUFFIX = b'},"source":"replay"}'
_TS = b'"bench_ts":'


def make_event() -> bytes:
    return _PREFIX + str(time.monotonic_ns()).encode() + _SUFFIX


# ------------------------------------------------------------------ clients (child process)


def _masked_text(payload: bytes) -> bytes:
    # Client frames must be masked; a zero key leaves the payload as is (allowed by RFC 6455).
    assert len(payload) < 126
    return bytes((0x81, 0x80 | len(payload))) + b"\0\0\0\0" + payload


class _Client(asyncio.Protocol):
    def __init__(self, pool: _Pool, path: str, host: str) -> None:
        self.pool = pool
        self.buf = b""
        self.open = False
        self.transport: asyncio.Transport | None = None
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool.lost += 1

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        if not self.open:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            assert buf.startswith(b"HTTP/1.1 101"), buf[:80]
            self.open = True
            assert self.transport is not None
            self.transport.write(_masked_text(SUBSCRIBE))
            buf = buf[end + 4 :]
        pool = self.pool
        pos, size, events = 0, len(buf), 0
        now = time.monotonic_ns()
        lat = pool.latencies
        while size - pos >= 2:
            b1 = buf[pos + 1] & 0x7F
            hdr = 2
            if b1 == 126:
                if size - pos < 4:
                    break
                b1 = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                hdr = 4
            elif b1 == 127:
                if size - pos < 10:
                    break
                b1 = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                hdr = 10
            end = pos + hdr + b1
            if end > size:
                break
            opcode = buf[pos] & 0x0F
            if opcode == 1:
                start = pos + hdr
                i = buf.find(_TS, start, end)
                if i >= 0:
                    events += 1
                    j = i + len(_TS)
                    lat.append(now - int(buf[j : buf.index(b"}", j)]))
                else:
                    pool.replies += 1
            elif opcode == 9 and self.transport is not None:  # ping -> pong, same payload
                payload = buf[pos + hdr : end]
                self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
            pos = end
        self.buf = buf[pos:] if pos < size else b""
        if events:
            pool.counter.value += events


def _percentiles_ms(values: list[int]) -> dict[str, float]:
    import numpy as np

    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0}
    arr = np.asarray(values, dtype=np.int64)
    p50, p99, top = np.percentile(arr, [50, 99, 100]) / 1e6
    return {"p50": float(p50), "p99": float(p99), "max": float(top)}


class _Pool:
    def __init__(self, counter: Any) -> None:
        self.counter = counter
        self.latencies: list[int] = []
        self.replies = 0
        self.lost = 0
        self.clients: list[_Client] = []


async def _client_main(cmd: Connection, counter: Any) -> None:
    loop = asyncio.get_running_loop()
    pool = _Pool(counter)
    while True:
        # a blocking recv in a thread: the pipe stays a plain blocking fd for both ends
        op, *args = await loop.run_in_executor(None, cmd.recv)
        if op == "connect":
            host, port, path, n = args
            pool.replies = pool.lost = 0
            factory = functools.partial(_Client, pool, path, host)
            for first in range(0, n, 100):  # batches, to stay under accept backlogs
                batch = [
                    loop.create_connection(factory, host, port)
                    for _ in range(first, min(n, first + 100))
                ]
                for _transport, proto in await asyncio.gather(*batch):
                    pool.clients.append(proto)
            for _ in range(3000):
                if pool.replies >= n:
                    break
                await asyncio.sleep(0.01)
            else:
                print(f"[clients] {pool.replies}/{n} replies, {pool.lost} lost", flush=True)
            cmd.send(("ready", len(pool.clients)))
        elif op == "reset":
            pool.latencies = []
            cmd.send(("ok",))
        elif op == "stats":
            lat = _percentiles_ms(pool.latencies)
            cmd.send(("stats", lat, pool.lost, time.process_time()))
        elif op == "close":
            for c in pool.clients:
                if c.transport is not None:
                    c.transport.close()
            pool.clients = []
            await asyncio.sleep(0.2)
            cmd.send(("ok",))
        elif op == "exit":
            return


def client_process(cmd: Connection, counter: Any) -> None:
    raise_fd_limit()
    uvloop.run(_client_main(cmd, counter))


# ------------------------------------------------------------------ servers (this process)

Publish = Callable[[bytes], Awaitable[None] | None]


class Target:
    """A fan-out pipeline under test: where clients connect (split evenly over `ports`), how
    to publish one event, how to know that `n` clients are subscribed, and the CPU time of
    its server side (every process but the clients')."""

    def __init__(
        self,
        name: str,
        ports: list[int],
        publish: Publish,
        wait_subscribed: Callable[[Any, int], Awaitable[None]],
        cpu: Callable[[], float] = time.process_time,
    ):
        self.name, self.ports, self.publish = name, ports, publish
        self.wait_subscribed, self.cpu = wait_subscribed, cpu


def counted(subscribers: Callable[[], int]) -> Callable[[Any, int], Awaitable[None]]:
    """wait_subscribed for a server in this process: poll its subscriber count."""

    async def wait(counter: Any, n: int) -> None:
        while subscribers() < n:
            await asyncio.sleep(0.01)

    return wait


async def _publish(target: Target, payload: bytes) -> None:
    result = target.publish(payload)
    if result is not None:
        await result


def progress(msg: str) -> None:
    print(f"[fanout] {msg}", file=sys.stderr, flush=True)


async def run_phases(
    target: Target, cmd: Connection, counter: Any, args: argparse.Namespace
) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    n = args.clients

    async def ask(*msg: Any) -> Any:
        cmd.send(msg)
        while not cmd.poll():
            await asyncio.sleep(0.005)
        return cmd.recv()

    progress(f"{target.name}: connecting {n} clients")
    # /stream: combined frames, the bus bytes as they are (on /ws each event would be unwrapped)
    connected = 0
    for i, port in enumerate(target.ports):
        share = n // len(target.ports) + (i < n % len(target.ports))
        connected += share
        reply = await ask("connect", "127.0.0.1", port, "/stream", share)
        assert reply == ("ready", connected), reply
    await target.wait_subscribed(counter, n)
    progress(f"{target.name}: {n} clients subscribed; steady phase")

    # 1. steady rate
    await ask("reset")
    base = counter.value
    events = int(args.rate * args.seconds)
    cpu_steady = target.cpu()
    start = loop.time()
    for k in range(events):
        await asyncio.sleep(max(0.0, start + k / args.rate - loop.time()))
        await _publish(target, make_event())
    while counter.value - base < events * n and loop.time() - start < args.seconds + 30:
        await asyncio.sleep(0.01)
    delivered = counter.value - base
    # CPU time of this process per delivered message: the server's cost, whatever the load
    # of the machine (the publisher is idle between events at the steady rate).
    cpu_per_msg_us = (target.cpu() - cpu_steady) / max(delivered, 1) * 1e6
    _, steady, lost, _ = await ask("stats")
    assert lost == 0, f"{target.name}: {lost} clients disconnected in the steady phase"
    assert delivered == events * n, f"{target.name}: delivered {delivered} of {events * n}"

    # 2. throughput with a bounded window of events in flight
    progress(f"{target.name}: throughput phase")
    await ask("reset")
    base = counter.value
    window = args.window * n
    published = 0
    cpu0, t0 = target.cpu(), loop.time()
    _, _, _, client_cpu0 = await ask("stats")
    t0 = loop.time()
    deadline = t0 + args.burst_seconds
    while loop.time() < deadline:
        if published * n - (counter.value - base) < window:
            await _publish(target, make_event())
            published += 1
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(0.0002)
    elapsed = loop.time() - t0
    server_cpu = target.cpu() - cpu0
    through = counter.value - base
    _, burst, lost, client_cpu1 = await ask("stats")
    assert lost == 0, f"{target.name}: {lost} clients disconnected in the throughput phase"
    while counter.value - base < published * n and loop.time() - t0 < elapsed + 30:
        await asyncio.sleep(0.01)
    assert counter.value - base == published * n, f"{target.name}: lost events"
    await ask("close")
    return {
        "steady_p50_ms": steady["p50"],
        "steady_p99_ms": steady["p99"],
        "steady_max_ms": steady["max"],
        "server_cpu_us_per_msg": cpu_per_msg_us,
        "msgs_per_s": through / elapsed,
        "burst_p50_ms": burst["p50"],
        "burst_p99_ms": burst["p99"],
        "server_cpu_share": server_cpu / elapsed,
        # Delivered messages per CPU-second of the server: its capacity per core, which does
        # not depend on how much CPU the other processes of a shared machine leave to it.
        "msgs_per_cpu_s": through / max(server_cpu, 1e-9),
        "client_cpu_share": (client_cpu1 - client_cpu0) / elapsed,
    }


async def bench_ours(cmd: Connection, counter: Any, args: argparse.Namespace) -> dict[str, float]:
    import uvicorn

    from backend.config import Settings
    from backend.main import create_app
    from backend.server_options import uvicorn_options

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        database_url=args.database_url,
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
        if args.bus == "redis"
        else None,
        redis_prefix=f"bench:{os.getpid()}:",
        jobs_inline=True,
        log_to_file=False,
        log_level="WARNING",
        log_access=False,
        run_ingestor="no",
        market_source="replay",
        web_dist_dir=ROOT / "var" / "no-dist",
        ws_max_conns_per_ip=args.clients,  # every client comes from 127.0.0.1
    )
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        log_config=None,
        loop="none",
        backlog=4096,
        **uvicorn_options(settings),
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    bus = app.state.runtime.bus

    async def publish(payload: bytes) -> None:
        await bus.publish(STREAM, payload)

    hub = app.state.runtime.hub
    target = Target("ours", [port], publish, counted(lambda: hub.subscriber_count(STREAM)))
    try:
        return await run_phases(target, cmd, counter, args)
    finally:
        server.should_exit = True
        await task


async def bench_scaleout(
    cmd: Connection, counter: Any, args: argparse.Namespace
) -> dict[str, float]:
    """`--processes` API processes (`python -m backend.serve`) on a private Redis bus, the
    clients split between them; this process publishes on the bus, as the ingestor does."""
    import tempfile

    import redis.asyncio as aioredis
    from _scaleout import cluster, cpu_seconds

    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        start = cluster(args.database_url, args.processes, args.clients, Path(tmp))
        procs = await loop.run_in_executor(None, stack.enter_context, start)
        redis = aioredis.Redis.from_url(procs.redis.url)
        channel = procs.prefix + STREAM

        async def publish(payload: bytes) -> None:
            await redis.publish(channel, payload)

        async def wait_subscribed(counter: Any, n: int) -> None:
            # every process subscribed on Redis, then one event reaches every client
            while (await redis.pubsub_numsub(channel))[0][1] < len(procs.apis):
                await asyncio.sleep(0.01)
            for _ in range(100):
                before = counter.value
                await publish(make_event())
                deadline = loop.time() + 2.0
                while counter.value - before < n and loop.time() < deadline:
                    await asyncio.sleep(0.01)
                if counter.value - before == n:
                    return
            raise RuntimeError(f"{n} clients never all subscribed")

        def cpu() -> float:
            # the API processes and redis-server; not this process: its part of the pipeline is
            # one PUBLISH per event, and its polling loop (the window) would outweigh it
            return sum(cpu_seconds(pid) for pid in procs.pids)

        name = f"scale-out x{args.processes}"
        ports = [a.port for a in procs.apis]
        try:
            return await run_phases(
                Target(name, ports, publish, wait_subscribed, cpu), cmd, counter, args
            )
        finally:
            await redis.aclose()


async def bench_bare(cmd: Connection, counter: Any, args: argparse.Namespace) -> dict[str, float]:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    # setup_logging (run by create_app above) leaves the stdlib root at level 0; give the bare
    # server the quiet logger a production server would have, or it pays per-frame debug lines.
    logging.getLogger("websockets").setLevel(logging.WARNING)
    conns: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # the SUBSCRIBE frame
        await ws.send('{"result":null,"id":1}')
        conns.add(ws)
        try:
            await ws.wait_closed()
        finally:
            conns.discard(ws)

    async with serve(handler, "127.0.0.1", 0, compression=None, backlog=4096) as server:
        port = next(iter(server.sockets)).getsockname()[1]

        def publish(payload: bytes) -> None:
            broadcast(conns, payload, text=True)

        target = Target("bare", [port], publish, counted(lambda: len(conns)))
        return await run_phases(target, cmd, counter, args)


def report(
    title: str, ours: dict[str, float], bare: dict[str, float], rate: float
) -> dict[str, Any]:
    """Print one pipeline beside the bare server; its ratios and whether it meets the aims."""
    print(f"  {title}")
    row("delivered msgs/s (throughput)", ours["msgs_per_s"], bare["msgs_per_s"], "msg/s")
    row("msgs per server CPU-second", ours["msgs_per_cpu_s"], bare["msgs_per_cpu_s"], "msg/cpu-s")
    row(
        "server CPU per message @ steady",
        ours["server_cpu_us_per_msg"],
        bare["server_cpu_us_per_msg"],
        "us",
    )
    row("p50 latency @ steady rate", ours["steady_p50_ms"], bare["steady_p50_ms"], "ms")
    row("p99 latency @ steady rate", ours["steady_p99_ms"], bare["steady_p99_ms"], "ms")
    row("p50 latency (throughput)", ours["burst_p50_ms"], bare["burst_p50_ms"], "ms")
    row("p99 latency (throughput)", ours["burst_p99_ms"], bare["burst_p99_ms"], "ms")
    row(
        "server CPU share (throughput)", ours["server_cpu_share"], bare["server_cpu_share"], "cores"
    )
    row(
        "client CPU share (throughput)", ours["client_cpu_share"], bare["client_cpu_share"], "cores"
    )
    ratio = ours["msgs_per_s"] / bare["msgs_per_s"]
    cpu_ratio = ours["msgs_per_cpu_s"] / bare["msgs_per_cpu_s"]
    aims = min(ratio, cpu_ratio) >= 0.5 and ours["steady_p99_ms"] < 50
    print(
        f"  throughput ratio {ratio:.2f} wall, {cpu_ratio:.2f} per CPU-second (aim >= 0.5); "
        f"p99 @ {rate:g} ev/s {ours['steady_p99_ms']:.1f} ms (aim < 50); aims met: {aims}"
    )
    return {"throughput_ratio": ratio, "throughput_ratio_per_cpu": cpu_ratio, "aims_met": aims}


async def main(args: argparse.Namespace) -> None:
    raise_fd_limit()
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    counter = ctx.RawValue("q", 0)
    proc = ctx.Process(target=client_process, args=(child, counter), daemon=True)
    proc.start()
    scaleout: dict[str, float] | None = None
    try:
        ours = await bench_ours(parent, counter, args)
        if args.processes:
            scaleout = await bench_scaleout(parent, counter, args)
        bare = await bench_bare(parent, counter, args)
    finally:
        parent.send(("exit",))
        proc.join(5)
    print(
        f"fanout: {args.clients} clients, one stream, "
        f"steady {args.rate:g} ev/s x {args.seconds:g} s, throughput window {args.window} ev"
    )
    figures: dict[str, Any] = {"clients": args.clients, "bus": args.bus, "ours": ours, "bare": bare}
    figures.update(report(f"one process, {args.bus} bus", ours, bare, args.rate))
    if scaleout is not None:
        title = f"scale-out: {args.processes} API processes on the Redis bus, clients split"
        figures["scaleout"] = scaleout
        figures["scaleout_processes"] = args.processes
        figures.update(
            {f"scaleout_{k}": v for k, v in report(title, scaleout, bare, args.rate).items()}
        )
    emit("fanout", figures)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--bus", choices=("memory", "redis"), default="memory")
    p.add_argument(
        "--processes",
        type=int,
        default=2,
        help="API processes on a Redis bus for the scale-out case (0: skip it)",
    )
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--burst-seconds", type=float, default=5.0)
    p.add_argument("--window", type=int, default=32, help="events in flight per client")
    return p.parse_args()


def migrated_sqlite(folder: Path) -> str:
    """A migrated SQLite file: other domains' start-up hooks read their tables."""
    from alembic.config import Config

    from alembic import command

    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["url"] = url
    command.upgrade(cfg, "head")
    return url


if __name__ == "__main__":
    import tempfile

    arguments = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        arguments.database_url = migrated_sqlite(Path(tmp))
        uvloop.run(main(arguments))
