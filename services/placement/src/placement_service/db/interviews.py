"""SQL for interviews: one row per (application, post)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg


async def choice_rank(conn: asyncpg.Connection, application_id: str, post_id: str) -> int | None:
    rank: int | None = await conn.fetchval(
        "SELECT rank FROM application_choice WHERE application_id = $1 AND post_id = $2",
        application_id,
        post_id,
    )
    return rank


async def schedule(
    conn: asyncpg.Connection, application_id: str, post_id: str, at: datetime, place: str
) -> None:
    await conn.execute(
        """INSERT INTO interview (application_id, post_id, scheduled_at, place)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (application_id, post_id) DO UPDATE SET scheduled_at = EXCLUDED.scheduled_at,
               place = EXCLUDED.place, updated_at = now()""",
        application_id,
        post_id,
        at,
        place,
    )


async def score(
    conn: asyncpg.Connection,
    application_id: str,
    post_id: str,
    scores: dict[str, float],
    weights: dict[str, float] | None,
    overall: float,
    scored_by: str,
) -> None:
    await conn.execute(
        """INSERT INTO interview (application_id, post_id, scores, weights, overall, scored_by)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (application_id, post_id) DO UPDATE SET scores = EXCLUDED.scores,
               weights = EXCLUDED.weights, overall = EXCLUDED.overall,
               scored_by = EXCLUDED.scored_by, refused = false, refusal_reason = NULL,
               updated_at = now()""",
        application_id,
        post_id,
        scores,
        weights,
        overall,
        scored_by,
    )


async def refuse(
    conn: asyncpg.Connection, application_id: str, post_id: str, reason: str, by: str
) -> None:
    await conn.execute(
        """INSERT INTO interview (application_id, post_id, refused, refusal_reason, scored_by)
           VALUES ($1, $2, true, $3, $4)
           ON CONFLICT (application_id, post_id) DO UPDATE SET refused = true,
               refusal_reason = EXCLUDED.refusal_reason, scored_by = EXCLUDED.scored_by,
               updated_at = now()""",
        application_id,
        post_id,
        reason,
        by,
    )


async def get(conn: asyncpg.Connection, application_id: str, post_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT application_id, post_id, scheduled_at, place, scores, weights, overall,"
        " refused, refusal_reason, updated_at FROM interview"
        " WHERE application_id = $1 AND post_id = $2",
        application_id,
        post_id,
    )
    return dict(row) if row else None
