"""`make run`: the API process (and, with Redis, one arq worker beside it); prints the URL.

Embedded (no Redis) the API process runs everything: jobs in-process and every singleton part
(market ingestor, order matcher, scheduler) under in-process leases. With REDIS_URL the API is
still a candidate for every singleton lease (runtime.py), so one machine is a whole platform;
jobs need an arq worker, so `serve` starts one as a child process (SERVE_WORKER) and restarts
it if it dies. More API, worker or ingestor processes may join at any time (README "Scaling
out"): the leases keep each singleton active once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import uvicorn

from backend.config import Settings, get_settings
from backend.server_options import uvicorn_options

RESTART_DELAY_S = 2.0


def serve_worker(settings: Settings) -> bool:
    """SERVE_WORKER: `auto` = a worker child when jobs go through Redis (arq)."""
    if settings.serve_worker == "auto":
        return settings.redis_url is not None and not settings.use_inline_jobs
    return settings.serve_worker == "yes"


class WorkerChild:
    """One `python -m backend.worker` child, restarted when it exits, stopped with the API."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._keep, name="worker-child", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "backend.worker"], env=os.environ.copy())

    def _keep(self) -> None:
        while not self._stopping.is_set():
            self._proc = self._spawn()
            code = self._proc.wait()
            # A Ctrl-C reaches the whole process group: the API is stopping too, so wait a
            # moment before deciding that the worker died on its own.
            if self._stopping.wait(RESTART_DELAY_S):
                return
            print(f"  worker exited ({code}); restarting", file=sys.stderr, flush=True)  # noqa: T201

    def stop(self, timeout_s: float = 15.0) -> None:
        self._stopping.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # arq finishes its jobs, parts release leases
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._thread.join(timeout_s)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


def main() -> None:
    settings = get_settings()
    # uvicorn catches SIGTERM, shuts the API down, restores the handler it found and raises the
    # signal again: with the default handler the process would die there, before `finally`
    # stops the worker child (it was left running, holding the leases). This handler turns the
    # re-raised SIGTERM into a normal exit through `finally`.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    url = f"http://{settings.host}:{settings.port}"
    worker = WorkerChild() if serve_worker(settings) else None
    mode = "with a job worker" if worker else "jobs in-process"
    print(  # noqa: T201
        f"\n  {settings.app_name} is starting ({mode}): open {url}  (API docs: {url}/docs)\n",
        flush=True,
    )
    if worker is not None:
        worker.start()
    try:
        uvicorn.run(
            "backend.main:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            # X-Forwarded-For is read by the app itself, from TRUSTED_PROXIES only
            # (backend/client_address.py); uvicorn's FORWARDED_ALLOW_IPS plays no part.
            proxy_headers=False,
            log_config=None,
            **uvicorn_options(settings),  # log level, ws keepalive (ping/pong), frame size, deflate
        )
    finally:
        if worker is not None:
            worker.stop()


if __name__ == "__main__":
    main()
