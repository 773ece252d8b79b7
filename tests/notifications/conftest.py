"""An app with fast retries and private webhook targets allowed (loopback listeners only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from backend.main import create_app
from tests.conftest import make_settings

FAST = {
    "webhook_allow_private": True,
    "webhook_timeout_s": 3.0,  # a loaded CI machine; only the "hang" step waits for it
    "notify_backoff_base_s": 0.05,
    "notify_backoff_max_s": 0.2,
    "notify_poll_interval_s": 0.2,
}


@pytest.fixture
def overrides() -> dict[str, object]:
    return {}


@pytest.fixture
async def app(db_url: str, tmp_path: Path, overrides: dict[str, object]) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(db_url, tmp_path, **{**FAST, **overrides}))
    async with application.router.lifespan_context(application):
        yield application
