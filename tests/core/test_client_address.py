"""The client address behind a reverse proxy (TRUSTED_PROXIES), seen through the login rate limit.

The per-IP login limit (3 a minute here) is the witness: requests counted in one bucket come
from one client address as far as the app is concerned. A proxy appends the address it saw to
X-Forwarded-For, so only the right-most hops are believed, and only from a trusted peer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.client_address import TrustedProxies
from backend.main import create_app
from tests.auth.helpers import LOGIN, REGISTER
from tests.conftest import make_settings

PROXY = ("127.0.0.1", 40000)  # the default TRUSTED_PROXIES is loopback


@pytest.fixture
def db_backend() -> str:
    return "sqlite"  # the limit is counted before any query: one backend is enough


@pytest.fixture
async def app(db_url: str, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        db_url,
        tmp_path,
        rate_limit_login="3/minute",
        trusted_proxies="127.0.0.1,::1,10.0.0.0/8",
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


class Peer:
    """Requests from one TCP peer (the direct connection the app sees)."""

    def __init__(self, app: FastAPI, peer: tuple[str, int]) -> None:
        transport = httpx.ASGITransport(app=app, client=peer, raise_app_exceptions=False)
        self.http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self.n = 0

    async def login(self, forwarded_for: str | None = None) -> int:
        self.n += 1  # a new name each time: the account lockout stays out of the way
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
        data = {"username": f"nobody{self.n}", "password": "whatever-123"}
        resp = await self.http.post(LOGIN, data=data, headers=headers)
        return resp.status_code


async def test_clients_behind_the_proxy_are_told_apart(app: FastAPI) -> None:
    proxy = Peer(app, PROXY)
    assert [await proxy.login("203.0.113.1") for _ in range(3)] == [401] * 3
    # another client through the same proxy has a bucket of its own ...
    assert await proxy.login("203.0.113.2") == 401
    # ... and the first one is limited by its own address, not the proxy's
    assert await proxy.login("203.0.113.1") == 429


async def test_forged_left_hops_do_not_choose_the_address(app: FastAPI) -> None:
    proxy = Peer(app, PROXY)
    # The client sends its own X-Forwarded-For; the proxy appends the address it saw.
    codes = [await proxy.login(f"198.51.100.{i}, 203.0.113.7") for i in range(4)]
    assert codes == [401, 401, 401, 429]
    # two trusted hops (an ingress, then nginx): the right-most untrusted hop is the client
    chained = [await proxy.login(f"198.51.100.{i}, 203.0.113.8, 10.1.2.3") for i in range(4)]
    assert chained == [401, 401, 401, 429]


async def test_an_untrusted_peer_cannot_forward(app: FastAPI) -> None:
    direct = Peer(app, ("192.0.2.44", 5555))
    codes = [await direct.login(f"203.0.113.{i}") for i in range(4)]
    assert codes == [401, 401, 401, 429]
    # the addresses it named are untouched: each still has its whole allowance via the proxy
    proxy = Peer(app, PROXY)
    assert await proxy.login("203.0.113.0") == 401


async def test_the_proxy_itself_without_the_header_is_one_client(app: FastAPI) -> None:
    proxy = Peer(app, PROXY)
    assert [await proxy.login() for _ in range(4)] == [401, 401, 401, 429]


def test_trusted_proxies_matching() -> None:
    trusted = TrustedProxies(["127.0.0.1", "::1", "10.0.0.0/8"])
    assert "10.200.0.1" in trusted and "::ffff:127.0.0.1" in trusted
    assert "11.0.0.1" not in trusted and "not-an-ip" not in trusted
    assert trusted.client_of("127.0.0.1", "1.2.3.4, 10.0.0.9") == "1.2.3.4"
    assert trusted.client_of("127.0.0.1", "10.0.0.8, 10.0.0.9") == "10.0.0.8"  # all trusted
    assert trusted.client_of("127.0.0.1", "1.2.3.4, junk") == "127.0.0.1"  # never the junk
    assert trusted.client_of("8.8.8.8", "1.2.3.4") == "8.8.8.8"  # untrusted peer: itself


async def test_the_proxys_scheme_marks_the_refresh_cookie_secure(app: FastAPI) -> None:
    """TLS ends at the proxy: X-Forwarded-Proto from it makes the request https for the app."""
    body = {"email": "tls@example.com", "username": "tls", "password": "a long passphrase 1"}
    form = {"username": "tls", "password": body["password"]}
    web = {"X-Client": "web", "X-Forwarded-For": "203.0.113.5"}
    proxy = Peer(app, PROXY)
    assert (await proxy.http.post(REGISTER, json=body)).status_code == 201
    over_tls = await proxy.http.post(
        LOGIN, data=form, headers={**web, "X-Forwarded-Proto": "https"}
    )
    assert over_tls.status_code == 200, over_tls.text
    assert "secure" in over_tls.headers["set-cookie"].lower()
    plain = await proxy.http.post(LOGIN, data=form, headers=web)
    assert "secure" not in plain.headers["set-cookie"].lower()
    # a client talking to the API directly cannot claim TLS it does not have
    direct = Peer(app, ("192.0.2.44", 5555))
    claimed = await direct.http.post(
        LOGIN, data=form, headers={**web, "X-Forwarded-Proto": "https"}
    )
    assert "secure" not in claimed.headers["set-cookie"].lower()
