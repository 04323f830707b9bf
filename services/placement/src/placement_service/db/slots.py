"""SQL for interview slots and their bookings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

_SLOT = "slot_id, post_id, starts_at, ends_at, place, online_url, capacity, booked, created_at"


async def insert(conn: asyncpg.Connection, **s: Any) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"""INSERT INTO interview_slot (slot_id, post_id, starts_at, ends_at, place, online_url,
                                        capacity, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_SLOT}""",
        s["slot_id"],
        s["post_id"],
        s["starts_at"],
        s["ends_at"],
        s["place"],
        s["online_url"],
        s["capacity"],
        s["created_by"],
    )
    return dict(row)


async def get(conn: asyncpg.Connection, post_id: str, slot_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_SLOT} FROM interview_slot WHERE post_id = $1 AND slot_id = $2",
        post_id,
        slot_id,
    )
    return dict(row) if row else None


async def list_(conn: asyncpg.Connection, post_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_SLOT} FROM interview_slot WHERE post_id = $1 ORDER BY starts_at, slot_id",
        post_id,
    )
    return [dict(r) for r in rows]


async def bookings(conn: asyncpg.Connection, post_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT b.slot_id, b.application_id, b.student_id, s.name, s.university, s.major,
                  b.booked_at
           FROM interview_booking b JOIN student s ON s.student_id = b.student_id
           WHERE b.post_id = $1 ORDER BY b.booked_at""",
        post_id,
    )
    return [dict(r) for r in rows]


async def take_place(conn: asyncpg.Connection, slot_id: str) -> bool:
    """One place in the slot, unless it is full (one guarded statement: no overbooking)."""
    done: bool | None = await conn.fetchval(
        "UPDATE interview_slot SET booked = booked + 1 WHERE slot_id = $1 AND booked < capacity"
        " RETURNING true",
        slot_id,
    )
    return bool(done)


async def give_back(conn: asyncpg.Connection, slot_id: str) -> None:
    await conn.execute(
        "UPDATE interview_slot SET booked = booked - 1 WHERE slot_id = $1 AND booked > 0", slot_id
    )


async def delete(conn: asyncpg.Connection, slot_id: str) -> bool:
    deleted: bool | None = await conn.fetchval(
        "DELETE FROM interview_slot WHERE slot_id = $1 AND booked = 0 RETURNING true", slot_id
    )
    return bool(deleted)


async def live_application(
    conn: asyncpg.Connection, student_id: str, post_id: str
) -> dict[str, Any] | None:
    """The student's live application that chose this post, locked, with its booking."""
    row = await conn.fetchrow(
        """SELECT a.application_id, a.status, b.slot_id, sl.starts_at,
                  coalesce(i.refused, false) AS refused
           FROM application a
           JOIN application_choice c ON c.application_id = a.application_id AND c.post_id = $2
           LEFT JOIN interview_booking b ON b.application_id = a.application_id
                AND b.post_id = $2
           LEFT JOIN interview_slot sl ON sl.slot_id = b.slot_id
           LEFT JOIN interview i ON i.application_id = a.application_id AND i.post_id = $2
           WHERE a.student_id = $1 AND a.status <> 'withdrawn'
           FOR UPDATE OF a""",
        student_id,
        post_id,
    )
    return dict(row) if row else None


async def book(
    conn: asyncpg.Connection, application_id: str, post_id: str, slot_id: str, student_id: str
) -> dict[str, Any]:
    row = await conn.fetchrow(
        """INSERT INTO interview_booking (application_id, post_id, slot_id, student_id)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (application_id, post_id) DO UPDATE SET slot_id = EXCLUDED.slot_id,
               booked_at = now()
           RETURNING application_id, post_id, slot_id, booked_at""",
        application_id,
        post_id,
        slot_id,
        student_id,
    )
    return dict(row)


async def unbook(conn: asyncpg.Connection, application_id: str, post_id: str) -> None:
    await conn.execute(
        "DELETE FROM interview_booking WHERE application_id = $1 AND post_id = $2",
        application_id,
        post_id,
    )
    await conn.execute(
        "UPDATE interview SET scheduled_at = NULL, place = NULL, updated_at = now()"
        " WHERE application_id = $1 AND post_id = $2",
        application_id,
        post_id,
    )


async def my_interviews(conn: asyncpg.Connection, student_id: str) -> list[dict[str, Any]]:
    """Every post the student's live applications chose, with the interview's time and place
    (never its score or refusal reason) and the booked slot; best choice first."""
    rows = await conn.fetch(
        """SELECT a.application_id, a.season_id, c.rank, c.post_id, p.title, p.unit_id,
                  u.name AS unit_name, p.status AS post_status,
                  i.scheduled_at, i.place AS interview_place,
                  (a.status <> 'ineligible' AND NOT coalesce(i.refused, false)) AS can_book,
                  b.slot_id, sl.starts_at, sl.ends_at, sl.place, sl.online_url
           FROM application a
           JOIN application_choice c ON c.application_id = a.application_id
           JOIN post p ON p.post_id = c.post_id
           LEFT JOIN unit u ON u.unit_id = p.unit_id
           LEFT JOIN interview i ON i.application_id = a.application_id AND i.post_id = c.post_id
           LEFT JOIN interview_booking b ON b.application_id = a.application_id
                AND b.post_id = c.post_id
           LEFT JOIN interview_slot sl ON sl.slot_id = b.slot_id
           WHERE a.student_id = $1 AND a.status <> 'withdrawn'
           ORDER BY a.created_at DESC, c.rank""",
        student_id,
    )
    return [dict(r) for r in rows]


async def open_slots(
    conn: asyncpg.Connection, post_ids: list[str], after: datetime
) -> list[dict[str, Any]]:
    """Slots of these posts that start after `after` and have a free place."""
    rows = await conn.fetch(
        f"""SELECT {_SLOT} FROM interview_slot
            WHERE post_id = ANY($1::text[]) AND starts_at > $2 AND booked < capacity
            ORDER BY starts_at, slot_id""",
        post_ids,
        after,
    )
    return [dict(r) for r in rows]
