"""The API process never imports torch: in a fresh interpreter, build the app, import every
module of the forecasting domain but lstm.py and run a forecast route; torch stays unloaded.
(Training and inference import it only in a spawned child: forecasting/child.py.)"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys, asyncio
    import httpx
    import backend
    from backend.config import Settings
    from backend.main import create_app

    settings = Settings(_env_file=None, env="test", database_url="sqlite+aiosqlite:///{db}",
                        log_to_file=False, log_level="WARNING", market_source="replay",
                        run_ingestor="no", web_dist_dir="{tmp}/no-dist")
    app = create_app(settings)
    for mod in pkgutil.walk_packages(backend.__path__, "backend."):
        if mod.name != "backend.forecasting.lstm" and not mod.name.startswith("backend.__"):
            importlib.import_module(mod.name)

    async def main():
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                r = await c.get("/api/v1/forecast/models")
                assert r.status_code == 401, r.status_code

    asyncio.run(main())
    print("torch" in sys.modules)
    """
)


def test_api_process_never_imports_torch(tmp_path: Path, sqlite_template: Path) -> None:
    db = tmp_path / "app.db"
    db.write_bytes(sqlite_template.read_bytes())
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(db=db, tmp=tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout
