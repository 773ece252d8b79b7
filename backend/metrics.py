"""Prometheus counters of domain events; HTTP metrics are in http_metrics.py."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

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
