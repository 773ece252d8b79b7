"""`/admin/health` and the health-check job: states with reasons, Redis stopped -> red, and
admins notified once per transition."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.db import transaction
from backend.notifications.models import Notification
from backend.observability.health import FEED_AMBER_MS, FEED_RED_MS, feeds
from backend.observability.models import HealthState
from backend.observability.sampler import Sampler, instance_name
from backend.observability.tasks import KIND, run_health_check
from backend.runtime import Runtime
from tests.core.redis_proc import RedisProcess
from tests.observability.helpers import HEALTH, admin_app, admin_headers, asgi_client, runtime


def _by_name(body: dict[str, object]) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in body["components"]}  # type: ignore[attr-defined, index]


async def test_health_embedded_reports_each_component(db_url: str, tmp_path: Path) -> None:
    async with admin_app(db_url, tmp_path) as app, asgi_client(app) as ac:
        admin = await admin_headers(ac)
        await Sampler(runtime(app)).sample_once()
        resp = await ac.get(HEALTH, headers=admin)
        assert resp.status_code == 200, resp.text
        body = resp.json()
    parts = _by_name(body)
    assert parts["database"]["status"] == "green"
    assert (parts["redis"]["status"], parts["redis"]["reason"]) == ("green", "not_used")
    assert parts["process:api"]["status"] == "green"
    assert parts["process:api"]["details"]["instances"][0]["instance"] == instance_name()
    # the replay source without data: the feed never delivered, so it is starting, not failing
    feed = parts["feed:BTCUSDT"]
    assert (feed["status"], feed["reason"]) == ("amber", "starting")
    assert parts["telegram"]["reason"] == "not_configured"
    assert parts["mail"]["reason"] == "not_configured"
    assert {"disk:data", "disk:logs"} <= set(parts)
    assert body["status"] == "amber"  # the worst component


async def _notifications(rt: Runtime) -> list[Notification]:
    async with transaction(rt.sessionmaker) as tx:
        stmt = select(Notification).where(Notification.kind == KIND).order_by(Notification.id)
        return list((await tx.session.scalars(stmt)).all())


async def _state(rt: Runtime, component: str) -> str | None:
    async with transaction(rt.sessionmaker) as tx:
        row = await tx.session.get(HealthState, component)
        return row.status if row is not None else None


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
async def test_redis_stopped_is_red_and_admins_hear_once_per_transition(
    db_url: str, tmp_path: Path, redis_prefix: str
) -> None:
    redis = RedisProcess(tmp_path)
    redis.start()
    try:
        async with admin_app(
            db_url, tmp_path, redis_url=redis.url, redis_prefix=redis_prefix,
            jobs_inline=True, rate_limit_enabled=False,
        ) as app, asgi_client(app) as ac:  # fmt: skip
            rt = runtime(app)
            admin = await admin_headers(ac)
            await Sampler(rt).sample_once()
            up = _by_name((await ac.get(HEALTH, headers=admin)).json())
            assert up["redis"]["status"] == "green"
            # the scheduler's lease, held through Redis by this process, named by its sample
            assert up["lease:jobs.scheduler"]["details"]["holder"] == instance_name()

            first = await run_health_check(rt)
            baseline = await _notifications(rt)
            assert await _state(rt, "redis") == "green"
            assert not [n for n in baseline if "redis" in n.title]
            assert len(baseline) == len(first["notified"])

            redis.stop()
            down = _by_name((await ac.get(HEALTH, headers=admin)).json())
            assert down["redis"]["status"] == "red"
            assert down["redis"]["reason"] in ("unreachable", "timeout")

            await run_health_check(rt)
            went_red = [n for n in await _notifications(rt) if n.data["component"] == "redis"]
            assert [(n.title, n.data["status"]) for n in went_red] == [("redis is red", "red")]
            assert await _state(rt, "redis") == "red"

            count = len(await _notifications(rt))
            again = await run_health_check(rt)  # no change: nothing new
            assert again["notified"] == [] and len(await _notifications(rt)) == count

            redis.start()  # the same port: Redis comes back
            await run_health_check(rt)
            redis_notes = [n for n in await _notifications(rt) if n.data["component"] == "redis"]
            assert [n.data["status"] for n in redis_notes] == ["red", "green"]
            assert redis_notes[1].title == "redis is back (green)"
            assert await _state(rt, "redis") == "green"
    finally:
        redis.stop()


def test_feed_states_by_lag_and_whether_the_feed_runs() -> None:
    lags = {"A": None, "B": 1_000, "C": FEED_AMBER_MS, "D": FEED_RED_MS}
    running = {c.name: (c.status, c.reason) for c in feeds(lags, "replay", live=True)}
    assert running == {
        "feed:A": ("red", "no_data"),
        "feed:B": ("green", "ok"),
        "feed:C": ("amber", "stale"),
        "feed:D": ("red", "stale"),
    }
    starting = feeds({"A": None}, None, live=False)
    assert [(c.status, c.reason) for c in starting] == [("amber", "starting")]
    # replaying: a configured symbol the recording has no candles for can never tick
    replayed = feeds({"A": None, "B": None}, "replay", live=True, recorded={"A"})
    assert [(c.status, c.reason) for c in replayed] == [
        ("red", "no_data"),
        ("green", "not_recorded"),
    ]
    live_binance = feeds({"B": None}, "binance", live=True, recorded={"A"})
    assert [(c.status, c.reason) for c in live_binance] == [("red", "no_data")]


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_mail_is_green_while_smtp_answers_and_red_once_it_is_gone(
    db_url: str, tmp_path: Path
) -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with (
        admin_app(db_url, tmp_path, smtp_url=f"smtp://127.0.0.1:{port}") as app,
        asgi_client(app) as ac,
    ):
        admin = await admin_headers(ac)
        up = _by_name((await ac.get(HEALTH, headers=admin)).json())["mail"]
        assert (up["status"], up["reason"]) == ("green", "ok")
        server.close()
        await server.wait_closed()
        down = _by_name((await ac.get(HEALTH, headers=admin)).json())["mail"]
        assert (down["status"], down["reason"]) == ("red", "unreachable")
