"""The anchor for bench/placement: the least a submission can cost through the same stack —
FastAPI on uvicorn (same flags and workers), the same request body validated by a pydantic
model, one INSERT through an asyncpg pool, 201. No token check, no season window, no choices
check, no idempotency, no outbox. run.py serves it beside placement and drives both with the
same load generator, so placement's figure is read as a fraction of this floor.

    uvicorn anchor:app --app-dir bench/placement   (ANCHOR_DATABASE_URL=postgresql://…)
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field


class Submission(BaseModel):
    season_id: str = Field(min_length=1)
    choices: list[str] = Field(min_length=1, max_length=20)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    dsn = os.environ["ANCHOR_DATABASE_URL"]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS anchor_application"
            " (id bigserial PRIMARY KEY, season_id text NOT NULL, choices text[] NOT NULL)"
        )
    finally:
        await conn.close()
    app.state.pool = await asyncpg.create_pool(dsn, min_size=2, max_size=20)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/v1/applications", status_code=201)
async def submit(body: Submission, request: Request) -> dict[str, int]:
    new_id: int = await request.app.state.pool.fetchval(
        "INSERT INTO anchor_application (season_id, choices) VALUES ($1, $2) RETURNING id",
        body.season_id,
        body.choices,
    )
    return {"id": new_id}
