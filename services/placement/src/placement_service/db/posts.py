"""SQL for posts."""

from __future__ import annotations

from typing import Any

import asyncpg

_COLUMNS = "post_id, unit_id, season_id, title, category, county, township, capacity, status"


async def insert(conn: asyncpg.Connection, **post: Any) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"INSERT INTO post ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        f" RETURNING {_COLUMNS}",
        *(post[c] for c in _COLUMNS.split(", ")),
    )
    return dict(row)


async def get(conn: asyncpg.Connection, post_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM post WHERE post_id = $1", post_id)
    return dict(row) if row else None


async def remembered(conn: asyncpg.Connection, principal: str, key: str) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT resource_id FROM idempotency_key WHERE principal = $1 AND key = $2", principal, key
    )
    return value


async def remember(conn: asyncpg.Connection, principal: str, key: str, resource_id: str) -> None:
    await conn.execute(
        "INSERT INTO idempotency_key (principal, key, resource_id) VALUES ($1, $2, $3)",
        principal,
        key,
        resource_id,
    )
