"""Parts of the slow `/ws` clients fault test: a real API process, a market publisher on its
Redis bus, clients that subscribe and then never read, and the kernel's view of the server's
TCP connections.

A slow client is a raw socket whose receive buffer is made small (SO_RCVBUF) before it
connects, so the server's send path fills after a few kilobytes: it completes the WebSocket
handshake, reads up to its first market event (proof that the hub serves it) and never reads
again. Its kernel keeps ACKing what fits, so the connection stays ESTABLISHED and only the
server can decide to end it.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from backend.streams import market_frame
from tests.core.api_proc import ApiProcess, bus_follower_env, running, wait_live
from tests.core.redis_proc import free_port

TRADE = "btcusdt@trade"
DEPTH = "btcusdt@depth20@100ms"
STREAMS = (TRADE, DEPTH)
RCVBUF = 4096  # the kernel doubles it; the least Linux allows is about 2 KB
_ESTABLISHED = "01"  # TCP state in /proc/net/tcp


@contextmanager
def api_process(db_url: str, redis_url: str, prefix: str, workdir: Path) -> Iterator[ApiProcess]:
    """`python -m backend.serve` (the API as deployed, ws_* settings applied to uvicorn) on the
    Redis bus, following the market from the bus (no ingestor of its own)."""
    port = free_port()
    env = bus_follower_env(
        db_url, redis_url, prefix, port,
        MARKET_SYMBOLS="BTCUSDT", MARKET_INTERVALS="1m", WEB_DIST_DIR=str(workdir / "no-dist"),
        WS_MAX_CONNS_PER_IP="5000",  # every test client comes from 127.0.0.1
    )  # fmt: skip
    with running(env, workdir / "api.log") as api:
        wait_live(api)
        yield api


async def metric(api: ApiProcess, name: str) -> float:
    """One unlabelled sample from the process's /metrics (a fresh connection each time)."""
    async with httpx.AsyncClient(base_url=api.http, timeout=10) as c:
        body = (await c.get("/metrics")).text
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not in /metrics")


def server_established(port: int) -> set[int]:
    """Remote ports of the ESTABLISHED TCP connections whose local end is `port` (IPv4)."""
    remote: set[int] = set()
    local_hex = f":{port:04X}"
    with Path("/proc/net/tcp").open() as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1].endswith(local_hex) and fields[3] == _ESTABLISHED:
                remote.add(int(fields[2].rsplit(":", 1)[1], 16))
    return remote


# ------------------------------------------------------------------ the market on the bus


@dataclass
class Publisher:
    """Publishes trades and 20-level books on the bus, as the ingestor does, at a set rate (it
    may change while running); remembers when each sequence number went out (for latency)."""

    redis: aioredis.Redis
    prefix: str
    rates: dict[str, float]  # events per second per stream
    sent_at: dict[tuple[str, int], int] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STREAMS, 0))

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        due = dict.fromkeys(STREAMS, 0.0)  # events owed so far at the rates in force
        clock = loop.time()
        while not stop.is_set():
            now = loop.time()
            for stream in STREAMS:
                due[stream] += (now - clock) * self.rates[stream]
                while self.last[stream] < due[stream]:
                    await self._publish(stream, self.last[stream] + 1)
            clock = now
            await asyncio.sleep(0.005)

    async def _publish(self, stream: str, seq: int) -> None:
        now_ms = time.time_ns() // 1_000_000
        data: object
        if stream == TRADE:
            price = f"{97_000 + seq % 100}.01000000"
            data = {"e": "trade", "E": now_ms, "s": "BTCUSDT", "t": seq, "p": price,
                    "q": "0.00120000", "T": now_ms, "m": seq % 2 == 0, "M": True}  # fmt: skip
        else:
            bids = [[f"{96_999 - i}.99000000", f"{0.1 + i / 100:.8f}"] for i in range(20)]
            asks = [[f"{97_000 + i}.01000000", f"{0.2 + i / 100:.8f}"] for i in range(20)]
            data = {"lastUpdateId": seq, "bids": bids, "asks": asks}
        self.sent_at[(stream, seq)] = time.monotonic_ns()
        self.last[stream] = seq
        await self.redis.publish(self.prefix + stream, market_frame(stream, data, "replay"))


# ------------------------------------------------------------------ slow clients (raw sockets)


def _masked_text(payload: bytes) -> bytes:
    assert len(payload) < 126
    return bytes((0x81, 0x80 | len(payload))) + b"\0\0\0\0" + payload  # zero mask key


def _handshake(port: int) -> bytes:
    path = "/stream?streams=" + "/".join(STREAMS)
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


async def open_slow_client(port: int) -> socket.socket:
    """Handshake, wait for the first market event, then leave the socket unread."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)  # before connect: the window
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(sock, _handshake(port))
        seen = b""
        while b'"stream":"' not in seen.partition(b"\r\n\r\n")[2]:
            chunk = await loop.sock_recv(sock, 4096)
            assert chunk, f"closed before its first event: {seen[:200]!r}"
            seen += chunk
        assert seen.startswith(b"HTTP/1.1 101"), seen[:200]
    except BaseException:
        sock.close()
        raise
    return sock


@asynccontextmanager
async def slow_clients(port: int, count: int) -> AsyncIterator[list[socket.socket]]:
    socks: list[socket.socket] = []
    try:
        for first in range(0, count, 100):  # batches, under the listen backlog
            batch = [open_slow_client(port) for _ in range(first, min(count, first + 100))]
            socks += await asyncio.gather(*batch)
        yield socks
    finally:
        for s in socks:
            s.close()


def local_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


async def drain_to_end(sock: socket.socket) -> tuple[int, str] | None:
    """Read a slow client's socket to its end (the server has let go of it). Returns the close
    frame's (code, reason) when the server's close frame got through, None when the server
    reset the connection or closed TCP without one."""
    loop = asyncio.get_running_loop()
    data = bytearray()
    try:
        while chunk := await loop.sock_recv(sock, 65536):
            data += chunk
    except ConnectionResetError:
        return None
    return _last_close_frame(bytes(data))


def _last_close_frame(data: bytes) -> tuple[int, str] | None:
    # The stream starts mid-frame (the client read part of it before it stopped): search the
    # tail for an unmasked close frame (0x88, length < 126) that ends exactly at the end.
    for length in range(2, 126):
        start = len(data) - 2 - length
        if start >= 0 and data[start] == 0x88 and data[start + 1] == length:
            (code,) = struct.unpack("!H", data[start + 2 : start + 4])
            return code, data[start + 4 :].decode(errors="replace")
    return None
