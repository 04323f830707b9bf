"""SQL for units."""

from __future__ import annotations

from typing import Any

import asyncpg

from placement_service.db.scope import managed_by
from placement_service.domain.geography import default_geography

_COLUMNS = (
    "unit_id, name, unit_type, county, township, address, contact_name, contact_phone,"
    " contact_email, created_at, status, decided_by, decided_at, reject_reason"
)


async def insert(conn: asyncpg.Connection, **u: Any) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"""INSERT INTO unit (unit_id, name, unit_type, county, township, address, contact_name,
                              contact_phone, contact_email, created_by, status)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {_COLUMNS}""",
        u["unit_id"],
        u["name"],
        u["unit_type"],
        u["county"],
        u.get("township"),
        u.get("address"),
        u.get("contact_name"),
        u["contact_phone"],
        u.get("contact_email"),
        u["created_by"],
        u.get("status", "active"),
    )
    return dict(row)


async def get(conn: asyncpg.Connection, unit_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM unit WHERE unit_id = $1", unit_id)
    return dict(row) if row else None


async def list_(
    conn: asyncpg.Connection,
    *,
    county: str | None,
    unit_type: str | None,
    unit_id: str | None,
    limit: int,
    offset: int,
    org: str | None = None,
    status: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """``county`` filters by place; ``org`` keeps the units a committee manages."""
    scope = managed_by("county", "township", "$6", "$7")
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM unit
            WHERE ($1::text IS NULL OR county = $1) AND ($2::text IS NULL OR unit_type = $2)
              AND ($3::text IS NULL OR unit_id = $3) AND ($6::text IS NULL OR {scope})
              AND ($8::text IS NULL OR status = $8)
            ORDER BY created_at, unit_id LIMIT $4 OFFSET $5""",
        county,
        unit_type,
        unit_id,
        limit,
        offset,
        org,
        sorted(default_geography().zones),
        status,
    )
    return [dict(r) for r in rows], (rows[0]["total"] if rows else 0)


async def decide(
    conn: asyncpg.Connection, unit_id: str, status: str, by: str, reason: str | None
) -> dict[str, Any] | None:
    """Approve or reject a pending registration (None if it is not pending any more)."""
    row = await conn.fetchrow(
        f"""UPDATE unit SET status = $2, decided_by = $3, decided_at = now(), reject_reason = $4
            WHERE unit_id = $1 AND status = 'pending' RETURNING {_COLUMNS}""",
        unit_id,
        status,
        by,
        reason,
    )
    return dict(row) if row else None
