"""SQL for the season's League branch: members (derived from placements), nominations for
its offices, activities, sign-ups and attendance."""

from __future__ import annotations

from typing import Any

import asyncpg

from placement_service.domain.branch import MEMBER_STATES

_MEMBERS = f"""SELECT DISTINCT ON (p.student_id) p.student_id, p.post_id, p.unit_id
               FROM placement p
               WHERE p.season_id = $1 AND p.status IN {MEMBER_STATES!r}
               ORDER BY p.student_id, p.on_post_at DESC NULLS LAST"""


async def standing(
    conn: asyncpg.Connection, season_id: str, student_id: str
) -> tuple[bool, str | None]:
    """Whether the student is a member of the season's branch, and their approved office."""
    row = await conn.fetchrow(
        f"""SELECT EXISTS (SELECT 1 FROM placement WHERE season_id = $1 AND student_id = $2
                           AND status IN {MEMBER_STATES!r}) AS member,
                   (SELECT office FROM branch_nomination WHERE season_id = $1
                    AND student_id = $2 AND status = 'approved') AS office""",
        season_id,
        student_id,
    )
    assert row is not None
    return bool(row["member"]), row["office"]


async def members(
    conn: asyncpg.Connection, season_id: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    rows = await conn.fetch(
        f"""WITH m AS ({_MEMBERS})
            SELECT m.student_id, s.name, s.university, s.major, s.home_county,
                   m.post_id, po.title AS post_title, u.name AS unit_name, n.office,
                   count(*) OVER () AS total
            FROM m JOIN student s ON s.student_id = m.student_id
            LEFT JOIN post po ON po.post_id = m.post_id
            LEFT JOIN unit u ON u.unit_id = m.unit_id
            LEFT JOIN branch_nomination n ON n.season_id = $1 AND n.student_id = m.student_id
                 AND n.status = 'approved'
            ORDER BY n.office IS NULL, s.name, m.student_id LIMIT $2 OFFSET $3""",
        season_id,
        limit,
        offset,
    )
    return [dict(r) for r in rows], (rows[0]["total"] if rows else 0)


async def member_ids(conn: asyncpg.Connection, season_id: str, asked: list[str]) -> list[str]:
    """Which of ``asked`` are members of the season's branch."""
    rows = await conn.fetch(
        f"""SELECT DISTINCT student_id FROM placement WHERE season_id = $1
            AND status IN {MEMBER_STATES!r} AND student_id = ANY($2::text[])""",
        season_id,
        asked,
    )
    return [r["student_id"] for r in rows]


async def all_member_ids(conn: asyncpg.Connection, season_id: str) -> list[str]:
    rows = await conn.fetch(
        f"""SELECT DISTINCT student_id FROM placement WHERE season_id = $1
            AND status IN {MEMBER_STATES!r} ORDER BY student_id""",
        season_id,
    )
    return [r["student_id"] for r in rows]


async def signed_up_ids(conn: asyncpg.Connection, activity_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT student_id FROM branch_signup WHERE activity_id = $1 ORDER BY student_id",
        activity_id,
    )
    return [r["student_id"] for r in rows]


async def member_count(conn: asyncpg.Connection, season_id: str) -> int:
    n: int = await conn.fetchval(
        f"""SELECT count(DISTINCT student_id) FROM placement WHERE season_id = $1
            AND status IN {MEMBER_STATES!r}""",
        season_id,
    )
    return n


# --- nominations ---------------------------------------------------------------------------

_NOMINATION = """n.nomination_id, n.season_id, n.student_id, s.name, n.office, n.statement,
                 n.status, n.reason, n.decided_by, n.decided_at, n.created_at"""


async def insert_nomination(conn: asyncpg.Connection, **n: Any) -> dict[str, Any] | None:
    """The new nomination, or None if the student has a live one this season."""
    row = await conn.fetchrow(
        """INSERT INTO branch_nomination (nomination_id, season_id, student_id, office, statement)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING nomination_id""",
        n["nomination_id"],
        n["season_id"],
        n["student_id"],
        n["office"],
        n["statement"],
    )
    return await nomination(conn, n["season_id"], row["nomination_id"]) if row else None


async def nomination(
    conn: asyncpg.Connection, season_id: str, nomination_id: str
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"""SELECT {_NOMINATION} FROM branch_nomination n
            JOIN student s ON s.student_id = n.student_id
            WHERE n.season_id = $1 AND n.nomination_id = $2""",
        season_id,
        nomination_id,
    )
    return dict(row) if row else None


async def nominations(
    conn: asyncpg.Connection, season_id: str, student_id: str | None, status: str | None
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT {_NOMINATION} FROM branch_nomination n
            JOIN student s ON s.student_id = n.student_id
            WHERE n.season_id = $1 AND ($2::text IS NULL OR n.student_id = $2)
              AND ($3::text IS NULL OR n.status = $3)
            ORDER BY n.created_at, n.nomination_id""",
        season_id,
        student_id,
        status,
    )
    return [dict(r) for r in rows]


async def approved_counts(conn: asyncpg.Connection, season_id: str) -> dict[str, int]:
    """Offices held, per office, with the season's nominations locked (no two approvals
    race for the last place)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('branch:' || $1))", season_id)
    rows = await conn.fetch(
        """SELECT office, count(*) AS n FROM branch_nomination
           WHERE season_id = $1 AND status = 'approved' GROUP BY office""",
        season_id,
    )
    return {r["office"]: r["n"] for r in rows}


