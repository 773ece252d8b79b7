"""deploy/k8s rendered as `kubectl apply -k` would apply it, then checked against the Kubernetes
API's JSON schemas (kubernetes-validate, strict: an unknown or misspelt field fails) and for what
a schema cannot see: selectors that match, probes and scrape paths that are real routes of the
app, settings that exist, autoscalers and disruption budgets aimed at real workloads, the backup
CronJob writing to a claim. Rendered by `kubectl kustomize` where kubectl is installed, else by a
Python reading of the kustomization (resources, namespace, image tags); both where both work."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from starlette.routing import Match

from backend.config import Settings
from backend.main import create_app
from tests.conftest import ROOT, make_settings

K8S = ROOT / "deploy" / "k8s"
# The oldest Kubernetes the manifests promise to run on (CronJob timeZone, autoscaling/v2,
# policy/v1 are all GA there) and the newest schemas the package has.
VERSIONS = ("1.30", kubernetes_validate.latest_version())
WORKLOADS = ("Deployment", "StatefulSet", "Job")
Doc = dict[str, Any]


def python_render() -> list[Doc]:
    """What `kustomize build` does with this kustomization: its resources in order, the
    namespace set on each, the images' tags replaced."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert set(kustomization) <= {"apiVersion", "kind", "namespace", "resources", "images"}
    tags = {i["name"]: i["newTag"] for i in kustomization.get("images", [])}
    docs: list[Doc] = []
    for resource in kustomization["resources"]:
        for doc in yaml.safe_load_all((K8S / resource).read_text()):
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = kustomization["namespace"]
            for container in containers(doc):
                name, _, _ = container["image"].partition(":")
                if name in tags:
                    container["image"] = f"{name}:{tags[name]}"
            docs.append(doc)
    return docs


def kubectl_render() -> list[Doc] | None:
    if shutil.which("kubectl") is None:
        return None
    out = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, check=True
    )
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@cache
def rendered() -> tuple[Doc, ...]:
    return tuple(kubectl_render() or python_render())


def key(doc: Doc) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def by_key() -> dict[tuple[str, str], Doc]:
    return {key(d): d for d in rendered()}


def pod_template(doc: Doc) -> Doc | None:
    if doc["kind"] in WORKLOADS:
        template: Doc = doc["spec"]["template"]
        return template
    if doc["kind"] == "CronJob":
        template = doc["spec"]["jobTemplate"]["spec"]["template"]
        return template
    return None


def containers(doc: Doc) -> list[Doc]:
    template = pod_template(doc)
    if template is None:
        return []
    spec = template["spec"]
    found: list[Doc] = spec["containers"] + spec.get("initContainers", [])
    return found


@cache
def is_routed(path: str) -> bool:
    """A GET of `path` reaches a route of the app (no SPA catch-all: no built web app here)."""
    settings = make_settings("sqlite+aiosqlite:///unused.db", Path("/nonexistent"))
    app = create_app(settings)  # routes only: no lifespan, nothing is opened
    scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "headers": []}
    return any(route.matches(scope)[0] is Match.FULL for route in app.routes)


def test_kubectl_and_the_python_render_agree() -> None:
    by_kubectl = kubectl_render()
    if by_kubectl is None:
        pytest.skip("kubectl is not installed: the Python render alone is validated below")
    assert sorted(map(key, by_kubectl)) == sorted(map(key, python_render()))
    images = lambda docs: sorted(c["image"] for d in docs for c in containers(d))  # noqa: E731
    assert images(by_kubectl) == images(python_render())


@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_is_valid_against_the_kubernetes_schema(version: str) -> None:
    for doc in rendered():
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{key(doc)} on Kubernetes {version}: {exc.message} at {list(exc.path)}")


def test_the_schema_check_catches_a_misspelt_field() -> None:
    """The validator is strict: the check above can fail."""
    api = dict(by_key()[("Deployment", "api")])
    broken = yaml.safe_load(yaml.safe_dump(api))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinessProb"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


def test_everything_is_in_one_namespace_with_tagged_images() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    tags = {i["name"]: i["newTag"] for i in kustomization["images"]}
    for doc in rendered():
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == kustomization["namespace"], key(doc)
        for container in containers(doc):
            name, _, tag = container["image"].partition(":")
            if name.startswith("cryptodemo-"):
                assert tags[name] == tag, key(doc)


def test_workload_selectors_match_their_pod_labels() -> None:
    for doc in rendered():
        template = pod_template(doc)
        if template is None or doc["kind"] in ("Job", "CronJob"):
            continue
        labels = template["metadata"]["labels"]
        assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items(), key(doc)


