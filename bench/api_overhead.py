"""`GET /api/v1/users/me` through the full stack vs a bare FastAPI app answering the same JSON.

Both are served the same way, in the same run: uvicorn in a subprocess (one process, the same
flags as the Docker image), loaded by the same asyncio HTTP/1.1 keep-alive client with a fixed
concurrency for a fixed number of requests, in interleaved rounds (the best round of each counts).
Ours runs production-like on the embedded default: ENV=production, SQLite in a temp dir, the JSON
access log on (stdout, piped to a file), rate limiting on (the per-user limit raised so that it
counts but never rejects), a real user registered and logged in, bearer token on every request.
The bare app gets the same request and answers the same JSON, with uvicorn's own access log.

  .venv/bin/python bench/api_overhead.py [--requests 2000] [--concurrency 16] [--rounds 3]
  ... --env DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<db>   (PostgreSQL)
  ... --env AUTH_USER_CACHE_TTL_S=0   (no principal cache: every request reads the user row)

Aim: ours >= 0.5 of the bare app's requests/s. Every response is checked (status and body).
On a shared machine req/s moves with the other load; `ratio_cpu` (bare / ours server CPU per
request) is the steadier figure of the same thing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from _common import emit, row
from fastapi import FastAPI

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/users/me"
BARE_BODY_ENV = "BENCH_BARE_BODY"
UVICORN_FLAGS = ["--host", "127.0.0.1", "--proxy-headers", "--ws-max-size", "65536"]


def bare_app() -> FastAPI:
    """The baseline: FastAPI with one route returning the same JSON, nothing else."""
    body = json.loads(os.environ[BARE_BODY_ENV])
    app = FastAPI()

    @app.get(PATH)
    async def me() -> dict[str, Any]:
        return body

    return app


# --- servers -------------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start(name: str, target: str, env: dict[str, str], cwd: Path) -> Server:
    """Start uvicorn serving `target` (a factory); the caller waits for it and stops it."""
    port = free_port()
    log = cwd / f"{name}.log"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--factory",
        "--port",
        str(port),
        *UVICORN_FLAGS,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Server(name, port, proc, log)


def stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@contextmanager
def serve(name: str, target: str, env: dict[str, str], cwd: Path, probe: str) -> Iterator[Server]:
    server = start(name, target, env, cwd)
    try:
        wait_ready(server, probe)
        yield server
    finally:
        stop(server)


def wait_ready(server: Server, probe: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        try:
            if httpx.get(server.base_url + probe, timeout=1.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    tail = server.log.read_text(errors="replace")[-3000:]
    raise SystemExit(f"{server.name} did not start (exit {server.proc.poll()}):\n{tail}")


def app_env(tmp: Path) -> dict[str, str]:
    """The process environment minus every app setting, plus the production-like ones."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from backend.config import Settings

    settings_keys = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings_keys}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'app.db'}",
            "LOG_TO_FILE": "false",
            "LOG_ACCESS": "true",
            "RUN_INGESTOR": "no",
            "RATE_LIMIT_ENABLED": "true",
            "RATE_LIMIT_DEFAULT": "100000000/minute",
        }
    )
    return env


def migrate(env: dict[str, str], cwd: Path) -> None:
    cmd = [sys.executable, "-m", "alembic", "-c", str(ROOT / "alembic.ini"), "upgrade", "head"]
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"alembic upgrade head failed:\n{result.stderr[-3000:]}")


def login(base_url: str) -> str:
    """Register a user, log in, return the access token (the auth flow a client goes through)."""
    user = f"bench{secrets.token_hex(4)}"
    password = f"Bench-{secrets.token_urlsafe(12)}-pw"
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        reg = client.post(
            "/api/v1/auth/register",
            json={"email": f"{user}@example.com", "username": user, "password": password},
        )
        if reg.status_code != 201:
            raise SystemExit(f"register: {reg.status_code} {reg.text}")
        tok = client.post("/api/v1/auth/login", data={"username": user, "password": password})
        if tok.status_code != 200:
            raise SystemExit(f"login: {tok.status_code} {tok.text}")
        token: str = tok.json()["access_token"]
        return token


# --- load client ---------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all threads (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    requests: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_s: float = 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        """Server CPU per request: unlike req/s, barely moved by other load on the machine."""
        return self.server_cpu_s * 1000 / self.requests

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