async def decide(
    conn: asyncpg.Connection, nomination_id: str, status: str, reason: str | None, by: str
) -> None:
    await conn.execute(
        """UPDATE branch_nomination SET status = $2, reason = $3, decided_by = $4,
               decided_at = now() WHERE nomination_id = $1""",
        nomination_id,
        status,
        reason,
        by,
    )


async def end(conn: asyncpg.Connection, nomination_id: str, reason: str | None, by: str) -> None:
    await conn.execute(
        """UPDATE branch_nomination SET status = 'ended', end_reason = $2, ended_by = $3,
               ended_at = now() WHERE nomination_id = $1""",
        nomination_id,
        reason,
        by,
    )


# --- activities ----------------------------------------------------------------------------

_ACTIVITY = """activity_id, season_id, title, kind, starts_at, ends_at, place, capacity,
               signed_up, description, status, cancel_reason, created_by, created_at"""


async def insert_activity(conn: asyncpg.Connection, **a: Any) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"""INSERT INTO branch_activity (activity_id, season_id, title, kind, starts_at, ends_at,
                                         place, capacity, description, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {_ACTIVITY}""",
        a["activity_id"],
        a["season_id"],
        a["title"],
        a["kind"],
        a["starts_at"],
        a["ends_at"],
        a["place"],
        a["capacity"],
        a["description"],
        a["created_by"],
    )
    return dict(row)


async def activity(
    conn: asyncpg.Connection, season_id: str, activity_id: str, lock: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_ACTIVITY} FROM branch_activity WHERE season_id = $1 AND activity_id = $2"
        + (" FOR UPDATE" if lock else ""),
        season_id,
        activity_id,
    )
    return dict(row) if row else None


