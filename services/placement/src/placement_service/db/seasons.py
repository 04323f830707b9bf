"""SQL for seasons."""

from __future__ import annotations

from typing import Any

import asyncpg

from placement_service.domain.seasons import Season

FIELDS = (
    "season_id",
    "name",
    "posts_open",
    "posts_close",
    "applications_open",
    "applications_close",
    "interviews_open",
    "interviews_close",
    "on_post_start",
    "on_post_end",
    "max_choices",
    "closed",
)
_COLUMNS = ", ".join(FIELDS)


async def get(conn: asyncpg.Connection, season_id: str) -> Season | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM season WHERE season_id = $1", season_id)
    return Season(**dict(row)) if row else None


async def insert(conn: asyncpg.Connection, season: Season) -> bool:
    status: str = await conn.execute(
        f"INSERT INTO season ({_COLUMNS}) VALUES ({', '.join(f'${i + 1}' for i in range(len(FIELDS)))})"
        " ON CONFLICT (season_id) DO NOTHING",
        *(getattr(season, f) for f in FIELDS),
    )
    return status.endswith(" 1")


async def update(conn: asyncpg.Connection, season: Season) -> None:
    sets = ", ".join(f"{f} = ${i + 2}" for i, f in enumerate(FIELDS[1:]))
    await conn.execute(
        f"UPDATE season SET {sets}, updated_at = now() WHERE season_id = $1",
        *(getattr(season, f) for f in FIELDS),
    )


async def list_(conn: asyncpg.Connection) -> list[Season]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM season ORDER BY posts_open DESC")
    return [Season(**dict(r)) for r in rows]


def as_dict(season: Season) -> dict[str, Any]:
    return {f: getattr(season, f) for f in FIELDS}
