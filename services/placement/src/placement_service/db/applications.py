"""SQL for applications, their ranked choices, and the applicant lists units see."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from placement_service.db.scope import managed_by
from placement_service.db.seasons import FIELDS as SEASON_FIELDS
from placement_service.domain.geography import default_geography
from placement_service.domain.seasons import Season
from placement_service.domain.sessions import TokenState

_COLUMNS = (
    "a.application_id, a.student_id, a.season_id, a.status, a.home_county, a.home_township,"
    " a.status_reason, a.decided_by, a.decided_at, a.created_at, a.updated_at"
)


async def submission_context(
    conn: asyncpg.Connection,
    student_id: str,
    season_id: str,
    post_ids: list[str],
    token_id: str | None,
) -> dict[str, Any]:
    """Everything applying checks, in one round trip: whether the caller's token still works
    (``token``), the student (home, consent), the season's windows and the chosen posts.
    ``student`` / ``season`` are None if absent."""
    row = await conn.fetchrow(
        f"""SELECT acc.active, acc.tokens_valid_after, tok.jti IS NOT NULL AS recorded,
                   tok.revoked_at,
                   st.home_county, st.home_township, st.shares, st.found,
                   {", ".join(f"se.{c}" for c in SEASON_FIELDS)},
                   coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'post_id', p.post_id, 'season_id', p.season_id,
                                'status', p.status, 'county', p.county))
                             FROM post p WHERE p.post_id = ANY($3::text[])), '[]') AS posts
            FROM (SELECT 1) one
            LEFT JOIN (SELECT s.home_county, s.home_township, true AS found,
                              coalesce((SELECT c.granted FROM consent c
                                        WHERE c.student_id = s.student_id
                                          AND c.purpose = 'share_with_units'
                                        ORDER BY c.consent_id DESC LIMIT 1), false) AS shares
                       FROM student s WHERE s.student_id = $1) st ON true
            LEFT JOIN season se ON se.season_id = $2
            LEFT JOIN account acc ON acc.account_id = $1
            LEFT JOIN person_token tok ON tok.jti = $4""",
        student_id,
        season_id,
        post_ids,
        token_id,
    )
    student = (
        {
            "home_county": row["home_county"],
            "home_township": row["home_township"],
            "shares": row["shares"],
        }
        if row["found"]
        else None
    )
    season = Season(**{c: row[c] for c in SEASON_FIELDS}) if row["season_id"] is not None else None
    token = TokenState(row["active"], row["tokens_valid_after"], row["recorded"], row["revoked_at"])
    return {"student": student, "season": season, "posts": row["posts"], "token": token}


Fragment = Callable[[str, int], tuple[str, list[Any]]]
"""More CTEs for `submit`'s statement: (the CTE holding the new application, its first
parameter number) → (``name AS (…)`` clauses, their arguments)."""


async def submit(
    conn: asyncpg.Connection,
    *,
    application_id: str,
    student_id: str,
    season_id: str,
    home_county: str,
    home_township: str | None,
    choices: list[str],
    created_at: datetime,
    then: Sequence[Fragment] = (),
) -> bool:
    """`insert` and whatever ``then`` adds (the outbox, the Idempotency-Key's record) in ONE
    statement, atomic without BEGIN/COMMIT, and one round trip: False, with nothing stored,
    if the student already has a live application this season (the unique index decides,
    so two concurrent submissions cannot both pass)."""
    args: list[Any] = [
        application_id,
        student_id,
        season_id,
        home_county,
        home_township,
        choices,
        created_at,
    ]
    ctes = [
        """a AS (
            INSERT INTO application (application_id, student_id, season_id, status,
                                     home_county, home_township, created_at, updated_at)
            VALUES ($1, $2, $3, 'submitted', $4, $5, $7, $7)
            ON CONFLICT (student_id, season_id) WHERE status <> 'withdrawn' DO NOTHING
            RETURNING application_id)""",
        """c AS (
            INSERT INTO application_choice (application_id, rank, post_id)
            SELECT a.application_id, t.rank, t.post_id
            FROM a, unnest($6::text[]) WITH ORDINALITY AS t(post_id, rank))""",
    ]
    for fragment in then:
        sql, more = fragment("a", len(args) + 1)
        ctes.append(sql)
        args += more
    stored = await conn.fetchval(f"WITH {', '.join(ctes)} SELECT count(*) FROM a", *args)
    return bool(stored)


async def get(
    conn: asyncpg.Connection, application_id: str, *, lock: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM application a WHERE a.application_id = $1"
        + (" FOR UPDATE" if lock else ""),
        application_id,
    )
    if row is None:
        return None
    result = dict(row)
    result["choices"] = await choices(conn, application_id)
    return result


async def choices(conn: asyncpg.Connection, application_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT c.rank, c.post_id, p.title, p.county, p.unit_id, p.status AS post_status
           FROM application_choice c JOIN post p ON p.post_id = c.post_id
           WHERE c.application_id = $1 ORDER BY c.rank""",
        application_id,
    )
    return [dict(r) for r in rows]


