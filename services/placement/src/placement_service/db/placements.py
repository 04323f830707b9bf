"""SQL for placements: an offer from matching and the onboarding after it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from placement_service.db.scope import managed_by
from placement_service.domain.geography import default_geography

_COLUMNS = (
    "pl.placement_id, pl.application_id, pl.student_id, pl.post_id, pl.unit_id, pl.season_id,"
    " pl.round_id, pl.accept_by, pl.status, pl.offered_at, pl.decided_at, pl.decline_reason,"
    " pl.trained_at, pl.committed_at, pl.fixed_at, pl.on_post_at, pl.completed_at,"
    " pl.unit_rating, pl.unit_comment, pl.student_rating, pl.student_comment, pl.updated_at,"
    " p.title AS post_title, p.managing_org AS post_org, p.county AS post_county,"
    " p.starts_on, p.ends_on, u.name AS unit_name, s.name AS student_name,"
    " s.university, s.home_county, s.home_township,"
    " (SELECT n.masked FROM student_id_number n WHERE n.student_id = pl.student_id) AS id_number"
)
_FROM = (
    "placement pl JOIN post p ON p.post_id = pl.post_id"
    " JOIN student s ON s.student_id = pl.student_id"
    " LEFT JOIN unit u ON u.unit_id = pl.unit_id"
)


async def offer_target(
    conn: asyncpg.Connection, student_id: str, post_id: str, application_id: str | None = None
) -> dict[str, Any] | None:
    """The student's live application in the post's season (the one matching names, if it
    does), and the post's unit."""
    row = await conn.fetchrow(
        """SELECT a.application_id, p.unit_id, p.season_id FROM post p
           JOIN application a ON a.season_id = p.season_id AND a.student_id = $1
                AND a.status <> 'withdrawn'
                AND ($3::text IS NULL OR a.application_id = $3)
           WHERE p.post_id = $2""",
        student_id,
        post_id,
        application_id,
    )
    return dict(row) if row else None


async def insert_offer(
    conn: asyncpg.Connection,
    *,
    placement_id: str,
    application_id: str,
    student_id: str,
    post_id: str,
    unit_id: str,
    season_id: str,
    round_id: str,
    accept_by: datetime | None,
) -> bool:
    status: str = await conn.execute(
        """INSERT INTO placement (placement_id, application_id, student_id, post_id, unit_id,
                                  season_id, round_id, accept_by, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'offered')
           ON CONFLICT (student_id, post_id, round_id) DO NOTHING""",
        placement_id,
        application_id,
        student_id,
        post_id,
        unit_id,
        season_id,
        round_id,
        accept_by,
    )
    return status.endswith(" 1")


async def get(
    conn: asyncpg.Connection, placement_id: str, *, lock: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE pl.placement_id = $1"
        + (" FOR UPDATE OF pl" if lock else ""),
        placement_id,
    )
    return dict(row) if row else None


_STEP_COLUMN = {
    "accepted": "decided_at",
    "declined": "decided_at",
    "expired": "decided_at",
    "trained": "trained_at",
    "committed": "committed_at",
    "fixed": "fixed_at",
    "on_post": "on_post_at",
    "completed": "completed_at",
}


async def set_status(
    conn: asyncpg.Connection, placement_id: str, status: str, **extra: Any
) -> None:
    values = {"status": status, _STEP_COLUMN[status]: datetime.now().astimezone(), **extra}
    sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(values))
    await conn.execute(
        f"UPDATE placement SET {sets}, updated_at = now() WHERE placement_id = $1",
        placement_id,
        *values.values(),
    )


async def evaluate_unit(
    conn: asyncpg.Connection, placement_id: str, rating: int, comment: str | None
) -> None:
    await conn.execute(
        "UPDATE placement SET student_rating = $2, student_comment = $3, updated_at = now()"
        " WHERE placement_id = $1",
        placement_id,
        rating,
        comment,
    )


async def list_(
    conn: asyncpg.Connection,
    *,
    student_id: str | None,
    unit_id: str | None,
    org: str | None,
    post_id: str | None,
    season_id: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    home = managed_by("s.home_county", "s.home_township", "$3", "$9")
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM {_FROM}
            WHERE ($1::text IS NULL OR pl.student_id = $1)
              AND ($2::text IS NULL OR pl.unit_id = $2)
              AND ($3::text IS NULL OR p.managing_org = $3 OR {home})
              AND ($4::text IS NULL OR pl.post_id = $4)
              AND ($5::text IS NULL OR pl.season_id = $5)
              AND ($6::text IS NULL OR pl.status = $6)
            ORDER BY pl.offered_at, pl.placement_id LIMIT $7 OFFSET $8""",
        student_id,
        unit_id,
        org,
        post_id,
        season_id,
        status,
        limit,
        offset,
        sorted(default_geography().zones),
    )
    return [dict(r) for r in rows], (rows[0]["total"] if rows else 0)


async def sign(
    conn: asyncpg.Connection,
    placement_id: str,
    typed_name: str,
    text: str,
    digest: str,
    version: str,
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO commitment (placement_id, typed_name, text, text_sha256, text_version,"
        " signed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        placement_id,
        typed_name,
        text,
        digest,
        version,
        at,
    )


async def commitment(conn: asyncpg.Connection, placement_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT typed_name, text_sha256, text_version, signed_at FROM commitment"
        " WHERE placement_id = $1",
        placement_id,
    )
    return dict(row) if row else None


async def publicity(
    conn: asyncpg.Connection, season_id: str, org: str | None, holding: list[str]
) -> list[dict[str, Any]]:
    """公示 rows: name, school, post — only students whose 公示 consent is in force."""
    rows = await conn.fetch(
        """SELECT s.name, s.university, p.title AS post_title, u.name AS unit_name
           FROM placement pl JOIN student s ON s.student_id = pl.student_id
           JOIN post p ON p.post_id = pl.post_id LEFT JOIN unit u ON u.unit_id = pl.unit_id
           WHERE pl.season_id = $1 AND pl.status = ANY($3::text[])
             AND ($2::text IS NULL OR p.managing_org = $2)
             AND coalesce((SELECT c.granted FROM consent c WHERE c.student_id = s.student_id
                           AND c.purpose = 'publicity' ORDER BY c.consent_id DESC LIMIT 1),
                          false)
           ORDER BY u.name, p.title, s.name""",
        season_id,
        org,
        holding,
    )
    return [dict(r) for r in rows]


async def store_id_number(
    conn: asyncpg.Connection, student_id: str, ciphertext: bytes, masked: str, by: str
) -> None:
    await conn.execute(
        """INSERT INTO student_id_number (student_id, ciphertext, masked, recorded_by)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (student_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext,
               masked = EXCLUDED.masked, recorded_by = EXCLUDED.recorded_by,
               recorded_at = now()""",
        student_id,
        ciphertext,
        masked,
        by,
    )


async def id_number_ciphertext(conn: asyncpg.Connection, student_id: str) -> bytes | None:
    blob: bytes | None = await conn.fetchval(
        "SELECT ciphertext FROM student_id_number WHERE student_id = $1", student_id
    )
    return blob
