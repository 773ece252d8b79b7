"""Prometheus counters of domain events; HTTP metrics are in http_metrics.py."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REGISTRATIONS = Counter("cd_registrations_total", "Accounts registered")
LOGINS = Counter("cd_logins_total", "Login attempts by outcome", ["outcome"])
LOCKOUTS = Counter("cd_lockouts_total", "Accounts locked after repeated failed logins")
REFRESH_REUSE = Counter("cd_refresh_token_reuse_total", "Spent refresh tokens presented again")
TRADING_INDEX_DRIFT = Counter(
    "cd_trading_index_drift_total",
    "Matcher index entries repaired by the periodic resync, by kind (missing, stale, moved)",
    ["kind"],
)
ALERTS_FIRED = Counter(
    "cd_alerts_fired_total",
    "Alert firings, by whether a gap catch-up from the stored candles found them (late)",
    ["late"],
)
ALERTS_INDEX_DRIFT = Counter(
    "cd_alerts_index_drift_total", "Alert index entries repaired by the periodic resync"
)
TRADING_CATCHUP_ORDERS = Counter(
    "cd_trading_catchup_orders_total",
    "Orders filled or triggered (or found closed) by the matcher's candle catch-up after a gap",
)
WS_REFUSED = Counter(
    "cd_ws_refused_total",
    "/ws and /stream handshakes refused by the connection caps: per_address (429), process (503)",
    ["reason"],
)
MARKET_FEED_UP = Gauge(
    "cd_market_feed_up",
    "The market feed as this process sees it: 1 up, 0.5 starting, 0 down (as of the last "
    "readiness probe)",
)
# --- background jobs (backend/jobs.py: the wrapper around every job, both runners) ---
JOB_DURATION = Histogram(
    "cd_job_duration_seconds",
    "Duration of one job attempt, by job name (failed attempts included)",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
JOB_FAILURES = Counter("cd_job_failures_total", "Job attempts that raised, by job name", ["job"])
JOB_SKIPPED = Counter(
    "cd_job_skipped_total",
    "Scheduled task runs not started: the task was already running (or that firing already ran)",
    ["job"],
)
# --- observability (backend/observability: the minute sampler sets the gauges; prom.py) ---
WS_CLIENTS = Gauge("cd_ws_clients", "/ws connections open in this process (last sample)")
WS_SLOW_DROPPED = Counter(
    "cd_ws_slow_clients_dropped_total", "/ws clients dropped because their send queue was full"
)
FEED_LAG = Gauge(
    "cd_market_feed_lag_seconds",
    "How far this process's newest ticker trails market time, by symbol (last sample)",
    ["symbol"],
)
DB_POOL_IN_USE = Gauge("cd_db_pool_in_use", "Database connections checked out (last sample)")
DB_POOL_SIZE = Gauge("cd_db_pool_size", "Database connection pool size of this process")
LEASE_HELD = Gauge(
    "cd_lease_held", "1 while this process holds the singleton lease (last sample)", ["lease"]
)
# Deployment-wide figures read from the database by each API process's sampler: every API
# replica reports the same value, so aggregate them with max(), not sum().
ORDERS = Gauge("cd_orders", "Orders in the database, by status", ["status"])
FILLS = Gauge("cd_fills", "Fills (trades rows) in the database")
FILL_VOLUME_1H = Gauge(
    "cd_fill_volume_quote_1h", "Quote volume of the fills of the last hour, by symbol", ["symbol"]
)
NOTIFICATION_DELIVERIES = Gauge(
    "cd_notification_deliveries",
    "Outbox deliveries in the database by channel and outcome (pending, sent, failed)",
    ["channel", "state"],
)
