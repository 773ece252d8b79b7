"""`GET /admin/metrics/summary`: current figures and 24 h series for the system dashboard.

Counts come from the domain tables (repository.py); process figures from the minute samples
(sampler.py). Hourly counts are bucketed in Python over at most 24 h of rows (bounded reads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis.asyncio as aioredis

from backend.db import Tx
from backend.observability import schemas as s
from backend.observability.models import MetricSample
from backend.observability.repository import SampleRepository, SummaryRepository
from backend.observability.sampler import feed_lags_ms
from backend.runtime import Runtime

WINDOW = timedelta(hours=24)
BUCKET = timedelta(minutes=15)
LIVE_WITHIN = timedelta(minutes=3)  # a process's newest sample counts as current this long


def _floor(at: datetime, step: timedelta) -> datetime:
    epoch = int(at.timestamp())
    seconds = int(step.total_seconds())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def _starts(now: datetime, step: timedelta) -> list[datetime]:
    last = _floor(now, step)
    count = int(WINDOW / step)
    return [last - step * i for i in range(count - 1, -1, -1)]


def hourly(times: Iterable[datetime], now: datetime) -> s.CountFigure:
    starts = _starts(now, timedelta(hours=1))
    counts = dict.fromkeys(starts, 0)
    for at in times:
        key = _floor(at, timedelta(hours=1))
        if key in counts:
            counts[key] += 1
    points = [s.Point(at=k, value=v) for k, v in counts.items()]
    return s.CountFigure(
        last_hour=counts[starts[-1]], last_24h=sum(counts.values()), per_hour=points
    )


Reducer = Callable[[list[MetricSample]], float | None]


def bucketed(samples: Sequence[MetricSample], now: datetime, reduce: Reducer) -> list[s.Point]:
    groups: dict[datetime, list[MetricSample]] = {k: [] for k in _starts(now, BUCKET)}
    for sample in samples:
        group = groups.get(_floor(sample.at, BUCKET))
        if group is not None:
            group.append(sample)
    return [s.Point(at=k, value=reduce(v) if v else None) for k, v in groups.items()]


def _newest_each(samples: list[MetricSample]) -> list[MetricSample]:
    newest: dict[str, MetricSample] = {}
    for sample in samples:
        newest[sample.instance] = sample
    return list(newest.values())


def _rate(samples: list[MetricSample]) -> float | None:
    """Requests per second: each instance's requests over its sampled time, summed."""
    per: dict[str, tuple[int, float]] = {}
    for x in samples:
        n, t = per.get(x.instance, (0, 0.0))
        per[x.instance] = (n + x.requests, t + x.interval_s)
    return round(sum(n / t for n, t in per.values() if t > 0), 3) if per else None


def _p50(samples: list[MetricSample]) -> float | None:
    """Request-weighted mean of the samples' medians (an estimate across samples)."""
    weighted = [(x.latency_p50_ms, x.requests) for x in samples if x.latency_p50_ms is not None]
    total = sum(w for _, w in weighted)
    return round(sum(v * w for v, w in weighted) / total, 3) if total else None


def _p99(samples: list[MetricSample]) -> float | None:
    """The worst sample's p99 (an upper bound across samples)."""
    values = [x.latency_p99_ms for x in samples if x.latency_p99_ms is not None]
    return max(values) if values else None


def _api(api_samples: list[MetricSample], now: datetime) -> s.ApiFigures:
    current = [x for x in api_samples if now - x.at <= LIVE_WITHIN]
    newest = _newest_each(current)
    return s.ApiFigures(
        request_rate=_rate(newest),
        p50_ms=_p50(newest),
        p99_ms=_p99(newest),
        rate_series=bucketed(api_samples, now, _rate),
        p50_series=bucketed(api_samples, now, _p50),
        p99_series=bucketed(api_samples, now, _p99),
    )


