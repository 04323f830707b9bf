"""SQL for students' profiles and consents."""

from __future__ import annotations

from typing import Any

import asyncpg

from placement_service.db.scope import managed_by
from placement_service.domain.geography import default_geography

PROFILE = (
    "name",
    "email",
    "university",
    "university_city",
    "university_province",
    "grade",
    "major",
    "discipline",
    "home_county",
    "home_township",
    "political_status",
)
_COLUMNS = "student_id, phone, " + ", ".join(PROFILE) + ", created_at, updated_at"


async def get(conn: asyncpg.Connection, student_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM student WHERE student_id = $1", student_id)
    return dict(row) if row else None


async def upsert(
    conn: asyncpg.Connection, student_id: str, phone: str, profile: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The stored profile, and whether it is new."""
    values = [profile.get(f) for f in PROFILE]
    params = ", ".join(f"${i + 3}" for i in range(len(PROFILE)))
    sets = ", ".join(f"{f} = EXCLUDED.{f}" for f in PROFILE)
    row = await conn.fetchrow(
        f"""INSERT INTO student (student_id, phone, {", ".join(PROFILE)})
            VALUES ($1, $2, {params})
            ON CONFLICT (student_id) DO UPDATE SET {sets}, updated_at = now()
            RETURNING {_COLUMNS}, (xmax = 0) AS inserted""",
        student_id,
        phone,
        *values,
    )
    result = dict(row)
    return result, bool(result.pop("inserted"))


async def list_(
    conn: asyncpg.Connection,
    *,
    home_county: str | None,
    city: str | None,
    university: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    scope = managed_by("home_county", "home_township", "$1", "$6")
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM student
            WHERE ($1::text IS NULL OR {scope})
              AND ($2::text IS NULL OR university_city = $2)
              AND ($3::text IS NULL OR university = $3)
            ORDER BY created_at, student_id LIMIT $4 OFFSET $5""",
        home_county,
        city,
        university,
        limit,
        offset,
        sorted(default_geography().zones),
    )
    return [dict(r) for r in rows], (rows[0]["total"] if rows else 0)


async def add_consent(
    conn: asyncpg.Connection, student_id: str, purpose: str, granted: bool, version: str
) -> dict[str, Any]:
    row = await conn.fetchrow(
        "INSERT INTO consent (student_id, purpose, granted, version) VALUES ($1, $2, $3, $4)"
        " RETURNING purpose, granted, version, recorded_at",
        student_id,
        purpose,
        granted,
        version,
    )
    return dict(row)


async def consents(conn: asyncpg.Connection, student_id: str) -> list[dict[str, Any]]:
    """The consent in force per purpose (the latest record)."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (purpose) purpose, granted, version, recorded_at FROM consent"
        " WHERE student_id = $1 ORDER BY purpose, consent_id DESC",
        student_id,
    )
    return [dict(r) for r in rows]


async def has_consent(conn: asyncpg.Connection, student_id: str, purpose: str) -> bool:
    granted: bool | None = await conn.fetchval(
        "SELECT granted FROM consent WHERE student_id = $1 AND purpose = $2"
        " ORDER BY consent_id DESC LIMIT 1",
        student_id,
        purpose,
    )
    return bool(granted)
