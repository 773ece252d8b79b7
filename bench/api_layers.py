"""What each layer of the API costs: bare FastAPI, then our app with one piece added at a time.

bench/api_overhead.py gives one ratio (GET /users/me vs bare FastAPI); this one splits it. Every
step is a uvicorn subprocess served and loaded exactly as api_overhead.py does (same flags, same
keep-alive client, same bearer token on every request, every response checked), all in one run,
in interleaved rounds (best req/s and least server CPU per request of each step count):

  bare FastAPI                  one route returning the /users/me JSON (api_overhead's baseline)
  app, routes only              create_app() with every middleware and exception handler removed,
                                a bench route returning the same JSON
  + exception handlers          the app's handlers (error shape)
  + <middleware>, one by one    the app's own middleware list, outermost first; the access log
                                is its own step (LOG_ACCESS off until then)
  + trivial dependency          the route takes one async dependency (the runtime)
  + principal                   the route takes CurrentUser (token decoded, principal cache)
  + response model              it returns MeOut built from the principal (FastAPI validates it
                                against the response model and serializes it)
  GET /users/me                 the real route (its own transaction and lookups included)

Each step's cost is its server CPU per request minus the previous step's; `ratio_cpu` is bare /
step (1.0 = free). Production-like settings as api_overhead.py (ENV=production, SQLite in a temp
dir, rate limiting on with a limit that never rejects, the JSON access log to a file).

  .venv/bin/python bench/api_layers.py [--requests 2000] [--concurrency 16] [--rounds 3]
  ... --env DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<db>
"""

# No `from __future__ import annotations`: layered_app's routes are annotated with names it
# imports in its own body (the bench process never imports the app), which FastAPI can resolve
# only when annotations are evaluated where they are written.
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import emit
from api_overhead import (
    BARE_BODY_ENV,
    PATH,
    ROOT,
    Run,
    Server,
    app_env,
    fetch_body,
    load,
    login,
    migrate,
    serve,
    start,
    stop,
    wait_ready,
)
from fastapi import FastAPI

KEEP_ENV = "BENCH_LAYERS_KEEP"  # how many of the app's middlewares to keep, outermost first
HANDLERS_ENV = "BENCH_LAYERS_HANDLERS"  # "0": drop the app's exception handlers
POOL_ENV = "DATABASE_POOL_SIZE"
BENCH_PREFIX = "/api/v1/bench-layers"  # under the API prefix: the rate limit counts it


def layered_app() -> FastAPI:
    """create_app() cut down to its first KEEP middlewares, plus the bench routes."""
    from backend.auth.principals import Principal
    from backend.deps import CurrentUser, RuntimeDep, TxDep
    from backend.main import create_app
    from backend.runtime import Runtime
    from backend.telegram.repository import LinkRepository
    from backend.users.router import router as users
    from backend.users.schemas import MeOut

    body: dict[str, Any] = json.loads(os.environ[BARE_BODY_ENV])
    app = create_app()
    app.user_middleware = app.user_middleware[: int(os.environ[KEEP_ENV])]
    if os.environ.get(HANDLERS_ENV) == "0":
        app.exception_handlers = {}
    routes = app.router.routes
    before = len(routes)

    @app.get(f"{BENCH_PREFIX}/plain", include_in_schema=False)
    async def plain() -> dict[str, Any]:
        return body

    @app.get(f"{BENCH_PREFIX}/dependency", include_in_schema=False)
    async def dependency(rt: RuntimeDep) -> dict[str, Any]:
        assert isinstance(rt, Runtime)
        return body

    @app.get(f"{BENCH_PREFIX}/principal", include_in_schema=False)
    async def principal(user: CurrentUser) -> dict[str, Any]:
        assert isinstance(user, Principal)
        return body

    @app.get(f"{BENCH_PREFIX}/model", include_in_schema=False)
    async def model(user: CurrentUser) -> MeOut:
        return MeOut.model_validate(user)

    @app.get(f"{BENCH_PREFIX}/lookup", include_in_schema=False)
    async def lookup(user: CurrentUser, rt: RuntimeDep) -> MeOut:
        out = MeOut.model_validate(user)
        async with rt.sessionmaker() as session:  # one read, no transaction dependency
            out.telegram_linked = await LinkRepository(session).for_user(user.id) is not None
        return out

    @app.get(f"{BENCH_PREFIX}/lookup-tx", include_in_schema=False)
    async def lookup_tx(user: CurrentUser, tx: TxDep) -> MeOut:
        out = MeOut.model_validate(user)  # the same read in the request's TxDep transaction
        out.telegram_linked = await LinkRepository(tx.session).for_user(user.id) is not None
        return out

    # FastAPI 0.165 finds a route by trying every route before it in order (~2 us each): the
    # bench routes go where the users router is, so they are found as fast as /users/me.
    added = routes[before:]
    del routes[before:]
    at = next(i for i, r in enumerate(routes) if getattr(r, "original_router", None) is users)
    routes[at:at] = added
    return app


