"""HTTP metrics for Prometheus: requests by route template, method and status class; latency.

A pure ASGI middleware reading the route the router matched (`scope["route"]`, set while
routing) after the response and looking its full template up in a table built once from the
app's routes (FastAPI keeps an included router's prefix outside the route object), so a request
costs a dict lookup and two metric updates, never a walk of the route table. Unmatched paths (404s, probes of random URLs) are grouped as `none` so
label cardinality stays bounded. `/metrics` serves the default registry, domain counters
(metrics.py) included.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests by route template, method and status class",
    ["method", "handler", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency until the response has been sent",
    ["method", "handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EXCLUDED = frozenset({"/metrics", "/health/live", "/health/ready"})


class HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._paths: dict[int, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            handler = self._handler(scope)
            if handler not in EXCLUDED:
                method = scope["method"]
                REQUESTS.labels(method, handler, f"{status // 100}xx").inc()
                LATENCY.labels(method, handler).observe(time.perf_counter() - start)

    def _handler(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return "none"
        if self._paths is None or id(route) not in self._paths:
            # first request, or a route added since: rebuild once; still unknown -> "none"
            self._paths = _route_templates(scope["app"].router.routes)
            self._paths.setdefault(id(route), "none")
        return self._paths[id(route)]


def _route_templates(routes: list[Any]) -> dict[int, str]:
    """id(route) -> its full path template, through included routers' prefixes."""
    paths: dict[int, str] = {}
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            for ctx in contexts():
                original, path = getattr(ctx, "original_route", None), getattr(ctx, "path", None)
                if original is not None and isinstance(path, str):
                    paths[id(original)] = path
        elif isinstance(getattr(route, "path", None), str):
            paths[id(route)] = route.path
    return paths


def install_http_metrics(app: FastAPI) -> None:
    """Add the middleware and the `/metrics` endpoint (not in the OpenAPI schema)."""
    app.add_middleware(HttpMetricsMiddleware)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
