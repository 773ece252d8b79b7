"""Deployment files: docker-compose.yml, the Dockerfiles, nginx.conf and the Kubernetes manifests.

No Docker engine runs here, so nothing is built or started; `docker compose config` validates and
resolves the compose file without one. Where the compose v2 plugin is not installed, the Debian
`docker-compose` (v1) validator is used. With neither, the tests fail: they never skip.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
TEST_SECRET = "test-secret-key-for-compose-config-0123456789"
TEST_GRAFANA_PASSWORD = "test-grafana-admin-password"
EXPECTED_SERVICES = {
    "api", "worker", "ingestor", "bot", "web", "postgres", "redis", "migrate", "prometheus",
    "grafana",
}  # fmt: skip


@cache
def compose_command() -> tuple[str, ...]:
    candidates: list[tuple[str, ...]] = [("docker", "compose"), ("docker-compose",)]
    for cmd in candidates:
        if shutil.which(cmd[0]) is None:
            continue
        probe = subprocess.run([*cmd, "version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return cmd
    pytest.fail(
        "neither `docker compose` nor `docker-compose` runs; .ci/run installs Debian's "
        "docker-compose when the compose plugin is missing"
    )


def run_compose_config(
    tmp_path: Path, secret: str | None, grafana_password: str | None = TEST_GRAFANA_PASSWORD
) -> subprocess.CompletedProcess[str]:
    # An empty env file, so a developer's own .env cannot change what is checked.
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    required = {"SECRET_KEY": secret, "GRAFANA_ADMIN_PASSWORD": grafana_password}
    env = {k: v for k, v in os.environ.items() if k not in required}
    env.update({k: v for k, v in required.items() if v is not None})
    cmd = [
        *compose_command(),
        "--project-directory",
        str(ROOT),
        "--env-file",
        str(env_file),
        "-f",
        str(ROOT / "docker-compose.yml"),
        "config",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = run_compose_config(tmp_path_factory.mktemp("compose"), TEST_SECRET)
    assert result.returncode == 0, result.stderr
    resolved: dict[str, Any] = yaml.safe_load(result.stdout)
    return resolved


def test_compose_config_is_accepted(tmp_path: Path) -> None:
    result = run_compose_config(tmp_path, TEST_SECRET)
    assert result.returncode == 0, result.stderr


def test_compose_config_without_secret_key_is_refused(tmp_path: Path) -> None:
    result = run_compose_config(tmp_path, None)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_compose_config_without_a_grafana_password_is_refused(tmp_path: Path) -> None:
    result = run_compose_config(tmp_path, TEST_SECRET, grafana_password=None)
    assert result.returncode != 0
    assert "GRAFANA_ADMIN_PASSWORD" in result.stderr


def test_compose_has_every_service_with_production_env(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) >= EXPECTED_SERVICES
    for name in ("api", "worker", "ingestor", "migrate"):
        env = services[name]["environment"]
        assert env["ENV"] == "production"
        assert env["SECRET_KEY"] == TEST_SECRET
        assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["REDIS_URL"].startswith("redis://")
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")


def test_compose_api_runs_two_replicas_after_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    api = services["api"]
    assert api["deploy"]["replicas"] >= 2
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert api["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["command"] == ["python", "-m", "alembic", "upgrade", "head"]
    assert services["web"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert "/health/live" in " ".join(api["healthcheck"]["test"])


def test_compose_commands_name_existing_entry_points(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["worker"]["command"] == ["python", "-m", "backend.worker"]
    assert services["worker"]["build"]["target"] == "worker"
    assert services["ingestor"]["command"] == ["python", "-m", "backend.market.ingestor"]
    assert (ROOT / "backend" / "worker.py").is_file()


def test_compose_runs_the_telegram_bot_from_its_image(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert bot["command"] == ["python", "-m", "telegram_bot"]
    assert bot["build"]["target"] == "bot"
    assert "ports" not in bot  # long polling: it listens on no port
    assert bot["environment"]["ENV"] == "production"
    assert bot["restart"] == "on-failure"  # without a token it exits 0 and stays down
    assert (ROOT / "telegram_bot" / "__main__.py").is_file()
    stages = named_stages(ROOT / "Dockerfile.api")
    assert 'CMD ["python", "-m", "telegram_bot"]' in stages["bot"]
    assert "COPY telegram_bot/ ./telegram_bot/" in stages["bot"]
    assert any("--no-deps -r /tmp/requirements.bot.lock" in x for x in stages["bot-deps"])


def mounts(service: dict[str, Any]) -> dict[str, tuple[str, str, bool]]:
    """Target -> (type, source, read-only) of a resolved service: compose v2 prints the long
    syntax, v1 `source:target[:mode]` strings."""
    found: dict[str, tuple[str, str, bool]] = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            kind, source, target = volume["type"], volume["source"], volume["target"]
            read_only = bool(volume.get("read_only", False))
        else:
            source, target, *mode = volume.split(":")
            kind = "bind" if source.startswith(("/", ".")) else "volume"
            read_only = mode == ["ro"]
        found[target] = (kind, source, read_only)
    return found


def test_compose_workers_share_one_forecast_models_volume(compose: dict[str, Any]) -> None:
    """Training writes a model where evaluation and prediction (maybe on another worker) read it:
    every process that runs jobs mounts the same named volume at FORECAST_MODELS_DIR."""
    services = compose["services"]
    workers = [
        s for s in services.values() if s.get("command") == ["python", "-m", "backend.worker"]
    ]
    assert workers
    sources = set()
    for worker in workers:
        assert worker["environment"]["SERVE_WORKER"] == "no"
        folder = worker["environment"]["FORECAST_MODELS_DIR"]
        kind, source, read_only = mounts(worker)[folder]
        assert kind == "volume" and not read_only, worker
        sources.add(source)
    (volume,) = sources
    assert volume in compose["volumes"]
    # The API processes run no jobs here (SERVE_WORKER=no, Redis): they never touch the folder.
    for name in ("api", "migrate", "ingestor"):
        assert services[name]["environment"]["SERVE_WORKER"] == "no", name


def test_compose_worker_sees_the_recorded_candles_it_imports(compose: dict[str, Any]) -> None:
    """The full-history import (the trainings' data) runs in the worker or API process, not in
    the ingestor: the worker needs MARKET_REPLAY_DIR and the recording mounted there."""
    services = compose["services"]
    main = (ROOT / "backend" / "main.py").read_text()
    assert re.search(r'Part\("market\.history_import", history_import, _EVERYWHERE\)', main)
    assert re.search(r'_EVERYWHERE: frozenset\[Process\] = frozenset\(\{"api", "worker"\}\)', main)
    ingestor = mounts(services["ingestor"])[
        services["ingestor"]["environment"]["MARKET_REPLAY_DIR"]
    ]
    worker_env = services["worker"]["environment"]
    kind, source, read_only = mounts(services["worker"])[worker_env["MARKET_REPLAY_DIR"]]
    assert (kind, source) == ingestor[:2] and read_only


def test_compose_runs_two_api_replicas_behind_nginx_and_two_workers(
    compose: dict[str, Any],
) -> None:
    """nginx's upstream names the compose service `api`, which Docker's DNS resolves to every
    replica; /ws goes to the same upstream with the upgrade headers (the bus carries events
    between replicas, so no stickiness is needed)."""
    services = compose["services"]
    assert services["api"]["deploy"]["replicas"] >= 2
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in ("ingestor", "bot"):  # singletons by lease / one poller per token
        assert services[name].get("deploy", {}).get("replicas", 1) == 1, name
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    upstream = re.search(r"upstream api \{(.*?)\}", conf, re.S)
    assert upstream is not None
    assert re.findall(r"server (\S+?)(?::\d+)?[ ;]", upstream.group(1)) == ["api"]
    assert "container_name" not in services["api"]  # a fixed name forbids replicas
    ws = re.search(r"location /ws \{(.*?)\}", conf, re.S)
    assert ws is not None and "proxy_pass http://api;" in ws.group(1)


def test_compose_every_server_has_a_healthcheck_on_a_real_endpoint(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    probes = {
        "postgres": "pg_isready",
        "redis": "redis-cli",
        "api": "/health/live",
        "web": "/nginx-health",
        "prometheus": "/-/ready",
        "grafana": "/api/health",
    }
    for name, probe in probes.items():
        check = services[name]["healthcheck"]
        assert not check.get("disable", False), name
        assert probe in " ".join(check["test"]), name
    assert "location = /nginx-health" in (ROOT / "deploy" / "nginx.conf").read_text()
    # dependants wait for health, not for a container that merely started
    assert services["web"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"


def test_compose_app_services_start_after_the_one_migration(compose: dict[str, Any]) -> None:
    services = compose["services"]
    app = [
        n for n, s in services.items() if s.get("build", {}).get("dockerfile") == "Dockerfile.api"
    ]
    assert set(app) >= {"api", "worker", "ingestor", "bot", "migrate"}
    for name in set(app) - {"migrate"}:
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        ), name
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"].get("deploy", {}).get("replicas", 1) == 1


def test_compose_state_lives_in_named_volumes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    expected = {
        "postgres": "/var/lib/postgresql/data",
        "redis": "/data",
        "prometheus": "/prometheus",
        "grafana": "/var/lib/grafana",
    }
    for name, target in expected.items():
        kind, source, read_only = mounts(services[name])[target]
        assert kind == "volume" and source in compose["volumes"] and not read_only, name


def test_compose_workers_write_backups_to_a_named_volume_with_pg_dump_installed(
    compose: dict[str, Any],
) -> None:
    worker = compose["services"]["worker"]
    folder = worker["environment"]["BACKUP_DIR"]
    kind, source, read_only = mounts(worker)[folder]
    assert kind == "volume" and source in compose["volumes"] and not read_only
    assert source == "backups"
    # the folder exists in the image, owned by the app user (a new volume copies it)
    runtime = " ".join(named_stages(ROOT / "Dockerfile.api")["runtime"])
    assert re.search(rf"mkdir -p [^&]*{re.escape(folder)}\b", runtime)
    assert re.search(rf"chown app:app [^&]*{re.escape(folder)}\b", runtime)
    assert "apt-get install -y --no-install-recommends postgresql-client" in runtime
    # the job that writes there is scheduled in every process's cron list
    from backend.backup.tasks import BACKUP_JOB
    from backend.worker import CRONS

    assert BACKUP_JOB in {c.job for c in CRONS}


def test_compose_prometheus_and_grafana_read_their_files_from_deploy(
    compose: dict[str, Any],
) -> None:
    """Prometheus and Grafana: configuration from deploy/ (read-only), UIs on loopback only."""
    services = compose["services"]
    prom = mounts(services["prometheus"])["/etc/prometheus/prometheus.yml"]
    assert prom[0] == "bind" and prom[2]
    assert Path(prom[1]).resolve() == ROOT / "deploy" / "prometheus" / "prometheus.yml"
    grafana = mounts(services["grafana"])
    assert Path(grafana["/etc/grafana/provisioning"][1]).resolve() == (
        ROOT / "deploy" / "grafana" / "provisioning"
    )
    assert grafana["/etc/grafana/provisioning"][2]
    # the files are there and agree with the compose file: every api replica scraped on the
    # API's port, Grafana's dashboards where the provider looks, its datasource the service
    scrape = yaml.safe_load(Path(prom[1]).read_text())
    (api_job,) = [j for j in scrape["scrape_configs"] if j["job_name"] == "api"]
    (dns,) = api_job["dns_sd_configs"]
    assert dns["names"] == ["api"] and dns["type"] == "A" and dns["port"] == 8000
    provisioning = Path(grafana["/etc/grafana/provisioning"][1])
    (provider,) = yaml.safe_load((provisioning / "dashboards" / "dashboards.yml").read_text())[
        "providers"
    ]
    dashboards = grafana[provider["options"]["path"]]
    assert dashboards[0] == "bind" and list(Path(dashboards[1]).glob("*.json"))
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())[
        "datasources"
    ]
    assert source["url"] == "http://prometheus:9090"
    env = services["grafana"]["environment"]
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == TEST_GRAFANA_PASSWORD
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    for name in ("prometheus", "grafana"):
        for port in services[name]["ports"]:
            published = port if isinstance(port, str) else f"{port.get('host_ip')}:{port}"
            assert published.startswith("127.0.0.1:"), (name, port)


def test_env_example_lists_every_variable_compose_reads() -> None:
    compose_text = (ROOT / "docker-compose.yml").read_text()
    names = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose_text))
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert names <= listed, sorted(names - listed)


def test_every_migration_can_be_rolled_back() -> None:
    """README "Operations" promises a schema rollback: every revision has a real downgrade()
    (tests/core/test_migrations.py runs them base -> head -> base -> head)."""
    import ast

    versions = sorted((ROOT / "alembic" / "versions").glob("*.py"))
    assert versions
    for path in versions:
        tree = ast.parse(path.read_text())
        (downgrade,) = [
            n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "downgrade"
        ]
        body = [n for n in downgrade.body if not isinstance(n, ast.Expr | ast.Pass)]
        calls = [n for n in downgrade.body if isinstance(n, ast.Expr)]
        assert body or any(isinstance(c.value, ast.Call) for c in calls), path.name


# --- Dockerfiles -------------------------------------------------------------------------------


def dockerfile_stages(path: Path) -> list[list[str]]:
    """Instructions per stage (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def instructions(stage: list[str], keyword: str) -> list[str]:
    return [line for line in stage if line.split(None, 1)[0].upper() == keyword]


@pytest.mark.parametrize("name", ["Dockerfile.api", "Dockerfile.web"])
def test_dockerfile_final_stage_is_non_root_with_healthcheck(name: str) -> None:
    stages = dockerfile_stages(ROOT / name)
    assert len(stages) >= 2, "multi-stage build expected"
    final = stages[-1]
    # The last stage may inherit from an earlier one (`FROM runtime AS api`): walk the chain.
    chain = [final]
    by_name = {s[0].split()[-1]: s for s in stages if " AS " in s[0].upper()}
    while (parent := chain[-1][0].split()[1]) in by_name:
        chain.append(by_name[parent])
    assert effective(chain, "USER").split()[1].split(":")[0] not in ("root", "0")
    assert "NONE" not in effective(chain, "HEALTHCHECK").upper()


def effective(chain: list[list[str]], keyword: str) -> str:
    """The instruction in force: the last one in the nearest stage of the chain that has one."""
    for stage in chain:
        if found := instructions(stage, keyword):
            return found[-1]
    pytest.fail(f"no {keyword}")


def named_stages(path: Path) -> dict[str, list[str]]:
    return {s[0].split()[-1]: s for s in dockerfile_stages(path) if " AS " in s[0].upper()}


def stage_chain(stages: dict[str, list[str]], name: str) -> list[list[str]]:
    """The stage and the stages it is built FROM, nearest first."""
    chain = [stages[name]]
    while (parent := chain[-1][0].split()[1]) in stages:
        chain.append(stages[parent])
    return chain


def image_stages(stages: dict[str, list[str]], name: str) -> set[str]:
    """Every stage whose files can end up in the image of target `name`: its FROM chain and,
    recursively, the stages it copies from (`COPY --from=...`)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for stage in stage_chain(stages, current):
            stage_name = stage[0].split()[-1]
            if stage_name not in seen:
                todo.append(stage_name)
            for copy in instructions(stage, "COPY"):
                if found := re.search(r"--from=(\S+)", copy):
                    todo.append(found.group(1))
    return seen


def pip_installs(stage: list[str]) -> list[str]:
    return [
        cmd.strip()
        for run in instructions(stage, "RUN")
        for cmd in run.split("&&")
        if "pip install" in cmd
    ]


def installs_torch(stage: list[str]) -> bool:
    return any("requirements-torch.txt" in c or "torch==" in c for c in pip_installs(stage))


def test_api_dockerfile_runs_backend_serve_in_production_without_torch() -> None:
    stages = named_stages(ROOT / "Dockerfile.api")
    runtime = " ".join(stages["runtime"])
    api = " ".join(stages["api"])
    assert list(stages)[-1] == "api"  # the default target
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in (ROOT / "Dockerfile.api").read_text()
    assert stages["builder"][0].startswith("FROM ${PYTHON_IMAGE}")
    assert stages["runtime"][0].startswith("FROM ${PYTHON_IMAGE}")
    assert stages["api"][0] == "FROM runtime AS api"
    assert "ENV=production" in runtime and "HOST=0.0.0.0" in runtime
    assert "/health/live" in " ".join(instructions(stages["api"], "HEALTHCHECK"))
    cmd = " ".join(instructions(stages["api"], "CMD"))
    assert "backend.serve" in cmd  # it applies the WS_* settings the plain uvicorn CLI ignores
    assert "requirements.lock" in " ".join(stages["builder"])
    assert "COPY --from=builder /opt/venv /opt/venv" in api
    assert "--from=web" in api and "frontend/dist" in api
    # No stage that goes into the API image installs torch: the API process never imports it.
    for name in image_stages(stages, "api"):
        assert not installs_torch(stages[name]), name
        assert "torch" not in " ".join(s for s in stages[name] if not s.startswith("RUN")), name


def test_worker_image_installs_the_locks_torch_from_the_pytorch_cpu_index() -> None:
    """The locks pin `torch==X+cpu`, a build that only PyTorch's CPU index has (not PyPI)."""
    stages = named_stages(ROOT / "Dockerfile.api")
    worker = stages["worker"]
    assert worker[0] == "FROM runtime AS worker"
    assert instructions(worker, "CMD") == ['CMD ["python", "-m", "backend.worker"]']
    torch_stages = [n for n in image_stages(stages, "worker") if installs_torch(stages[n])]
    assert torch_stages, "the worker image installs no torch"
    pin = lock_entries(ROOT / "requirements.prod.lock")["torch"][0]
    for name in torch_stages:
        text = " ".join(stages[name])
        # The version comes from the lock (one lock for both images), never a second pin here.
        assert "torch==" not in text and "TORCH_VERSION" not in text, name
        assert "-r /tmp/requirements-torch.txt -c /tmp/constraints.txt" in text, name
        if pin.endswith("+cpu"):
            assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in text, name
            assert '--extra-index-url "${TORCH_INDEX_URL}"' in text, name
        assert "pip check" in text, name
    # The worker's venv is the one torch was installed into.
    (venv_copy,) = [c for c in instructions(worker, "COPY") if "/opt/venv" in c]
    assert venv_copy.split()[1].removeprefix("--from=") in torch_stages


def run_split_lock(tmp_path: Path, lock: Path) -> tuple[list[str], list[str]]:
    rest, group = tmp_path / "rest.txt", tmp_path / "torch.txt"
    script = ROOT / "deploy" / "split_lock.py"  # what the builder stage runs, as it runs it
    cmd = [sys.executable, str(script), str(lock), "torch", str(rest), str(group)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return rest.read_text().split(), group.read_text().split()


def test_split_lock_puts_torch_and_what_only_torch_needs_apart(tmp_path: Path) -> None:
    lock = tmp_path / "example.lock"
    lock.write_text(
        "--extra-index-url file:///opt/pypi/simple\n--find-links /opt/wheels\n\n"
        "jinja2==3.1.6\n    # via torch\n"
        "mako==1.4.3\n    # via alembic\n"
        "alembic==1.20.1\n    # via cryptodemo (pyproject.toml)\n"
        "markupsafe==3.0.4\n    # via\n    #   jinja2\n    #   mako\n"
        "mpmath==1.3.0\n    # via sympy\n"
        "sympy==1.14.0\n    # via torch\n"
        "torch==2.13.0+cpu\n    # via cryptodemo (pyproject.toml)\n"
        "typing-extensions==4.16.0\n    # via\n    #   alembic\n    #   torch\n"
        "\n# The following packages are considered to be unsafe in a requirements file:\n"
        "# setuptools\n"
    )
    rest, group = run_split_lock(tmp_path, lock)
    assert group == ["jinja2==3.1.6", "mpmath==1.3.0", "sympy==1.14.0", "torch==2.13.0+cpu"]
    # markupsafe and typing-extensions are also there for packages the API image keeps.
    assert rest == [
        "mako==1.4.3",
        "alembic==1.20.1",
        "markupsafe==3.0.4",
        "typing-extensions==4.16.0",
    ]


def test_split_lock_of_the_prod_lock_is_complete_on_both_sides(tmp_path: Path) -> None:
    prod = lock_entries(ROOT / "requirements.prod.lock")
    rest, group = run_split_lock(tmp_path, ROOT / "requirements.prod.lock")
    rest_names = {normalized(line.split("==")[0]) for line in rest}
    group_names = {normalized(line.split("==")[0]) for line in group}
    assert rest_names.isdisjoint(group_names)
    assert rest_names | group_names == set(prod)
    assert f"torch=={prod['torch'][0]}" in group and "torch" not in rest_names
    for line in rest + group:  # the same pins as the lock
        name, version = line.split("==")
        assert prod[normalized(name)][0] == version, line
    # What the API image installs needs nothing from the torch side ...
    for name in rest_names:
        parents = set(prod[name][1].removeprefix("via").split()) - {"(pyproject.toml)"}
        assert parents & (rest_names | {"cryptodemo"}), (name, parents)
    # ... and the torch side holds only what torch (and its own dependencies) need.
    for name in group_names - {"torch"}:
        parents = set(prod[name][1].removeprefix("via").split())
        assert parents <= group_names, (name, parents)


def test_images_create_the_forecast_models_folder_for_the_app_user() -> None:
    """A compose named volume starts as a copy of the image's folder, owner included: without
    the folder in the image it would be root's, and the worker (uid 10001) could not write."""
    stages = named_stages(ROOT / "Dockerfile.api")
    runtime = " ".join(stages["runtime"])
    models_dir = re.search(r"FORECAST_MODELS_DIR=(\S+)", runtime)
    assert models_dir is not None
    folder = models_dir.group(1)
    assert folder.startswith("/")
    assert re.search(rf"mkdir -p [^&]*{re.escape(folder)}\b", runtime)
    assert re.search(rf"chown app:app [^&]*{re.escape(folder)}\b", runtime)


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    entries = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "var", "frontend/node_modules", "ml_models"} <= entries
    assert not {"deploy", "deploy/", "deploy/split_lock.py", "*.py"} & entries  # the builder's


def test_nginx_conf_serves_spa_and_proxies_api_and_websocket() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "try_files $uri $uri/ /index.html" in conf
    assert re.search(r"location /api/ \{\s*proxy_pass http://api;", conf)
    for location in ("location /ws", "location = /stream"):  # Binance's two stream endpoints
        ws = re.search(re.escape(location) + r" \{(.*?)\}", conf, re.S)
        assert ws is not None, location
        assert "proxy_set_header Upgrade $http_upgrade" in ws.group(1)
        assert "proxy_set_header Connection $connection_upgrade" in ws.group(1)
    assert re.search(r"location /assets/ \{[^}]*immutable", conf)
    assert "server api:8000" in conf
    assert "listen 8080" in conf and "pid /tmp/nginx.pid" in conf  # runs as non-root


# --- Kubernetes ----------------------------------------------------------------------------------


def load_manifests() -> dict[tuple[str, str], dict[str, Any]]:
    docs: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            assert doc, f"{path}: empty document"
            assert {"apiVersion", "kind", "metadata"} <= set(doc), path
            key = (doc["kind"], doc["metadata"]["name"])
            assert key not in docs, f"duplicate {key}"
            docs[key] = doc
    return docs


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    return load_manifests()


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = doc["spec"]["template"]["spec"]
    return spec


def test_k8s_has_every_expected_object(manifests: dict[tuple[str, str], Any]) -> None:
    expected = {
        ("Namespace", "cryptodemo"),
        ("ConfigMap", "cryptodemo-config"),
        ("Secret", "cryptodemo-secrets"),
        ("Deployment", "api"),
        ("Deployment", "worker"),
        ("Deployment", "ingestor"),
        ("Deployment", "web"),
        ("Service", "api"),
        ("Service", "web"),
        ("Ingress", "cryptodemo"),
        ("Job", "migrate"),
    }
    assert expected <= set(manifests)


def test_k8s_telegram_bot_is_one_recreated_pod_off_until_a_token_is_set(
    manifests: dict[tuple[str, str], Any],
) -> None:
    bot = manifests[("Deployment", "bot")]
    assert bot["spec"]["replicas"] == 0  # scaled to 1 once TELEGRAM_BOT_TOKEN is in the Secret
    assert bot["spec"]["strategy"]["type"] == "Recreate"  # one getUpdates poller per token
    (container,) = pod_spec(bot)["containers"]
    assert container["command"] == ["python", "-m", "telegram_bot"]
    assert container["image"].startswith("cryptodemo-bot:")
    assert "ports" not in container


def test_k8s_kustomization_lists_existing_files_but_not_the_secret_template() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    resources = kustomization["resources"]
    for resource in resources:
        assert (K8S / resource).is_file(), resource
    assert "secret.example.yaml" not in resources


def test_k8s_secret_template_holds_only_placeholders(
    manifests: dict[tuple[str, str], Any],
) -> None:
    secret = manifests[("Secret", "cryptodemo-secrets")]
    for key, value in secret["stringData"].items():
        assert "CHANGE_ME" in value or key == "REDIS_URL", key
    assert len(secret["stringData"]["SECRET_KEY"]) < 32  # production refuses it as is


def test_k8s_api_deployment_probes_replicas_and_resources(
    manifests: dict[tuple[str, str], Any],
) -> None:
    api = manifests[("Deployment", "api")]
    assert api["spec"]["replicas"] >= 2
    (container,) = pod_spec(api)["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]
    refs = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    assert refs == {"cryptodemo-config", "cryptodemo-secrets"}


def test_k8s_every_pod_runs_non_root_without_privilege_escalation(
    manifests: dict[tuple[str, str], Any],
) -> None:
    workloads = [
        d for (kind, _), d in manifests.items() if kind in ("Deployment", "StatefulSet", "Job")
    ]
    assert len(workloads) >= 5
    for doc in workloads:
        spec = pod_spec(doc)
        name = doc["metadata"]["name"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["enableServiceLinks"] is False, name  # no REDIS_PORT=tcp://... in the env
        for container in spec["containers"]:
            ctx = container["securityContext"]
            assert ctx["allowPrivilegeEscalation"] is False, name
            assert ctx["capabilities"]["drop"] == ["ALL"], name
            assert "limits" in container["resources"], name


def test_k8s_ingestor_is_a_single_recreated_pod(manifests: dict[tuple[str, str], Any]) -> None:
    ingestor = manifests[("Deployment", "ingestor")]
    assert ingestor["spec"]["replicas"] == 1
    assert ingestor["spec"]["strategy"]["type"] == "Recreate"
    (container,) = pod_spec(ingestor)["containers"]
    assert container["command"] == ["python", "-m", "backend.market.ingestor"]


def test_k8s_migration_job_upgrades_to_head(manifests: dict[tuple[str, str], Any]) -> None:
    job = manifests[("Job", "migrate")]
    (container,) = pod_spec(job)["containers"]
    assert container["command"][-3:] == ["alembic", "upgrade", "head"]
    assert pod_spec(job)["restartPolicy"] == "Never"


def test_k8s_ingress_routes_api_paths_to_api_and_rest_to_web(
    manifests: dict[tuple[str, str], Any],
) -> None:
    routes = {
        p["path"]: p["backend"]["service"]["name"]
        for (kind, _), ingress in manifests.items()
        if kind == "Ingress"
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    for path in ("/api", "/ws", "/stream", "/docs"):
        assert routes[path] == "api", path
    # /metrics stays inside the cluster (Prometheus scrapes the Service), never public
    assert not [p for p in routes if "/metrics".startswith(p.rstrip("/")) and p != "/"]
    assert routes["/"] == "web"
    services = {name for kind, name in manifests if kind == "Service"}
    assert set(routes.values()) <= services


def test_k8s_stream_paths_leave_no_access_log(manifests: dict[tuple[str, str], Any]) -> None:
    """ingress-nginx logs `$request`, query string included: /ws and /stream may carry ?token=."""
    for (kind, name), ingress in manifests.items():
        if kind != "Ingress":
            continue
        paths = {p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
        annotations = ingress["metadata"].get("annotations", {})
        if paths & {"/ws", "/stream"}:
            assert paths == {"/ws", "/stream"}, name  # nothing else loses its access log
            assert annotations["nginx.ingress.kubernetes.io/enable-access-log"] == "false", name
            assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600", name


def test_k8s_service_selectors_match_their_deployments(
    manifests: dict[tuple[str, str], Any],
) -> None:
    for (kind, name), doc in manifests.items():
        if kind != "Service":
            continue
        target = manifests.get(("Deployment", name)) or manifests[("StatefulSet", name)]
        labels = target["spec"]["template"]["metadata"]["labels"]
        assert doc["spec"]["selector"].items() <= labels.items(), name
        ports = {p["name"] for c in pod_spec(target)["containers"] for p in c.get("ports", [])}
        for port in doc["spec"]["ports"]:
            assert port["targetPort"] in ports, (name, port)


def test_k8s_workers_mount_a_read_write_many_claim_at_forecast_models_dir(
    manifests: dict[tuple[str, str], Any],
) -> None:
    worker = manifests[("Deployment", "worker")]
    spec = pod_spec(worker)
    (container,) = spec["containers"]
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    config = manifests[("ConfigMap", "cryptodemo-config")]["data"]
    folder = env.get("FORECAST_MODELS_DIR") or config["FORECAST_MODELS_DIR"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == folder]
    assert not mount.get("readOnly", False)
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    claim = manifests[("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])]
    # worker replicas land on different nodes and all read what one of them trained
    assert worker["spec"]["replicas"] > 1
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = [
        name
        for name in kustomization["resources"]
        if any(
            d and d["kind"] == "PersistentVolumeClaim"
            for d in yaml.safe_load_all((K8S / name).read_text())
        )
    ]
    assert files, "the claim is not applied by kustomize"


# --- What the texts say ----------------------------------------------------------------------------

STALE = re.compile(r"not built|planned LSTM|no code (uses|imports)|ahead of the planned", re.I)
BUILT_NOW = re.compile(r"forecast|torch|lstm|analysis|indicator|ta-lib", re.I)


def test_deployment_texts_do_not_call_forecasts_or_analysis_unbuilt() -> None:
    """Forecasts (LSTM, torch) and the analysis domain exist: no deployment text or README line
    may still say they are not built (comments included, across line breaks)."""
    paths = [
        ROOT / "Dockerfile.api",
        ROOT / "Dockerfile.web",
        ROOT / "docker-compose.yml",
        ROOT / "deploy" / "README.md",
        ROOT / "README.md",
        *sorted(K8S.rglob("*.yaml")),
    ]
    for path in paths:
        prose = re.sub(r"\s*\n\s*#?\s*", " ", path.read_text())  # comment lines joined
        for sentence in re.split(r"(?<=[.;|])\s", prose):
            if STALE.search(sentence):
                assert not BUILT_NOW.search(sentence), (path.name, sentence)


# --- Dependency locks ------------------------------------------------------------------------------


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(path: Path) -> dict[str, tuple[str, str]]:
    """Package -> (pinned version, its `# via` annotation) for a pip-compile output file."""
    entries: dict[str, tuple[str, str]] = {}
    name = ""
    for line in path.read_text().splitlines():
        if pin := re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.strip()):
            name = normalized(pin.group(1))
            assert name not in entries, f"{path.name}: {name} pinned twice"
            entries[name] = (pin.group(2), "")
        elif line.startswith("    #") and name:
            version, via = entries[name]
            entries[name] = (version, via + line.strip("# ") + "\n")
        elif line.strip() and not line.startswith(("#", "--")):
            pytest.fail(f"{path.name}: unpinned line {line!r}")
    return entries


def requirement_names(requirements: list[str]) -> set[str]:
    return {normalized(re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0]) for r in requirements}


def test_prod_lock_has_the_full_locks_pins_without_dev_tools() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = requirement_names(project["optional-dependencies"]["dev"])
    runtime = requirement_names(project["dependencies"])
    assert {"pytest", "ruff", "mypy", "hypothesis"} <= dev
    full = lock_entries(ROOT / "requirements.lock")
    prod = lock_entries(ROOT / "requirements.prod.lock")
    # The headers' pip-compile commands: the full lock with the dev extra, the prod lock without.
    commands = {
        name: re.findall(r"^#\s+(pip-compile .*)$", (ROOT / name).read_text(), re.M)
        for name in ("requirements.lock", "requirements.prod.lock")
    }
    assert ["--extra=dev" in c for c in commands["requirements.lock"]] == [True]
    assert ["--extra" in c for c in commands["requirements.prod.lock"]] == [False]

    # Every dev requirement is in the full lock; none is in the prod lock on its own account (one
    # that a runtime package needs, e.g. pyyaml for uvicorn[standard], stays, via that package).
    assert dev <= set(full)
    for name in dev:
        if name in prod:
            assert "cryptodemo (pyproject.toml)" not in prod[name][1], name
            assert name not in runtime, name
    for tool in ("pytest", "ruff", "mypy", "hypothesis", "pip-tools"):
        assert tool not in prod, tool
    assert runtime <= set(prod)
    # ... and nothing in it is there for a package the prod lock does not hold.
    for name, (_, via) in prod.items():
        parents = via.removeprefix("via").split()
        assert parents, f"{name}: no `# via`"
        assert set(parents) - {"cryptodemo", "(pyproject.toml)"} <= set(prod), (name, parents)

    # Same versions as the full lock (the one the tests run against), package by package.
    assert set(prod) < set(full)
    mismatched = {n: (v, full[n][0]) for n, (v, _) in prod.items() if full[n][0] != v}
    assert not mismatched, mismatched

    # The images install the prod lock (the full lock only constrains it): the builder all of it
    # but torch and what only torch needs (deploy/split_lock.py), the `torch` stage the rest.
    stages = named_stages(ROOT / "Dockerfile.api")
    builder = " ".join(stages["builder"])
    assert re.search(r"\bCOPY requirements\.prod\.lock requirements\.lock\b", builder)
    assert "deploy/split_lock.py" in builder
    split = "split_lock.py /tmp/requirements.prod.lock torch /tmp/requirements.txt /tmp/requirements-torch.txt"
    assert split in builder
    assert "grep -v '^-' /tmp/requirements.lock > /tmp/constraints.txt" in builder
    installs = pip_installs(stages["builder"])
    assert installs == [
        "/opt/venv/bin/pip install -r /tmp/requirements.txt -c /tmp/constraints.txt"
    ]
    for name, stage in stages.items():
        for install in pip_installs(stage):
            assert "-c /tmp/constraints.txt" in install, name
            # requirements.bot.lock: aiogram, installed --no-deps (its pydantic cap)
            assert re.search(r"-r /tmp/requirements((-torch)?\.txt|\.bot\.lock)\b", install), name


# --- Client addresses and what the logs keep -----------------------------------------------------


def test_no_deployment_trusts_every_forwarded_for(
    compose: dict[str, Any], manifests: dict[tuple[str, str], Any]
) -> None:
    """X-Forwarded-For is believed only from the proxy's own address (TRUSTED_PROXIES)."""
    texts = {
        name: (ROOT / name).read_text()
        for name in ("Dockerfile.api", "docker-compose.yml", "deploy/k8s/configmap.yaml")
    }
    for name, text in texts.items():
        assert "FORWARDED_ALLOW_IPS" not in text, name  # uvicorn's proxy handling is off
        assert not re.search(r"TRUSTED_PROXIES\W+\*", text), name
    # compose: the API trusts exactly nginx's fixed address
    nginx_ip = compose["services"]["web"]["networks"]["default"]["ipv4_address"]
    for name in ("api", "worker", "ingestor", "migrate"):
        assert compose["services"][name]["environment"]["TRUSTED_PROXIES"] == nginx_ip, name
    config = manifests[("ConfigMap", "cryptodemo-config")]["data"]
    for entry in config["TRUSTED_PROXIES"].split(","):
        assert ipaddress.ip_network(entry.strip()).is_private, entry
    serve = (ROOT / "backend" / "serve.py").read_text()
    assert "proxy_headers=False" in serve


def _nginx_logged_uri(conf: str, request_uri: str) -> str:
    """Applies nginx.conf's `map $request_uri $request_uri_logged` as nginx would (PCRE)."""
    block = re.search(r"map \$request_uri \$request_uri_logged \{(.*?)\n\s*\}", conf, re.S)
    assert block is not None
    rules = re.findall(r'^\s*"~(.*)"\s+"(.*)";$', block.group(1), re.M)
    assert rules
    for pattern, value in rules:
        if found := re.search(pattern.replace("(?<", "(?P<"), request_uri):
            return re.sub(r"\$\{(\w+)\}", lambda m: str(found.group(m.group(1))), value)
    return request_uri


def test_nginx_does_not_log_the_ws_token() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    log_format = re.search(r"log_format json[^;]*;", conf, re.S)
    assert log_format is not None
    fmt = log_format.group(0)
    assert "$request_uri_logged" in fmt
    for raw in ('$request_uri"', "$args", "$query_string", "$arg_token", '$request"'):
        assert raw not in fmt, raw
    secret = "eyJhbGciOiJIUzI1NiJ9.secret.sig"
    for uri in (
        f"/ws?token={secret}",
        f"/ws/btcusdt@trade?x=1&token={secret}&y=2",
        f"/stream?streams=a@trade&token={secret}&token={secret}",
    ):
        logged = _nginx_logged_uri(conf, uri)
        assert secret not in logged and logged.startswith(uri.split("?")[0]), logged
    # error lines quote the request line verbatim: the stream endpoints log none below crit
    for location in ("location /ws", "location = /stream"):
        block = re.search(re.escape(location) + r" \{(.*?)\}", conf, re.S)
        assert block is not None and re.search(r"error_log \S+ crit;", block.group(1)), location
    kept = "/api/v1/market/klines?symbol=BTCUSDT"
    assert _nginx_logged_uri(conf, kept) == kept
    assert _nginx_logged_uri(conf, "/api/v1/x?notoken=1") == "/api/v1/x?notoken=1"
