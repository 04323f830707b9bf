"""Placement's composition root."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from fanxiang_common.app import create_service_app
from fanxiang_common.errors import Conflict, Unprocessable
from placement_service.api import (
    accounts,
    applications,
    auth,
    branch,
    exports,
    imports,
    interviews,
    placements,
    posts,
    seasons,
    slots,
    students,
    units,
)
from placement_service.events import offers
from placement_service.runtime import PlacementRuntime
from placement_service.settings import PlacementSettings

MIGRATIONS = Path(__file__).parent / "migrations"

# Routes are matched in order: the busiest (students' applications) come first.
ROUTERS = [
    applications.router,
    auth.router,
    seasons.router,
    units.router,
    units.registrations,
    accounts.router,
    students.router,
    imports.router,
    posts.router,
    interviews.router,
    slots.router,
    slots.mine,
    placements.router,
    branch.router,
    exports.router,
]


def create_app(settings: PlacementSettings | None = None) -> FastAPI:
    settings = settings or PlacementSettings()
    runtime = PlacementRuntime(settings, migrations=MIGRATIONS, consumers=offers.consumers())
    app = create_service_app(
        runtime,
        title="Fanxiang placement",
        description="Units, posts, students, applications, interviews and onboarding. "
        "Issues the bearer tokens every service verifies.",
        routers=ROUTERS,
    )

    # Last line of defence: input the validators let through but PostgreSQL refuses is the
    # caller's mistake (4xx), never a 500.
    @app.exception_handler(asyncpg.DataError)
    async def data_error(request: Request, exc: asyncpg.DataError) -> JSONResponse:
        err = Unprocessable(f"a value was not accepted: {exc}")
        return JSONResponse({"detail": err.detail()}, status_code=err.status_code)

    @app.exception_handler(asyncpg.IntegrityConstraintViolationError)
    async def integrity_error(request: Request, exc: asyncpg.PostgresError) -> JSONResponse:
        err = Conflict(f"this conflicts with existing data: {exc}")
        return JSONResponse({"detail": err.detail()}, status_code=err.status_code)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # Framework refusals (no such route, a body that is not JSON) in the same shape as ours.
        loc = ["body"] if "body" in str(exc.detail) else []
        body = {"detail": [{"loc": loc, "msg": str(exc.detail), "type": f"http_{exc.status_code}"}]}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    return app
