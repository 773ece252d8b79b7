from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backend.errors import error_body
from backend.health import service

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A dependency is down"}})
async def ready(request: Request) -> Any:
    result = await service.readiness(request.app.state.readiness_checks)
    if result.ready:
        return {"status": "ok", "checks": result.checks}
    down = [name for name, check in result.checks.items() if not check["ok"]]
    body = error_body("not_ready", f"Not ready: {', '.join(down)} down", {"checks": result.checks})
    return JSONResponse(body, status_code=503)