async def replace_choices(
    conn: asyncpg.Connection, application_id: str, post_ids: list[str]
) -> None:
    await conn.execute("DELETE FROM application_choice WHERE application_id = $1", application_id)
    await conn.execute(
        """INSERT INTO application_choice (application_id, rank, post_id)
           SELECT $1, t.rank, t.post_id FROM unnest($2::text[]) WITH ORDINALITY AS t(post_id, rank)""",
        application_id,
        post_ids,
    )
    await conn.execute(
        "UPDATE application SET updated_at = now() WHERE application_id = $1", application_id
    )


async def set_status(
    conn: asyncpg.Connection,
    application_id: str,
    status: str,
    *,
    reason: str | None = None,
    decided_by: str | None = None,
) -> None:
    await conn.execute(
        """UPDATE application SET status = $2, status_reason = $3,
               decided_by = coalesce($4, decided_by),
               decided_at = CASE WHEN $4::text IS NULL THEN decided_at ELSE now() END,
               updated_at = now()
           WHERE application_id = $1""",
        application_id,
        status,
        reason,
        decided_by,
    )


async def list_(
    conn: asyncpg.Connection,
    *,
    student_id: str | None,
    season_id: str | None,
    home_org: str | None,
    status: str | None,
    post_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    scope = managed_by("a.home_county", "a.home_township", "$3", "$8")
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS}, count(*) OVER () AS total FROM application a
            WHERE ($1::text IS NULL OR a.student_id = $1)
              AND ($2::text IS NULL OR a.season_id = $2)
              AND ($3::text IS NULL OR {scope})
              AND ($4::text IS NULL OR a.status = $4)
              AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM application_choice c
                   WHERE c.application_id = a.application_id AND c.post_id = $5))
            ORDER BY a.created_at, a.application_id LIMIT $6 OFFSET $7""",
        student_id,
        season_id,
        home_org,
        status,
        post_id,
        limit,
        offset,
        sorted(default_geography().zones),
    )
    items = [dict(r) for r in rows]
    ranked = await conn.fetch(
        """SELECT c.application_id, c.rank, c.post_id, p.title, p.county, p.unit_id,
                  p.status AS post_status
           FROM application_choice c JOIN post p ON p.post_id = c.post_id
           WHERE c.application_id = ANY($1::text[]) ORDER BY c.application_id, c.rank""",
        [i["application_id"] for i in items],
    )
    by_application: dict[str, list[dict[str, Any]]] = {}
    for r in ranked:
        by_application.setdefault(r["application_id"], []).append(dict(r))
    for item in items:
        item["choices"] = by_application.get(item["application_id"], [])
    return items, (rows[0]["total"] if rows else 0)


async def applicants(
    conn: asyncpg.Connection, post_id: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Everyone who ranked the post (not withdrawn), with interview and offer state."""
    rows = await conn.fetch(
        """SELECT a.application_id, a.student_id, a.status, c.rank, s.name, s.university,
                  s.major, s.grade, s.discipline, s.phone, s.email,
                  i.scheduled_at, i.place, i.scores, i.overall, i.refused, i.refusal_reason,
                  (SELECT pl.status FROM placement pl WHERE pl.application_id = a.application_id
                     AND pl.post_id = c.post_id ORDER BY pl.offered_at DESC LIMIT 1)
                     AS placement_status,
                  count(*) OVER () AS total
           FROM application_choice c
           JOIN application a ON a.application_id = c.application_id
           JOIN student s ON s.student_id = a.student_id
           LEFT JOIN interview i ON i.application_id = a.application_id AND i.post_id = c.post_id
           WHERE c.post_id = $1 AND a.status <> 'withdrawn'
           ORDER BY i.overall DESC NULLS LAST, c.rank, a.created_at
           LIMIT $2 OFFSET $3""",
        post_id,
        limit,
        offset,
    )
    return [dict(r) for r in rows], (rows[0]["total"] if rows else 0)
