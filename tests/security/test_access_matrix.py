"""The authorization matrix: every route of the app by anonymous, trader, analyst, admin.

Expected statuses come from access_table.py alone: anonymous (and a garbage token) gets 401 where
a sign-in is needed, a role below the route's gets 403, and a role at or above it is let through
(anything but 401/403: bodies are left empty, so 404/422 are fine there).
"""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from backend.security import Role
from tests.security.access_table import ACCESS, LEVEL_RANK, ROLE_RANK, WEBSOCKETS
from tests.security.conftest import http_routes, make_user, websocket_paths

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
# A value each path parameter accepts by type, so the request reaches the authorization step
# with a well-formed path (a 404 for a row that does not exist is fine).
_SAMPLE = {"job_id": "a" * 32}


def concrete(path: str) -> str:
    return _PARAM.sub(lambda m: _SAMPLE.get(m.group(1), "1"), path)


def test_every_route_is_in_the_table(sec_app: FastAPI) -> None:
    routes = http_routes(sec_app)
    missing = sorted(routes - ACCESS.keys())
    gone = sorted(ACCESS.keys() - routes)
    assert not missing, f"routes with no row in tests/security/access_table.py: {missing}"
    assert not gone, f"rows of access_table.py whose route is gone: {gone}"
    assert websocket_paths(sec_app) == WEBSOCKETS


async def _call(
    sc: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return await sc.request(method, concrete(path), json=body, headers=headers)


async def test_matrix(sec_app: FastAPI, sc: httpx.AsyncClient) -> None:
    wrong: list[str] = []
    for (method, path), level in sorted(ACCESS.items()):
        need = LEVEL_RANK[level]
        callers: list[tuple[str, dict[str, str]]] = [
            ("anonymous", {}),
            ("garbage-token", {"Authorization": "Bearer not.a.token"}),
        ]
        for role in (Role.TRADER, Role.ANALYST, Role.ADMIN):
            # a fresh user per route: a route that changes its caller (logout-all bumps the
            # token version) cannot spoil the next row
            callers.append((role.value, (await make_user(sec_app, role))[1]))
        for who, headers in callers:
            resp = await _call(sc, method, path, headers)
            status = resp.status_code
            if level == "refresh-token":
                expected = 401
            elif who in ROLE_RANK:
                expected = "allowed" if ROLE_RANK[who] >= need else 403
            elif who == "anonymous" or need > 0:
                expected = "allowed" if need == 0 else 401
            else:  # a garbage token on a public route: ignored or refused, never let in wrongly
                expected = "allowed-or-401"
            ok = (
                status not in (401, 403)
                if expected == "allowed"
                else status != 403
                if expected == "allowed-or-401"
                else status == expected
            )
            if status >= 500:
                ok = False
            if ok and status in (401, 403):
                ok = set(resp.json()) == {"error"}
            if not ok:
                wrong.append(f"{method} {path} as {who}: {status} (expected {expected})")
    assert not wrong, "\n".join(wrong)