def test_probes_and_scrape_annotations_hit_real_routes_and_ports() -> None:
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    for doc in rendered():
        template = pod_template(doc)
        if template is None:
            continue
        for container in containers(doc):
            ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
            image = container["image"]
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                http = container.get(probe, {}).get("httpGet")
                if http is None:
                    continue
                assert http["port"] in ports or http["port"] in ports.values(), (key(doc), probe)
                if image.startswith("cryptodemo-api:"):
                    assert is_routed(http["path"]), (key(doc), probe, http["path"])
                elif image.startswith("cryptodemo-web:"):
                    assert f"location = {http['path']} " in nginx, (key(doc), probe)
        annotations = template["metadata"].get("annotations", {})
        if annotations.get("prometheus.io/scrape") == "true":
            (container,) = containers(doc)
            assert int(annotations["prometheus.io/port"]) in {
                p["containerPort"] for p in container["ports"]
            }, key(doc)
            assert is_routed(annotations["prometheus.io/path"]), key(doc)
    api = by_key()[("Deployment", "api")]
    assert pod_template(api)["metadata"]["annotations"]["prometheus.io/scrape"] == "true"  # type: ignore[index]


def test_http_servers_have_readiness_and_liveness_probes() -> None:
    for name in ("api", "web"):
        (container,) = containers(by_key()[("Deployment", name)])
        assert "readinessProbe" in container and "livenessProbe" in container, name
    for name in ("postgres", "redis"):
        (container,) = containers(by_key()[("StatefulSet", name)])
        assert "readinessProbe" in container and "livenessProbe" in container, name


def test_every_environment_name_is_a_setting() -> None:
    """A misspelt setting would be ignored silently (extra=ignore): the names must exist."""
    fields = {name.upper() for name in Settings.model_fields}
    docs = by_key()
    config = docs[("ConfigMap", "cryptodemo-config")]["data"]
    assert set(config) <= fields, sorted(set(config) - fields)
    secret_template = next(yaml.safe_load_all((K8S / "secret.example.yaml").read_text()))
    secret_keys = set(secret_template["stringData"])
    commented = set(
        re.findall(r"^\s*#\s*([A-Z][A-Z0-9_]+):", (K8S / "secret.example.yaml").read_text(), re.M)
    )
    postgres_only = {"POSTGRES_PASSWORD"}  # the bundled PostgreSQL StatefulSet's, not the app's
    assert (secret_keys | commented) - postgres_only <= fields
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= secret_keys
    for doc in rendered():
        if any(c["image"].startswith(("cryptodemo-api:", "cryptodemo-worker:", "cryptodemo-bot:"))
               for c in containers(doc)):  # fmt: skip
            for container in containers(doc):
                names = {e["name"] for e in container.get("env", [])}
                assert names <= fields, (key(doc), names - fields)
                refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
                assert refs == {"cryptodemo-config", "cryptodemo-secrets"}, key(doc)


def test_autoscalers_target_the_api_and_worker_deployments_with_cpu_requests() -> None:
    docs = by_key()
    targets = {}
    for (kind, name), hpa in docs.items():
        if kind != "HorizontalPodAutoscaler":
            continue
        ref = hpa["spec"]["scaleTargetRef"]
        deployment = docs[(ref["kind"], ref["name"])]
        assert ref["apiVersion"] == deployment["apiVersion"], name
        assert 2 <= hpa["spec"]["minReplicas"] <= deployment["spec"]["replicas"], name
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"], name
        for metric in hpa["spec"]["metrics"]:
            resource = metric["resource"]["name"]
            for container in containers(deployment):  # a utilization is of the requests
                assert resource in container["resources"]["requests"], (name, resource)
        targets[name] = ref["name"]
    assert targets == {"api": "api", "worker": "worker"}
    # singletons never scale: one ingestor (its lease), one bot poller per token
    assert ("HorizontalPodAutoscaler", "ingestor") not in docs
    assert ("HorizontalPodAutoscaler", "bot") not in docs


def test_disruption_budgets_cover_the_replicated_deployments() -> None:
    docs = by_key()
    covered = set()
    for (kind, name), pdb in docs.items():
        if kind != "PodDisruptionBudget":
            continue
        selector = pdb["spec"]["selector"]["matchLabels"]
        (target,) = [
            d for (k, _), d in docs.items()
            if k == "Deployment" and selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]  # fmt: skip
        # a budget that leaves no pod evictable would block every node drain
        assert pdb["spec"]["minAvailable"] < target["spec"]["replicas"], name
        covered.add(target["metadata"]["name"])
    assert covered >= {"api", "worker", "web"}


def test_backup_cronjob_writes_daily_backups_to_a_claim() -> None:
    docs = by_key()
    cron = docs[("CronJob", "backup")]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert len(cron["spec"]["schedule"].split()) == 5
    pod = pod_template(cron)["spec"]  # type: ignore[index]
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["image"].startswith("cryptodemo-api:")  # it carries pg_dump (Dockerfile.api)
    assert container["command"] == ["python", "-m", "backend.cli", "backup", "--daily"]
    env = {e["name"]: e["value"] for e in container["env"]}
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == env["BACKUP_DIR"]]
    assert not mount.get("readOnly", False)
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    claim = docs[("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])]
    assert claim["spec"]["resources"]["requests"]["storage"]
    # the workers leave the daily backup to it (else two schedulers would take it)
    assert docs[("ConfigMap", "cryptodemo-config")]["data"]["BACKUP_IN_APP"] == "false"
    assert Settings.model_fields["backup_in_app"].default is True  # compose: the workers do it
