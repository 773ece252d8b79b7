"""Schemas of the observability endpoints (all read only)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel

from backend.fields import DecimalStr


class LogLineOut(BaseModel):
    source: Literal["api", "worker", "security"]
    time: AwareDatetime
    level: str
    message: str
    process: str | None
    request_id: str | None
    fields: dict[str, str]
    exception: str | None


class LogPage(BaseModel):
    lines: list[LogLineOut]  # oldest first, newest last
    sources: list[str]
    log_to_file: bool  # false: this deployment writes no log files (stdout only)


class Point(BaseModel):
    at: AwareDatetime  # the start of the bucket
    value: float | None


class Series(BaseModel):
    name: str
    points: list[Point]


class CountFigure(BaseModel):
    last_hour: int
    last_24h: int
    per_hour: list[Point]


class ProcessOut(BaseModel):
    process: str
    instance: str
    last_seen: AwareDatetime
    cpu_percent: float
    rss_bytes: int
    db_pool_in_use: int
    cpu_series: list[Point]
    rss_series: list[Point]


class ApiFigures(BaseModel):
    request_rate: float | None  # requests per second over the newest samples
    p50_ms: float | None
    p99_ms: float | None
    rate_series: list[Point]
    p50_series: list[Point]
    p99_series: list[Point]


class JobFigures(BaseModel):
    queue_depth: int | None
    failures_24h: int | None  # None: no task runs recorded in this deployment
    failures_per_hour: list[Point]


class NotificationFigures(BaseModel):
    pending: int
    failed: int
    by_channel: dict[str, dict[str, int]]  # channel -> state -> deliveries


class MetricsSummary(BaseModel):
    generated_at: AwareDatetime
    bucket_s: int
    users: int
    active_sessions: int
    ws_connections: int
    ws_series: list[Point]
    orders: CountFigure
    fills: CountFigure
    fill_volume_24h: dict[str, DecimalStr]  # quote volume by symbol
    alerts_fired: CountFigure
    notifications: NotificationFigures
    jobs: JobFigures
    feed_lag_ms: dict[str, int | None]
    feed_lag_series: list[Series]
    api: ApiFigures
    processes: list[ProcessOut]
    database_bytes: int


class ComponentOut(BaseModel):
    name: str
    status: Literal["green", "amber", "red"]
    reason: str
    message: str
    details: dict[str, Any]


class HealthOut(BaseModel):
    status: Literal["green", "amber", "red"]
    checked_at: AwareDatetime
    components: list[ComponentOut]
