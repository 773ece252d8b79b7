"""deploy/prometheus and deploy/grafana agree with the app and with docker-compose.yml: the
scrape target is the API's port and metrics path, and every series the dashboard draws is one
the app exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from backend.main import create_app
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
METRIC = re.compile(r"\b((?:cd|http|process)_[a-z0-9_]+)")


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _exported(tmp_path: Path) -> set[str]:
    app = create_app(make_settings("sqlite+aiosqlite:///unused.db", tmp_path))
    assert any(getattr(r, "path", None) == "/metrics" for r in app.routes)
    # a labelled metric has no sample before its first use: its family still names it
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    names = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


def test_prometheus_scrapes_every_api_replica_on_its_port() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    api = jobs["api"]
    assert api["metrics_path"] == "/metrics"
    sd = api["dns_sd_configs"][0]
    services = _compose()["services"]
    assert sd["names"] == ["api"] and "api" in services
    assert str(sd["port"]) in [str(p) for p in services["api"]["expose"]]


def test_grafana_provisioning_matches_compose_and_the_dashboard(tmp_path: Path) -> None:
    datasource = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    provider = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/dashboards/dashboards.yml").read_text()
    )["providers"][0]
    mounts = _compose()["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in mounts

    dashboard = json.loads((DEPLOY / "grafana/dashboards/cryptodemo.json").read_text())
    exported = _exported(tmp_path)
    used: set[str] = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == datasource["uid"]
            used |= set(METRIC.findall(target["expr"]))
    missing = sorted(name for name in used if name not in exported)
    assert missing == [], f"the dashboard draws series the app does not export: {missing}"
    # the list: business and machinery series are all on the dashboard
    for name in (
        "cd_orders", "cd_fills", "cd_fill_volume_quote_1h", "cd_alerts_fired_total",
        "cd_notification_deliveries", "cd_ws_clients", "cd_ws_slow_clients_dropped_total",
        "cd_market_feed_lag_seconds", "cd_job_duration_seconds_bucket",
        "cd_job_failures_total", "cd_db_pool_in_use", "cd_lease_held",
    ):  # fmt: skip
        assert name in used, name


def test_prometheus_scrapes_every_worker_on_its_metrics_port() -> None:
    """Workers serve no HTTP but their own metrics endpoint (WORKER_METRICS_PORT): compose sets
    it on every worker, bound to all interfaces of the container, and Prometheus scrapes it."""
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    worker = {job["job_name"]: job for job in config["scrape_configs"]}["worker"]
    sd = worker["dns_sd_configs"][0]
    env = _compose()["services"]["worker"]["environment"]
    assert sd["names"] == ["worker"] and worker["metrics_path"] == "/metrics"
    assert str(sd["port"]) == str(env["WORKER_METRICS_PORT"])
    assert env["WORKER_METRICS_HOST"] == "0.0.0.0"
