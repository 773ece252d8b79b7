"""Serve the built SPA (frontend/dist) at `/` with an SPA fallback, so one URL serves it all.

It is installed as the router's *default* handler, which Starlette calls only when no route
matches at all: a wrong method on an API path still gets 405, an unknown API path a JSON 404.
Hashed assets under /assets get a year-long immutable cache; index.html is never cached, so a
new deploy is picked up on the next navigation.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from backend.errors import error_response

_NOT_SPA = ("/api/", "/ws", "/health/", "/metrics", "/docs", "/redoc", "/openapi.json")


class SpaFallback:
    def __init__(self, dist: Path) -> None:
        self.root = dist.resolve()
        self.index = self.root / "index.html"

    def _response(self, method: str, path: str) -> Response:
        if method not in ("GET", "HEAD") or path.startswith(_NOT_SPA) or not self.index.is_file():
            return error_response(404, "not_found", "Not found")
        if "\x00" in path:  # no file has one, and the filesystem calls below would raise
            return error_response(404, "not_found", "Not found")
        rel = path.lstrip("/")
        candidate = (self.root / rel).resolve()
        if rel and candidate.is_relative_to(self.root) and candidate.is_file():
            immutable = rel.startswith("assets/")
            cache = "public, max-age=31536000, immutable" if immutable else "public, max-age=3600"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        if "." in rel.rsplit("/", 1)[-1]:
            return error_response(404, "not_found", "Not found")  # a missing file, not a route
        return FileResponse(self.index, headers={"Cache-Control": "no-cache"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000})
            return
        response = self._response(scope["method"], scope["path"])
        await response(scope, receive, send)


def mount_spa(app: FastAPI, dist: Path) -> None:
    app.router.default = SpaFallback(dist)
