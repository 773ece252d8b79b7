from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backend.errors import error_body
from backend.health import service
from backend.runtime import Runtime

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "A dependency the API needs is down"}})
async def ready(request: Request) -> Any:
    rt: Runtime = request.app.state.runtime
    result = await service.readiness(rt.readiness_checks, rt.info_checks)
    if result.ready:
        return {"status": "ok", "checks": result.checks}
    down = [n for n, c in result.checks.items() if c["required"] and not c["ok"]]
    body = error_body("not_ready", f"Not ready: {', '.join(down)} down", {"checks": result.checks})
    return JSONResponse(body, status_code=503)
