"""Log reading: one request id followed across the api and worker files, filters, bounds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from backend.config import Settings
from backend.logging import setup_logging
from backend.observability.logs import LogFilter, tail
from tests.conftest import make_settings
from tests.observability.helpers import LOGS, admin_app, admin_headers, asgi_client


@pytest.fixture
def restore_logging() -> Iterator[None]:
    yield
    logger.remove()  # the next test's app sets its own sinks


def _write_as(settings: Settings, process: str, lines: list[tuple[str, str, str | None]]) -> None:
    """Log through the real setup (loguru JSON file sinks) as `process`."""
    setup_logging(settings, process=process)
    for level, event, request_id in lines:
        if request_id is None:
            logger.log(level, event)
        else:
            with logger.contextualize(request_id=request_id):
                logger.bind(order_id=7).log(level, event)
    logger.complete()
    logger.remove()  # flushes the enqueued file sinks


@pytest.mark.usefixtures("restore_logging")
def test_one_request_id_is_followed_from_the_api_into_its_job(tmp_path: Path) -> None:
    settings = make_settings(
        "sqlite+aiosqlite:///unused.db",
        tmp_path,
        log_to_file=True,
        log_dir=tmp_path / "log",
        log_level="INFO",
    )
    _write_as(settings, "api", [("INFO", "order.placed", "req-1"), ("INFO", "other", "req-2")])
    _write_as(
        settings, "worker", [("INFO", "job.started", "req-1"), ("ERROR", "job.failed", "req-1")]
    )

    found = tail(settings.log_dir, ["api", "worker"], LogFilter(request_id="req-1"), 100)
    assert [(x.source, x.message) for x in found] == [
        ("api", "order.placed"),
        ("worker", "job.started"),
        ("worker", "job.failed"),
    ]
    assert {x.process for x in found} == {"api", "worker"}
    assert found[0].fields == {"order_id": "7"}

    errors = tail(settings.log_dir, ["api", "worker"], LogFilter(level="ERROR"), 100)
    assert [x.message for x in errors] == ["job.failed"]
    by_text = tail(settings.log_dir, ["api", "worker"], LogFilter(q="OTHER"), 100)
    assert [x.message for x in by_text] == ["other"]
    newest = tail(settings.log_dir, ["worker"], LogFilter(), 1)
    assert [x.message for x in newest] == ["job.failed"]  # the newest, not the oldest


def test_tail_reads_a_bounded_end_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "api.log"
    record = {"time": {"timestamp": 1.0}, "level": {"name": "INFO"}, "extra": {}}
    with path.open("w") as f:
        for i in range(2000):
            f.write(json.dumps({"text": "", "record": {**record, "message": f"m{i}"}}) + "\n")
        f.write("not json\n")
    found = tail(tmp_path, ["api"], LogFilter(q="m1"), 10_000, max_scan_bytes=20_000)
    assert found, "the end of the file is read"
    assert all(int(x.message[1:]) > 1500 for x in found)  # nothing from the unscanned start
    everything = tail(tmp_path, ["api"], LogFilter(), 10_000)
    assert len(everything) == 2000  # the garbage line is skipped, the first line kept
    assert everything[0].message == "m0"


async def test_logs_endpoint_finds_a_request_by_its_id(db_url: str, tmp_path: Path) -> None:
    log_dir = tmp_path / "log"
    async with (
        admin_app(
            db_url, tmp_path, log_to_file=True, log_dir=log_dir, log_access=True, log_level="INFO"
        ) as app,
        asgi_client(app) as ac,
    ):
        admin = await admin_headers(ac)
        await ac.get("/api/v1/market/symbols", headers={"X-Request-ID": "trace-abc-1"})
        await logger.complete()
        resp = await ac.get(f"{LOGS}?request_id=trace-abc-1&source=api", headers=admin)
        assert resp.status_code == 200
        body = resp.json()
    assert body["log_to_file"] is True
    lines = body["lines"]
    assert lines and all(x["request_id"] == "trace-abc-1" for x in lines)
    access = [x for x in lines if x["message"] == "http.access"]
    assert access and access[0]["fields"]["path"] == "/api/v1/market/symbols"
