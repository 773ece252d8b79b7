"""Sentry: off without SENTRY_DSN; with it, an error line reaches the Sentry endpoint (a local
HTTP server standing in for it) and the client is closed when the process stops."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sentry_sdk
from loguru import logger

from tests.observability.helpers import admin_app


class _Envelopes(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        _Envelopes.received.append(self.path.encode() + b"\n" + body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def sentry_server() -> Iterator[str]:
    _Envelopes.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Envelopes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_sentry_is_off_without_a_dsn(db_url: str, tmp_path: Path) -> None:
    async with admin_app(db_url, tmp_path):
        assert not sentry_sdk.get_client().is_active()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_an_error_line_is_reported_with_a_dsn(
    db_url: str, tmp_path: Path, sentry_server: str
) -> None:
    async with admin_app(db_url, tmp_path, sentry_dsn=sentry_server):
        assert sentry_sdk.get_client().is_active()
        try:
            raise RuntimeError("observability-sentry-probe")
        except RuntimeError:
            logger.exception("probe.failed")
    # leaving the app closed the client: everything queued was sent first
    assert not sentry_sdk.get_client().is_active()
    sent = b"".join(_Envelopes.received)
    assert b"/api/42/envelope/" in sent
    assert b"observability-sentry-probe" in sent
    assert b'"process":"api"' in sent.replace(b" ", b"")
