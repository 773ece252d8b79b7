"""The Prometheus series this package adds: slow /ws clients counted, the sampler's gauges
(lease holders, pool, business counts from the database) on /metrics, and the quantile maths."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import REGISTRY

from backend.observability.sampler import Sampler
from backend.observability.sampling import HistogramSnapshot, quantile
from backend.realtime.hub import SLOW_CONSUMER, Client
from tests.auth.helpers import signup
from tests.observability.helpers import admin_app, asgi_client, runtime
from tests.observability.populate import Rows


def _value(name: str, **labels: str) -> float:
    found = REGISTRY.get_sample_value(name, labels)
    return 0.0 if found is None else found


async def test_a_client_dropped_as_too_slow_is_counted() -> None:
    before = _value("cd_ws_slow_clients_dropped_total")
    client = Client(queue_size=2)
    for _ in range(3):  # no writer drains the queue: the third frame finds it full
        client.push({"type": "websocket.send", "text": "x"})
    assert client.dropped.done() and client.close_reason == SLOW_CONSUMER
    assert _value("cd_ws_slow_clients_dropped_total") == before + 1


async def test_the_sampler_sets_its_gauges_and_metrics_serves_them(
    db_url: str, tmp_path: Path
) -> None:
    async with admin_app(db_url, tmp_path) as app, asgi_client(app) as ac:
        trader = await signup(ac, "trader1")
        rt = runtime(app)
        rows = Rows(rt, trader["user"]["id"])
        now = datetime.now(UTC)
        first = await rows.order(now)
        await rows.order(now)
        await rows.fill(first, now, "25.5")
        await Sampler(rt).sample_once()
        text = (await ac.get("/metrics")).text
    assert _value("cd_lease_held", lease="jobs.scheduler") == 1  # embedded: held locally
    assert _value("cd_orders", status="FILLED") == 2
    assert _value("cd_fills") == 1
    assert _value("cd_fill_volume_quote_1h", symbol="BTCUSDT") == 25.5
    assert _value("cd_db_pool_size") == rt.settings.database_pool_size
    for series in ("cd_ws_clients ", 'cd_lease_held{lease="jobs.scheduler"} 1.0', "cd_fills 1.0"):
        assert series in text, series


def test_quantile_interpolates_inside_the_bucket_like_prometheus() -> None:
    snap = HistogramSnapshot(((0.1, 50.0), (0.5, 90.0), (1.0, 100.0), (math.inf, 100.0)), 100.0)
    assert quantile(snap, 0.5) == 0.1  # rank 50 is the top of the first bucket
    assert quantile(snap, 0.7) == 0.1 + 0.4 * (20 / 40)
    assert quantile(snap, 0.99) == 0.5 + 0.5 * (9 / 10)
    empty = HistogramSnapshot(((0.1, 0.0), (math.inf, 0.0)), 0.0)
    assert quantile(empty, 0.5) is None
    overflow = HistogramSnapshot(((0.1, 0.0), (math.inf, 4.0)), 4.0)
    assert quantile(overflow, 0.5) == 0.1  # past the last bound: the largest finite one
    since = HistogramSnapshot(((0.1, 60.0), (math.inf, 70.0)), 70.0).minus(
        HistogramSnapshot(((0.1, 50.0), (math.inf, 50.0)), 50.0)
    )
    assert since == HistogramSnapshot(((0.1, 10.0), (math.inf, 20.0)), 20.0)
