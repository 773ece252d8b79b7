"""A PostgreSQL that cannot be reached answers 503 `database_unavailable` with Retry-After.

Three real failures on loopback: a port where nothing listens (connection refused), a server
that answers the start-up message with SQLSTATE 57P03 ("the database system is starting up"),
which asyncpg raises as CannotConnectNowError, and one that takes the connection and never
answers (DATABASE_CONNECT_TIMEOUT_S, else asyncpg waits 60 s). All happen before any connection
exists, so SQLAlchemy never wraps them: without backend.db's mapping the request ends as a 500.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from backend.main import create_app
from tests.conftest import asgi_client, make_settings

_NEGOTIATIONS = {80877103, 80877104}  # SSLRequest, GSSENCRequest: both answered "N" (no)


def _closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def _error_response(sqlstate: str, message: str) -> bytes:
    fields = b"".join(
        tag + value.encode() + b"\0"
        for tag, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate), (b"M", message))
    )
    body = fields + b"\0"
    return b"E" + struct.pack("!i", len(body) + 4) + body


async def _starting_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """PostgreSQL's answer while it starts: the start-up message gets FATAL 57P03."""
    try:
        while True:
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            payload = await reader.readexactly(length - 4)
            (code,) = struct.unpack("!i", payload[:4])
            if code in _NEGOTIATIONS:
                writer.write(b"N")
                await writer.drain()
                continue
            writer.write(_error_response("57P03", "the database system is starting up"))
            await writer.drain()
            break
    except asyncio.IncompleteReadError:
        pass
    finally:
        writer.close()


@pytest.fixture(params=["refused", "starting_up", "silent"])
async def unreachable_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    if request.param == "refused":
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{_closed_port()}/app"
        return
    if request.param == "silent":  # accepts TCP connections (the backlog), never answers
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        try:
            yield f"postgresql+asyncpg://postgres@127.0.0.1:{sock.getsockname()[1]}/app"
        finally:
            sock.close()
        return
    server = await asyncio.start_server(_starting_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/app"


async def _assert_503(resp: httpx.Response) -> None:
    assert resp.status_code == 503, resp.text
    error = resp.json()["error"]
    assert error["code"] == "database_unavailable"
    assert resp.headers["Retry-After"] == "1"


async def test_unreachable_database_answers_503(unreachable_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(unreachable_url, tmp_path, database_connect_timeout_s=0.5))
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        body = {"email": "neo@example.com", "username": "neo", "password": "a long passphrase 1"}
        await _assert_503(await client.post("/api/v1/auth/register", json=body))
        login = {"username": "neo", "password": "a long passphrase 1"}
        await _assert_503(await client.post("/api/v1/auth/login", data=login))