async def _connection(
    port: int, request: bytes, expected: bytes, todo: list[int], latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while todo[0] > 0:
            todo[0] -= 1
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, _, header_block = head.partition(b"\r\n")
            length = None
            for line in header_block.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                raise AssertionError(f"no Content-Length: {head!r}")
            body = await reader.readexactly(length)
            latencies.append((time.perf_counter() - start) * 1000)
            if status_line.split(b" ", 2)[1] != b"200" or body != expected:
                raise AssertionError(f"unexpected response: {status_line!r} {body[:200]!r}")
    finally:
        writer.close()


async def _load(port: int, request: bytes, expected: bytes, n: int, concurrency: int) -> Run:
    todo, latencies = [n], []
    start = time.perf_counter()
    await asyncio.gather(
        *(_connection(port, request, expected, todo, latencies) for _ in range(concurrency))
    )
    return Run(n, time.perf_counter() - start, latencies)


def load(
    server: Server, token: str, expected: bytes, n: int, concurrency: int, path: str = PATH
) -> Run:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: application/json\r\n"
        "User-Agent: bench/api_overhead\r\n\r\n"
    ).encode()
    try:
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    cpu_before = cpu_seconds(server.proc.pid)
    result: Run = run_loop(_load(server.port, request, expected, n, concurrency))
    result.server_cpu_s = cpu_seconds(server.proc.pid) - cpu_before
    return result


def fetch_body(server: Server, token: str, path: str = PATH) -> bytes:
    response = httpx.get(
        server.base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10.0
    )
    if response.status_code != 200:
        raise SystemExit(f"{server.name} {path}: {response.status_code} {response.text}")
    return response.content


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000, help="per round and server")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra setting for ours, to see what a feature costs (RATE_LIMIT_ENABLED=false)",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    try:
        env = app_env(tmp)  # cwd = tmp: no .env, no var/ of the checkout
        env.update(kv.split("=", 1) for kv in args.env)
        migrate(env, tmp)
        with serve("ours", "backend.main:create_app", env, tmp, "/health/live") as ours:
            token = login(ours.base_url)
            ours_body = fetch_body(ours, token)
            bare_env = {**env, BARE_BODY_ENV: ours_body.decode()}
            bare_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bench"), str(ROOT)])
            with serve("bare", "api_overhead:bare_app", bare_env, tmp, PATH) as bare:
                bare_body = fetch_body(bare, token)
                assert json.loads(bare_body) == json.loads(ours_body), (bare_body, ours_body)
                runs: dict[str, list[Run]] = {"ours": [], "bare": []}
                for server, body in ((ours, ours_body), (bare, bare_body)):
                    load(server, token, body, args.warmup, args.concurrency)
                for _ in range(args.rounds):
                    for server, body in ((ours, ours_body), (bare, bare_body)):
                        run = load(server, token, body, args.requests, args.concurrency)
                        runs[server.name].append(run)
                        print(
                            f"  {server.name}: {run.rps:,.0f} req/s, "
                            f"{run.cpu_ms_per_request:.3f} ms server CPU per request",
                            flush=True,
                        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    best = {name: max(r, key=lambda run: run.rps) for name, r in runs.items()}
    ours_run, bare_run = best["ours"], best["bare"]
    figures = {
        "ours_rps": ours_run.rps,
        "bare_rps": bare_run.rps,
        "ratio_rps": ours_run.rps / bare_run.rps,
        "aim_ratio_rps_min": 0.5,
    }
    print(f"\nGET {PATH}: full stack (ours) vs bare FastAPI, best of {args.rounds} rounds")
    row("requests/s", ours_run.rps, bare_run.rps, "req/s")
    for q in (50, 99):
        ours_ms, bare_ms = (
            percentile(ours_run.latencies_ms, q),
            percentile(bare_run.latencies_ms, q),
        )
        row(f"p{q} latency", ours_ms, bare_ms, "ms")
        figures.update({f"ours_p{q}_ms": ours_ms, f"bare_p{q}_ms": bare_ms})
    ours_cpu = min(run.cpu_ms_per_request for run in runs["ours"])
    bare_cpu = min(run.cpu_ms_per_request for run in runs["bare"])
    row("server CPU per request", ours_cpu, bare_cpu, "ms")
    # The same ratio from server CPU (bare / ours): what req/s would give on an idle machine,
    # much steadier than req/s when other work shares the cores.
    figures.update(
        {
            "ours_cpu_ms_per_req": ours_cpu,
            "bare_cpu_ms_per_req": bare_cpu,
            "ratio_cpu": bare_cpu / ours_cpu if ours_cpu else float("nan"),
        }
    )
    figures = {k: round(v, 3) for k, v in figures.items()}
    settings = {"requests": args.requests, "concurrency": args.concurrency, "rounds": args.rounds}
    emit("api_overhead", {**figures, **settings, "path": PATH, "env": args.env})


if __name__ == "__main__":
    main()
