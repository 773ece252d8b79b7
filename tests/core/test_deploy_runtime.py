"""Deployments and the singleton parts: the API pods start no worker child and follow the
ingestor; readiness is the pod's own (health/service.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

K8S = ROOT / "deploy" / "k8s"


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_scaled_out_api_processes_start_no_worker_child_and_ingest_nothing() -> None:
    config = _docs(K8S / "configmap.yaml")[0]["data"]
    assert (config["SERVE_WORKER"], config["RUN_INGESTOR"]) == ("no", "no")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = compose["x-app-env"]
    assert (env["SERVE_WORKER"], env["RUN_INGESTOR"]) == ("no", "no")


def test_api_readiness_and_liveness_probe_the_pods_own_health() -> None:
    api = _docs(K8S / "api.yaml")[0]
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    # the ready check's own timeout (2 s, health/service.py) fits inside the probe's
    assert container["readinessProbe"]["timeoutSeconds"] > 2
