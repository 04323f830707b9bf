"""SQL for matching's read model of posts."""

from __future__ import annotations

from typing import Any

import asyncpg

from fanxiang_common.events.placement import PostPublishedV1


async def upsert_post(conn: asyncpg.Connection, post: PostPublishedV1, sequence: int) -> None:
    await conn.execute(
        """INSERT INTO post (post_id, unit_id, season_id, title, category, county, township,
                             capacity, open, sequence)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9)
           ON CONFLICT (post_id) DO UPDATE SET
               unit_id = EXCLUDED.unit_id, season_id = EXCLUDED.season_id,
               title = EXCLUDED.title, category = EXCLUDED.category, county = EXCLUDED.county,
               township = EXCLUDED.township, capacity = EXCLUDED.capacity, open = true,
               sequence = EXCLUDED.sequence, updated_at = now()
           WHERE post.sequence < EXCLUDED.sequence""",
        post.post_id,
        post.unit_id,
        post.season_id,
        post.title,
        post.category,
        post.county,
        post.township,
        post.capacity,
        sequence,
    )


async def set_capacity(
    conn: asyncpg.Connection, post_id: str, capacity: int, sequence: int
) -> None:
    await conn.execute(
        "UPDATE post SET capacity = $2, sequence = $3, updated_at = now()"
        " WHERE post_id = $1 AND sequence < $3",
        post_id,
        capacity,
        sequence,
    )


async def close_post(conn: asyncpg.Connection, post_id: str, sequence: int) -> None:
    await conn.execute(
        "UPDATE post SET open = false, sequence = $2, updated_at = now()"
        " WHERE post_id = $1 AND sequence < $2",
        post_id,
        sequence,
    )


async def get_post(conn: asyncpg.Connection, post_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM post WHERE post_id = $1", post_id)
    return dict(row) if row else None


async def count_posts(conn: asyncpg.Connection) -> int:
    value: int = await conn.fetchval("SELECT count(*) FROM post")
    return value
