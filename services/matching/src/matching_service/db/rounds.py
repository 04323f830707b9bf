"""SQL for matching's rounds (JSON columns go through the pool's jsonb codec). A published
round is immutable (a trigger enforces it too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

_JSON = ("instance", "post_facts", "student_facts", "result", "explanations", "checks")


async def insert_round(conn: asyncpg.Connection, row: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO round (round_id, season_id, kind, locality, seed, input_sha256, instance,
                              post_facts, student_facts, result, explanations, checks,
                              created_by, based_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)""",
        row["round_id"],
        row["season_id"],
        row["kind"],
        row["locality"],
        row["seed"],
        row["input_sha256"],
        *(row[k] for k in _JSON),
        row["created_by"],
        row["based_on"],
    )


async def get_round(
    conn: asyncpg.Connection, round_id: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    sql = "SELECT * FROM round WHERE round_id = $1" + (" FOR UPDATE" if for_update else "")
    row = await conn.fetchrow(sql, round_id)
    return dict(row) if row else None


async def list_rounds(conn: asyncpg.Connection, season_id: str | None) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT round_id, season_id, kind, based_on, locality, seed, input_sha256, status,
                  created_by,
                  created_at, published_by, published_at, accept_by
           FROM round WHERE $1::text IS NULL OR season_id = $1 ORDER BY created_at, round_id""",
        season_id,
    )
    return [dict(r) for r in rows]


async def mark_published(
    conn: asyncpg.Connection, round_id: str, *, by: str, at: datetime, accept_by: datetime
) -> None:
    await conn.execute(
        "UPDATE round SET status = 'published', published_by = $2, published_at = $3,"
        " accept_by = $4 WHERE round_id = $1 AND status = 'run'",
        round_id,
        by,
        at,
        accept_by,
    )


async def apply_override(
    conn: asyncpg.Connection,
    round_id: str,
    *,
    result: dict[str, Any],
    explanations: dict[str, Any],
    override: dict[str, Any],
) -> None:
    await conn.execute(
        "UPDATE round SET result = $2, explanations = $3, overrides = overrides || $4"
        " WHERE round_id = $1 AND status = 'run'",
        round_id,
        result,
        explanations,
        [override],
    )


async def published_round_of(conn: asyncpg.Connection, season_id: str, kind: str) -> str | None:
    """The season's published round of this kind, if any (the newest)."""
    value: str | None = await conn.fetchval(
        "SELECT round_id FROM round WHERE season_id = $1 AND kind = $2 AND status = 'published'"
        " ORDER BY published_at DESC LIMIT 1",
        season_id,
        kind,
    )
    return value


async def published_in_season(conn: asyncpg.Connection, season_id: str) -> list[dict[str, Any]]:
    """The season's published rounds with their placements, oldest first."""
    rows = await conn.fetch(
        """SELECT round_id, kind, result -> 'assignments' AS assignments FROM round
           WHERE season_id = $1 AND status = 'published' ORDER BY published_at, round_id""",
        season_id,
    )
    return [dict(r) for r in rows]


async def lock_season(conn: asyncpg.Connection, season_id: str) -> None:
    """Serialise publishing within a season until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('round-publish:' || $1))", season_id)
