"""The SPA fallback answers any path it is given: a NUL in it is a 404, never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.main import create_app
from tests.conftest import asgi_client, make_settings


@pytest.fixture
def db_backend() -> str:
    return "sqlite"  # no query is involved


async def test_a_nul_in_the_path_is_404(db_url: str, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>app</title>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    app = create_app(make_settings(db_url, tmp_path, web_dist_dir=dist))
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        assert (await client.get("/market")).status_code == 200  # a client-side route
        assert (await client.get("/assets/app.js")).status_code == 200
        for path in ("/market%00", "/assets/app.js%00.png", "/%00"):
            resp = await client.get(path)
            assert resp.status_code == 404, (path, resp.status_code)
            assert resp.json()["error"]["code"] == "not_found"
