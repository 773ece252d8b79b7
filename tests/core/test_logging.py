"""Structured logs: JSON lines with the request id, an access line, a separate security stream."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loguru import logger

from backend.logging import security_event, setup_logging
from backend.main import create_app
from tests.conftest import asgi_client, make_settings


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def test_access_line_carries_request_id_and_latency(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(
        db_url,
        tmp_path,
        log_to_file=True,
        log_dir=tmp_path / "log",
        log_access=True,
        log_level="INFO",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app), asgi_client(app) as client:
        await client.get("/health/live", headers={"X-Request-ID": "trace-42"})
    await logger.complete()
    records = [
        json.loads(line)["record"]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{")
    ]
    access = [r for r in records if r["message"] == "http.access"]
    assert access, "no access line on stdout"
    extra = access[-1]["extra"]
    assert extra["request_id"] == "trace-42"
    assert extra["path"] == "/health/live" and extra["status"] == 200
    assert isinstance(extra["latency_ms"], float)
    file_records = [r["record"]["message"] for r in _lines(tmp_path / "log" / "api.log")]
    assert "http.access" in file_records


async def test_security_events_go_to_their_own_file(db_url: str, tmp_path: Path) -> None:
    setup_logging(
        make_settings(
            db_url, tmp_path, log_to_file=True, log_dir=tmp_path / "log", log_level="INFO"
        )
    )
    security_event("auth.login_failed", user_id=7, ip="127.0.0.1")
    logger.info("ordinary.event")
    await logger.complete()
    security = [r["record"] for r in _lines(tmp_path / "log" / "security.log")]
    assert [r["message"] for r in security] == ["auth.login_failed"]
    assert security[0]["extra"]["user_id"] == 7
    ordinary = [r["record"]["message"] for r in _lines(tmp_path / "log" / "api.log")]
    assert "ordinary.event" in ordinary and "auth.login_failed" not in ordinary
