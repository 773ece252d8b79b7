"""Shared steps of the observability tests: an app with a bootstrap admin, and its headers."""

from __future__ import annotations

from fastapi import FastAPI

from backend.runtime import Runtime
from tests.admin_app import admin_bearer, open_admin_app
from tests.conftest import asgi_client

LOGS = "/api/v1/admin/logs"
SUMMARY = "/api/v1/admin/metrics/summary"
HEALTH = "/api/v1/admin/health"


admin_app = open_admin_app  # (db_url, tmp_path, **settings overrides)
admin_headers = admin_bearer


def runtime(app: FastAPI) -> Runtime:
    rt: Runtime = app.state.runtime
    return rt


__all__ = ["admin_app", "admin_headers", "asgi_client", "runtime"]
