"""The authorization matrix of every admin endpoint of this package: anonymous 401, trader 403,
analyst 403, admin 2xx (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.admin.conftest import AUDIT, USERS, signup_as
from tests.auth.helpers import bearer, error_code, signup


def _endpoints(victim: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", USERS, None),
        ("GET", f"{USERS}/{victim}", None),
        ("PATCH", f"{USERS}/{victim}", {"role": "trader"}),
        ("POST", f"{USERS}/{victim}/unlock", None),
        ("POST", f"{USERS}/{victim}/revoke-sessions", None),
        ("GET", AUDIT, None),
    ]


async def test_anonymous_trader_analyst_and_admin(
    ac: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    victim = int((await signup(ac, "victim"))["user"]["id"])
    trader = await signup_as(ac, admin_headers, "trader1", "trader")
    analyst = await signup_as(ac, admin_headers, "analyst1", "analyst")
    callers: list[tuple[str, dict[str, str], int]] = [
        ("anonymous", {}, 401),
        ("trader", bearer(trader["access_token"]), 403),
        ("analyst", bearer(analyst["access_token"]), 403),
    ]
    for who, headers, status in callers:
        for method, path, body in _endpoints(victim):
            resp = await ac.request(method, path, json=body, headers=headers)
            assert resp.status_code == status, (who, method, path, resp.text)
            if status == 403:
                assert error_code(resp) == "insufficient_role"
    for method, path, body in _endpoints(victim):
        resp = await ac.request(method, path, json=body, headers=admin_headers)
        assert 200 <= resp.status_code < 300, (method, path, resp.text)
