"""``/healthz`` (the process is alive) and ``/readyz`` (its database and Kafka answer)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz(request: Request) -> dict[str, str]:
    return {"status": "ok", "service": request.app.state.runtime.settings.service}


@router.get(
    "/readyz",
    summary="Readiness: the database and Kafka are reachable",
    responses={503: {"description": "Not ready: a dependency is down"}},
)
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, Any] = await request.app.state.runtime.readiness()
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not-ready", "checks": checks},
        status_code=200 if ready else 503,
    )
