"""SQL for posts."""

from __future__ import annotations

from typing import Any

import asyncpg

EDITABLE = (
    "title",
    "category",
    "county",
    "township",
    "address",
    "need",
    "duties",
    "capacity",
    "starts_on",
    "ends_on",
    "hours",
    "majors",
    "supervisor",
    "subsidy",
    "meals",
    "safety_notes",
)
_COLUMNS = (
    "p.post_id, p.unit_id, p.season_id, p.status, p.managing_org, p.filled, p.return_reason,"
    " p.status_reason, p.approved_by, p.approved_at, p.submitted_at, p.created_at, p.updated_at, "
    + ", ".join(f"p.{c}" for c in EDITABLE)
    + ", u.name AS unit_name"
)
_FROM = "post p LEFT JOIN unit u ON u.unit_id = p.unit_id"
PUBLIC = ["published", "full", "closed"]


async def insert(conn: asyncpg.Connection, post: dict[str, Any]) -> None:
    columns = [
        "post_id",
        "unit_id",
        "season_id",
        "status",
        "managing_org",
        "created_by",
        "approved_by",
        "approved_at",
        *EDITABLE,
    ]
    await conn.execute(
        f"INSERT INTO post ({', '.join(columns)})"
        f" VALUES ({', '.join(f'${i + 1}' for i in range(len(columns)))})",
        *(post.get(c) for c in columns),
    )


async def get(
    conn: asyncpg.Connection, post_id: str, *, lock: bool = False
) -> dict[str, Any] | None:
    suffix = " FOR UPDATE OF p" if lock else ""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE p.post_id = $1{suffix}", post_id
    )
    return dict(row) if row else None


async def update(conn: asyncpg.Connection, post_id: str, **values: Any) -> None:
    sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(values))
    await conn.execute(
        f"UPDATE post SET {sets}, updated_at = now() WHERE post_id = $1", post_id, *values.values()
    )


async def for_choices(conn: asyncpg.Connection, post_ids: list[str]) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT post_id, season_id, status, county FROM post WHERE post_id = ANY($1::text[])",
        post_ids,
    )
    return [dict(r) for r in rows]


async def list_(
    conn: asyncpg.Connection,
    *,
    season_id: str | None,
    county: str | None,
    township: str | None,
    category: str | None,
    status: str | None,
    major: str | None,
    unit_id: str | None,
    q: str | None,
    visible_org: str | None,
    visible_unit: str | None,
    see_all: bool,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Filters, then visibility: everyone sees public posts; ``visible_org`` (a committee)
    and ``visible_unit`` (a unit) also see their own in every state; ``see_all`` sees all."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM {_FROM}
            WHERE ($1::text IS NULL OR p.season_id = $1)
              AND ($2::text IS NULL OR p.county = $2)
              AND ($3::text IS NULL OR p.township = $3)
              AND ($4::text IS NULL OR p.category = $4)
              AND ($5::text IS NULL OR p.status = $5)
              AND ($6::text IS NULL OR $6 = ANY(p.majors) OR cardinality(p.majors) = 0)
              AND ($7::text IS NULL OR p.unit_id = $7)
              AND ($8::text IS NULL OR strpos(lower(p.title), lower($8)) > 0)
              AND ($11 OR p.status = ANY($12::text[]) OR p.managing_org = $9
                   OR p.unit_id = $10)
            ORDER BY p.created_at DESC, p.post_id LIMIT $13 OFFSET $14""",
        season_id,
        county,
        township,
        category,
        status,
        major,
        unit_id,
        q,
        visible_org,
        visible_unit,
        see_all,
        PUBLIC,
        limit,
        offset,
    )
    return [dict(r) for r in rows], (rows[0]["total"] if rows else 0)


async def add_filled(conn: asyncpg.Connection, post_id: str, delta: int) -> dict[str, Any]:
    row = await conn.fetchrow(
        "UPDATE post SET filled = greatest(filled + $2, 0), updated_at = now()"
        " WHERE post_id = $1 RETURNING status, capacity, filled",
        post_id,
        delta,
    )
    return dict(row)
