"""Who may call what: every HTTP route of the app, written once.

Levels: "public" (anyone, no token needed), "refresh-token" (the refresh token, in the cookie or
the body, is the credential: a bearer access token does not count), "authenticated" (any signed-in user), and the roles
"trader" < "analyst" < "admin" (that role or a higher one). test_access_matrix.py checks every
row as anonymous, trader, analyst and admin, and fails on a route of `app.routes` that is not
here (or a row whose route is gone): a new route is added here with its router's dependency.
"""

from __future__ import annotations

from typing import Literal

Level = Literal["public", "refresh-token", "authenticated", "trader", "analyst", "admin"]

ACCESS: dict[tuple[str, str], Level] = {
    # framework and operations
    ("GET", "/openapi.json"): "public",
    ("GET", "/docs"): "public",
    ("GET", "/docs/oauth2-redirect"): "public",
    ("GET", "/redoc"): "public",
    ("GET", "/metrics"): "public",  # Prometheus scrape: deploy/nginx.conf does not proxy it
    ("GET", "/health/live"): "public",
    ("GET", "/health/ready"): "public",
    # accounts
    ("POST", "/api/v1/auth/register"): "public",
    ("POST", "/api/v1/auth/login"): "public",
    ("POST", "/api/v1/auth/refresh"): "refresh-token",
    ("POST", "/api/v1/auth/logout"): "public",
    ("POST", "/api/v1/auth/logout-all"): "authenticated",
    ("GET", "/api/v1/users/me"): "authenticated",
    ("PATCH", "/api/v1/users/me"): "authenticated",
    ("POST", "/api/v1/users/me/password"): "authenticated",
    # admin console
    ("GET", "/api/v1/admin/users"): "admin",
    ("GET", "/api/v1/admin/users/{user_id}"): "admin",
    ("POST", "/api/v1/admin/users/{user_id}/revoke-sessions"): "admin",
    ("GET", "/api/v1/admin/audit"): "admin",
    ("GET", "/api/v1/admin/logs"): "admin",
    ("GET", "/api/v1/admin/metrics/summary"): "admin",
    ("GET", "/api/v1/admin/health"): "admin",
    ("PATCH", "/api/v1/admin/users/{user_id}"): "admin",
    ("POST", "/api/v1/admin/users/{user_id}/unlock"): "admin",
    ("GET", "/api/v1/admin/tasks"): "admin",
    ("POST", "/api/v1/admin/tasks/{name}/run"): "admin",
    ("GET", "/api/v1/admin/tasks/runs/{run_id}"): "admin",
    # market data
    ("GET", "/api/v1/market/symbols"): "public",
    ("GET", "/api/v1/market/ticker"): "public",
    ("GET", "/api/v1/market/tickers"): "public",
    ("GET", "/api/v1/market/klines"): "public",
    ("GET", "/api/v1/market/status"): "public",
    # demo trading
    ("GET", "/api/v1/account"): "authenticated",
    ("POST", "/api/v1/account/reset"): "authenticated",
    ("POST", "/api/v1/orders"): "authenticated",
    ("GET", "/api/v1/orders"): "authenticated",
    ("GET", "/api/v1/orders/{order_id}"): "authenticated",
    ("DELETE", "/api/v1/orders/{order_id}"): "authenticated",
    ("GET", "/api/v1/trades"): "authenticated",
    ("GET", "/api/v1/portfolio"): "authenticated",
    ("GET", "/api/v1/portfolio/equity"): "authenticated",
    # analysis and forecasts
    ("GET", "/api/v1/analysis/indicators/catalog"): "trader",
    ("GET", "/api/v1/analysis/indicators"): "trader",
    ("GET", "/api/v1/analysis/compare"): "analyst",
    ("POST", "/api/v1/forecast/train"): "analyst",
    ("POST", "/api/v1/forecast/evaluations"): "analyst",
    ("GET", "/api/v1/forecast/jobs/{job_id}"): "analyst",
    ("GET", "/api/v1/forecast/models"): "analyst",
    ("GET", "/api/v1/forecast"): "analyst",
    # notifications and channels
    ("GET", "/api/v1/notifications"): "authenticated",
    ("POST", "/api/v1/notifications/read-all"): "authenticated",
    ("POST", "/api/v1/notifications/{notification_id}/read"): "authenticated",
    ("GET", "/api/v1/notifications/settings"): "authenticated",
    ("PATCH", "/api/v1/notifications/settings"): "authenticated",
    ("PUT", "/api/v1/webhook"): "authenticated",
    ("DELETE", "/api/v1/webhook"): "authenticated",
    ("POST", "/api/v1/webhook/test"): "authenticated",
    ("POST", "/api/v1/telegram/link"): "authenticated",
    ("DELETE", "/api/v1/telegram/link"): "authenticated",
    # alerts
    ("POST", "/api/v1/alerts"): "trader",
    ("GET", "/api/v1/alerts"): "trader",
    ("GET", "/api/v1/alerts/{alert_id}"): "trader",
    ("PATCH", "/api/v1/alerts/{alert_id}"): "trader",
    ("DELETE", "/api/v1/alerts/{alert_id}"): "trader",
    ("POST", "/api/v1/alerts/{alert_id}/pause"): "trader",
    ("POST", "/api/v1/alerts/{alert_id}/resume"): "trader",
    ("GET", "/api/v1/alerts/{alert_id}/firings"): "trader",
}

# WebSocket endpoints take anyone; private streams (`user`) need an AUTH frame with a valid
# access token (tests/realtime and test_ws_fuzz.py).
WEBSOCKETS: frozenset[str] = frozenset({"/ws", "/ws/{streams:path}", "/stream"})

ROLE_RANK: dict[str, int] = {"trader": 1, "analyst": 2, "admin": 3}
LEVEL_RANK: dict[Level, int] = {
    "public": 0,
    "refresh-token": 4,  # above every role: no access token lets anyone in
    "authenticated": 1,
    "trader": 1,
    "analyst": 2,
    "admin": 3,
}