@dataclass(frozen=True)
class Step:
    label: str
    server: str  # which served app (several steps share the full one)
    path: str


@dataclass
class Figures:
    runs: list[Run] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return max(run.rps for run in self.runs)

    @property
    def cpu_ms(self) -> float:
        return min(run.cpu_ms_per_request for run in self.runs)


def _middleware_names(env: dict[str, str], cwd: Path) -> list[str]:
    """The app's middlewares, outermost first, as create_app() installs them (asked of a child
    process: create_app() configures logging, which must not take over this one's output)."""
    code = (
        "import json; from backend.main import create_app; "
        "print(json.dumps([m.cls.__name__ for m in create_app().user_middleware]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"create_app() failed:\n{result.stderr[-3000:]}")
    names: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return names


def plan(names: list[str]) -> tuple[dict[str, dict[str, str]], list[Step]]:
    """Server environments (by name) and the ordered steps measured on them."""
    access_after = (
        names.index("RequestContextMiddleware") + 1 if "RequestContextMiddleware" in names else 0
    )
    servers: dict[str, dict[str, str]] = {
        "routes": {KEEP_ENV: "0", HANDLERS_ENV: "0", "LOG_ACCESS": "false"},
        "handlers": {KEEP_ENV: "0", "LOG_ACCESS": "false"},
    }
    plain = f"{BENCH_PREFIX}/plain"
    steps = [
        Step("bare FastAPI", "bare", PATH),
        Step("app, routes only", "routes", plain),
        Step("+ exception handlers", "handlers", plain),
    ]
    for keep, name in enumerate(names, start=1):
        if keep == access_after:
            servers[f"m{keep}"] = {KEEP_ENV: str(keep), "LOG_ACCESS": "false"}
            steps.append(Step(f"+ {name} (no access log)", f"m{keep}", plain))
            servers[f"m{keep}+log"] = {KEEP_ENV: str(keep), "LOG_ACCESS": "true"}
            steps.append(Step("+ access log", f"m{keep}+log", plain))
        else:
            servers[f"m{keep}"] = {
                KEEP_ENV: str(keep),
                "LOG_ACCESS": "true" if keep > access_after else "false",
            }
            steps.append(Step(f"+ {name}", f"m{keep}", plain))
    full = f"m{len(names)}"
    # Only the full app reads the database per request; on PostgreSQL a dozen processes with the
    # default pool (10) would take more than a default max_connections (100).
    for name, extra in servers.items():
        if name != full:
            extra[POOL_ENV] = "2"
    steps += [
        Step("+ trivial dependency", full, f"{BENCH_PREFIX}/dependency"),
        Step("+ principal (CurrentUser)", full, f"{BENCH_PREFIX}/principal"),
        Step("+ response model (MeOut)", full, f"{BENCH_PREFIX}/model"),
        Step("+ link lookup in TxDep (commit)", full, f"{BENCH_PREFIX}/lookup-tx"),
        Step("  the same lookup in its own session", full, f"{BENCH_PREFIX}/lookup"),
        Step("GET /users/me (the real route)", full, PATH),
    ]
    return servers, steps


def _start_all(
    stack: ExitStack, servers: dict[str, dict[str, str]], env: dict[str, str], tmp: Path, body: str
) -> dict[str, Server]:
    """Start every server at once (each imports the whole app: seconds), then wait for all."""
    bench_path = os.pathsep.join([str(ROOT / "bench"), str(ROOT)])
    # name -> (factory, extra settings, readiness probe)
    targets: dict[str, tuple[str, dict[str, str], str]] = {
        "bare": ("api_overhead:bare_app", {}, PATH)
    }
    targets |= {
        name: ("api_layers:layered_app", extra, "/health/live") for name, extra in servers.items()
    }
    running: dict[str, Server] = {}
    for name, (target, extra, _) in targets.items():
        server_env = {**env, **extra, BARE_BODY_ENV: body, "PYTHONPATH": bench_path}
        running[name] = start(name, target, server_env, tmp)
        stack.callback(stop, running[name])
    for name, (_, _, probe) in targets.items():
        wait_ready(running[name], probe, timeout_s=180.0)
    return running


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000, help="per round and step")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-layers-"))
    try:
        env = app_env(tmp)
        env.update(kv.split("=", 1) for kv in args.env)
        migrate(env, tmp)
        servers, steps = plan(_middleware_names(env, tmp))
        figures = {step: Figures() for step in steps}
        with ExitStack() as stack:
            # The full app first: it registers the user and gives the JSON every step answers.
            full = stack.enter_context(
                serve("me", "backend.main:create_app", env, tmp, "/health/live")
            )
            token = login(full.base_url)
            body = fetch_body(full, token)
            running = _start_all(stack, servers, env, tmp, body.decode())
            expected = {step: fetch_body(running[step.server], token, step.path) for step in steps}
            for step in steps:
                if json.loads(expected[step]) != json.loads(body):
                    raise SystemExit(f"{step.label}: {expected[step]!r} is not {body!r}")
                load(
                    running[step.server],
                    token,
                    expected[step],
                    args.warmup,
                    args.concurrency,
                    step.path,
                )
            for n in range(args.rounds):
                for step in steps:
                    run = load(
                        running[step.server],
                        token,
                        expected[step],
                        args.requests,
                        args.concurrency,
                        step.path,
                    )
                    figures[step].runs.append(run)
                print(f"  round {n + 1}/{args.rounds} done", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    bare = figures[steps[0]]
    print(f"\nWhat each layer costs (best of {args.rounds} rounds; CPU = server CPU per request)")
    print(f"  {'step':<44} {'req/s':>8} {'CPU ms':>8} {'+CPU ms':>8} {'ratio':>6} {'ratio_cpu':>9}")
    rows: list[dict[str, Any]] = []
    previous = bare.cpu_ms
    for step in steps:
        f = figures[step]
        delta = f.cpu_ms - previous
        print(
            f"  {step.label:<44} {f.rps:>8,.0f} {f.cpu_ms:>8.3f} {delta:>+8.3f}"
            f" {f.rps / bare.rps:>6.2f} {bare.cpu_ms / f.cpu_ms:>9.2f}"
        )
        rows.append(
            {
                "step": step.label,
                "rps": round(f.rps, 1),
                "cpu_ms": round(f.cpu_ms, 4),
                "delta_cpu_ms": round(delta, 4),
                "ratio_rps": round(f.rps / bare.rps, 3),
                "ratio_cpu": round(bare.cpu_ms / f.cpu_ms, 3),
            }
        )
        previous = f.cpu_ms
    settings = {"requests": args.requests, "concurrency": args.concurrency, "rounds": args.rounds}
    emit("api_layers", {"steps": rows, **settings, "env": args.env})


if __name__ == "__main__":
    main()
