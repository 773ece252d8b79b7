"""Settings: env parsing, the production guard, and that importing the app has no side effects."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from backend.config import DEFAULT_SECRET, Settings
from tests.conftest import ROOT


def test_lists_come_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("MARKET_SYMBOLS", "btcusdt,ethusdt")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.cors_origins == ["https://a.example", "https://b.example"]
    assert s.market_symbols == ["BTCUSDT", "ETHUSDT"]


def test_embedded_default_needs_no_services() -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert s.redis_url is None and s.use_inline_jobs


def test_redis_switches_jobs_to_arq() -> None:
    s = Settings(_env_file=None, redis_url="redis://127.0.0.1:6379/0")  # type: ignore[call-arg]
    assert not s.use_inline_jobs


@pytest.mark.parametrize("secret", [None, DEFAULT_SECRET, "short"])
def test_production_refuses_default_or_weak_secret(secret: str | None) -> None:
    kwargs = {} if secret is None else {"secret_key": secret}
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None, env="production", **kwargs)  # type: ignore[call-arg]


def test_production_accepts_a_real_secret() -> None:
    s = Settings(_env_file=None, env="production", secret_key="x" * 48)  # type: ignore[call-arg]
    assert s.env == "production"


def test_importing_the_app_touches_nothing_and_never_imports_torch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = (
        "import sys, json, backend.main, backend.worker, backend.openapi;"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('torch',))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"},
    )
    assert json.loads(out.stdout) == []
    assert not (tmp_path / "x.db").exists()  # no engine was created at import