async def activities(
    conn: asyncpg.Connection, season_id: str, student_id: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """The season's activities, soonest first, with how many came and whether the student
    (if given) signed up and attended."""
    rows = await conn.fetch(
        f"""SELECT {_ACTIVITY},
                   (SELECT count(*) FROM branch_attendance t
                    WHERE t.activity_id = a.activity_id) AS attended,
                   EXISTS (SELECT 1 FROM branch_signup g WHERE g.activity_id = a.activity_id
                           AND g.student_id = $2) AS signed_up_mine,
                   EXISTS (SELECT 1 FROM branch_attendance t WHERE t.activity_id = a.activity_id
                           AND t.student_id = $2) AS attended_mine,
                   count(*) OVER () AS total
            FROM branch_activity a WHERE season_id = $1
            ORDER BY starts_at, activity_id LIMIT $3 OFFSET $4""",
        season_id,
        student_id,
        limit,
        offset,
    )
    return [dict(r) for r in rows], (rows[0]["total"] if rows else 0)


async def cancel_activity(conn: asyncpg.Connection, activity_id: str, reason: str) -> None:
    await conn.execute(
        "UPDATE branch_activity SET status = 'cancelled', cancel_reason = $2"
        " WHERE activity_id = $1",
        activity_id,
        reason,
    )


async def participants(conn: asyncpg.Connection, activity_id: str) -> list[dict[str, Any]]:
    """Everyone who signed up or attended: name, school, when, whether they came."""
    rows = await conn.fetch(
        """SELECT s.student_id, s.name, s.university, g.signed_up_at,
                  t.marked_at AS attended_at
           FROM (SELECT student_id FROM branch_signup WHERE activity_id = $1
                 UNION SELECT student_id FROM branch_attendance WHERE activity_id = $1) p
           JOIN student s ON s.student_id = p.student_id
           LEFT JOIN branch_signup g ON g.activity_id = $1 AND g.student_id = p.student_id
           LEFT JOIN branch_attendance t ON t.activity_id = $1 AND t.student_id = p.student_id
           ORDER BY g.signed_up_at NULLS LAST, s.name""",
        activity_id,
    )
    return [dict(r) for r in rows]


async def sign_up(conn: asyncpg.Connection, activity_id: str, student_id: str) -> str:
    """'new', 'already' or 'full'. The row first (a concurrent twin waits on it and finds it
    taken), then the place by one guarded UPDATE (no overfill); on 'full' the caller raises,
    which rolls the row back."""
    if not await conn.fetchval(
        "INSERT INTO branch_signup (activity_id, student_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING true",
        activity_id,
        student_id,
    ):
        return "already"
    taken = await conn.fetchval(
        "UPDATE branch_activity SET signed_up = signed_up + 1"
        " WHERE activity_id = $1 AND signed_up < capacity RETURNING true",
        activity_id,
    )
    return "new" if taken else "full"


async def withdraw_sign_up(conn: asyncpg.Connection, activity_id: str, student_id: str) -> bool:
    gone = await conn.fetchval(
        "DELETE FROM branch_signup WHERE activity_id = $1 AND student_id = $2 RETURNING true",
        activity_id,
        student_id,
    )
    if gone:
        await conn.execute(
            "UPDATE branch_activity SET signed_up = signed_up - 1"
            " WHERE activity_id = $1 AND signed_up > 0",
            activity_id,
        )
    return bool(gone)


async def mark(
    conn: asyncpg.Connection, activity_id: str, students: list[str], present: bool, by: str
) -> None:
    if present:
        await conn.execute(
            """INSERT INTO branch_attendance (activity_id, student_id, marked_by)
               SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING""",
            activity_id,
            students,
            by,
        )
    else:
        await conn.execute(
            "DELETE FROM branch_attendance WHERE activity_id = $1 AND student_id = ANY($2)",
            activity_id,
            students,
        )


async def activity_counts(conn: asyncpg.Connection, season_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT a.activity_id, a.title, a.kind, a.status, a.starts_at, a.capacity,
                  a.signed_up,
                  (SELECT count(*) FROM branch_attendance t
                   WHERE t.activity_id = a.activity_id) AS attended,
                  (SELECT count(*) FROM branch_attendance t JOIN branch_signup g
                       ON g.activity_id = t.activity_id AND g.student_id = t.student_id
                   WHERE t.activity_id = a.activity_id) AS attended_signed_up
           FROM branch_activity a WHERE a.season_id = $1 ORDER BY a.starts_at, a.activity_id""",
        season_id,
    )
    return [dict(r) for r in rows]


async def members_attending(conn: asyncpg.Connection, season_id: str) -> int:
    """Members who attended at least one of the season's (not cancelled) activities."""
    n: int = await conn.fetchval(
        f"""SELECT count(DISTINCT t.student_id) FROM branch_attendance t
            JOIN branch_activity a ON a.activity_id = t.activity_id
            WHERE a.season_id = $1 AND a.status = 'announced'
              AND t.student_id IN (SELECT student_id FROM placement WHERE season_id = $1
                                   AND status IN {MEMBER_STATES!r})""",
        season_id,
    )
    return n
