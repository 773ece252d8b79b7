"""The observability endpoints are the admin's only: anonymous 401, trader and analyst 403."""

from __future__ import annotations

from pathlib import Path

from tests.auth.helpers import bearer, error_code, signup
from tests.observability.helpers import HEALTH, LOGS, SUMMARY, admin_app, admin_headers, asgi_client

ENDPOINTS = (LOGS, SUMMARY, HEALTH)


async def test_admin_only_matrix(db_url: str, tmp_path: Path) -> None:
    async with admin_app(db_url, tmp_path) as app, asgi_client(app) as ac:
        admin = await admin_headers(ac)
        trader = await signup(ac, "trader1")
        analyst = await signup(ac, "analyst1")
        promoted = await ac.patch(
            f"/api/v1/admin/users/{analyst['user']['id']}", json={"role": "analyst"}, headers=admin
        )
        assert promoted.status_code == 200
        for path in ENDPOINTS:
            assert (await ac.get(path)).status_code == 401, path
            for grant in (trader, analyst):
                resp = await ac.get(path, headers=bearer(grant["access_token"]))
                assert resp.status_code == 403, (path, grant["user"]["username"])
                assert error_code(resp) == "insufficient_role"
            resp = await ac.get(path, headers=admin)
            assert resp.status_code == 200, (path, resp.text)


async def test_logs_rejects_a_bad_request_id_and_limit(db_url: str, tmp_path: Path) -> None:
    async with admin_app(db_url, tmp_path) as app, asgi_client(app) as ac:
        admin = await admin_headers(ac)
        for query in ("request_id=a%20b", "limit=0", "limit=5000", "source=nginx", "level=LOUD"):
            resp = await ac.get(f"{LOGS}?{query}", headers=admin)
            assert resp.status_code == 422, query
