"""`make run`: start the API (and, in the embedded default, everything else) and print the URL."""

from __future__ import annotations

import uvicorn

from backend.config import get_settings
from backend.realtime.router import uvicorn_options


def main() -> None:
    settings = get_settings()
    url = f"http://{settings.host}:{settings.port}"
    print(f"\n  {settings.app_name} is starting: open {url}  (API docs: {url}/docs)\n", flush=True)  # noqa: T201
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


if __name__ == "__main__":
    main()