def _processes(samples: Sequence[MetricSample], now: datetime) -> list[s.ProcessOut]:
    by_instance: dict[str, list[MetricSample]] = {}
    for x in samples:
        by_instance.setdefault(x.instance, []).append(x)
    out = []
    for instance, rows in sorted(by_instance.items(), key=lambda kv: (kv[1][-1].process, kv[0])):
        last = rows[-1]
        out.append(
            s.ProcessOut(
                process=last.process,
                instance=instance,
                last_seen=last.at,
                cpu_percent=last.cpu_percent,
                rss_bytes=last.rss_bytes,
                db_pool_in_use=last.db_pool_in_use,
                cpu_series=bucketed(rows, now, lambda g: max(x.cpu_percent for x in g)),
                rss_series=bucketed(rows, now, lambda g: float(max(x.rss_bytes for x in g))),
            )
        )
    return out


def _feed_series(api_samples: Sequence[MetricSample], now: datetime) -> list[s.Series]:
    symbols = sorted({sym for x in api_samples for sym in x.data.get("feed_lag_ms", {})})

    def lag_of(symbol: str) -> Reducer:
        def reduce(group: list[MetricSample]) -> float | None:
            lags = [x.data.get("feed_lag_ms", {}).get(symbol) for x in group]
            known = [lag for lag in lags if lag is not None]
            return float(max(known)) if known else None

        return reduce

    return [s.Series(name=sym, points=bucketed(api_samples, now, lag_of(sym))) for sym in symbols]


async def queue_depth(rt: Runtime, repo: SummaryRepository) -> int | None:
    """Jobs waiting on the arq queue (a Redis sorted set); embedded: task runs in progress."""
    settings = rt.settings
    if settings.use_inline_jobs or settings.redis_url is None:
        return await repo.running_task_runs()
    client = aioredis.Redis.from_url(settings.redis_url, socket_timeout=1.0)
    try:
        return int(await client.zcard(f"{settings.redis_prefix}jobs"))
    except Exception:
        return None
    finally:
        await client.aclose()


async def summary(tx: Tx, rt: Runtime, now: datetime) -> s.MetricsSummary:
    since = now - WINDOW
    repo = SummaryRepository(tx.session)
    samples = list(await SampleRepository(tx.session).since(since))
    api_samples = [x for x in samples if x.process == "api"]
    live = _newest_each([x for x in samples if now - x.at <= LIVE_WITHIN])
    trades = await repo.trades_since(since)
    volume: dict[str, Decimal] = {}
    for _, symbol, quote in trades:
        volume[symbol] = volume.get(symbol, Decimal(0)) + quote
    deliveries = await repo.deliveries_by_state()
    by_channel: dict[str, dict[str, int]] = {}
    for (channel, state), count in deliveries.items():
        by_channel.setdefault(channel, {})[state] = count
    runs = await repo.task_runs_since(since)
    failed_times = [at for outcome, at in runs or [] if outcome == "failed"]
    failures = hourly(failed_times, now)
    return s.MetricsSummary(
        generated_at=now,
        bucket_s=int(BUCKET.total_seconds()),
        users=await repo.users(),
        active_sessions=await repo.active_sessions(now),
        ws_connections=sum(x.ws_connections for x in live),
        ws_series=bucketed(
            samples, now, lambda g: float(sum(x.ws_connections for x in _newest_each(g)))
        ),
        orders=hourly(await repo.order_times(since), now),
        fills=hourly((at for at, _, _ in trades), now),
        fill_volume_24h=volume,
        alerts_fired=hourly(await repo.firing_times(since), now),
        notifications=s.NotificationFigures(
            pending=sum(n for (_, st), n in deliveries.items() if st == "pending"),
            failed=sum(n for (_, st), n in deliveries.items() if st == "failed"),
            by_channel=by_channel,
        ),
        jobs=s.JobFigures(
            queue_depth=await queue_depth(rt, repo),
            failures_24h=failures.last_24h if runs is not None else None,
            failures_per_hour=failures.per_hour,
        ),
        feed_lag_ms=feed_lags_ms(rt),
        feed_lag_series=_feed_series(api_samples, now),
        api=_api(api_samples, now),
        processes=_processes(samples, now),
        database_bytes=await repo.database_bytes(),
    )
