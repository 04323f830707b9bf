"""SQL for matching's read model of applications (placement.applications.v1).

Every write is guarded by the sequence of the row it changes, so a replayed or late event
never overwrites newer state; the inbox already drops exact duplicates.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fanxiang_common.events.placement import ApplicationSubmittedV1


async def upsert_application(
    conn: asyncpg.Connection, event: ApplicationSubmittedV1, sequence: int
) -> None:
    await conn.execute(
        """INSERT INTO application (application_id, student_id, season_id, home_county,
                                    home_township, choices, sequence)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (application_id) DO UPDATE SET
               student_id = EXCLUDED.student_id, season_id = EXCLUDED.season_id,
               home_county = EXCLUDED.home_county, home_township = EXCLUDED.home_township,
               choices = EXCLUDED.choices, sequence = EXCLUDED.sequence, updated_at = now()
           WHERE application.sequence < EXCLUDED.sequence""",
        event.application_id,
        event.student_id,
        event.season_id,
        event.home_county,
        event.home_township,
        event.choices,
        sequence,
    )


async def set_choices(
    conn: asyncpg.Connection, application_id: str, choices: list[str], sequence: int
) -> None:
    await conn.execute(
        "UPDATE application SET choices = $2, sequence = $3, updated_at = now()"
        " WHERE application_id = $1 AND sequence < $3",
        application_id,
        choices,
        sequence,
    )


async def set_withdrawn(conn: asyncpg.Connection, application_id: str, sequence: int) -> None:
    await conn.execute(
        "UPDATE application SET withdrawn = true, sequence = $2, updated_at = now()"
        " WHERE application_id = $1 AND sequence < $2",
        application_id,
        sequence,
    )


async def set_eligible(
    conn: asyncpg.Connection, application_id: str, eligible: bool, sequence: int
) -> None:
    await conn.execute(
        "UPDATE application SET eligible = $2, sequence = $3, updated_at = now()"
        " WHERE application_id = $1 AND sequence < $3",
        application_id,
        eligible,
        sequence,
    )


async def set_score(
    conn: asyncpg.Connection, application_id: str, post_id: str, score: float, sequence: int
) -> None:
    await conn.execute(
        """INSERT INTO application_post (application_id, post_id, score, sequence)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (application_id, post_id) DO UPDATE SET
               score = EXCLUDED.score, sequence = EXCLUDED.sequence, updated_at = now()
           WHERE application_post.sequence < EXCLUDED.sequence""",
        application_id,
        post_id,
        score,
        sequence,
    )


async def set_refused(
    conn: asyncpg.Connection, application_id: str, post_id: str, sequence: int
) -> None:
    await conn.execute(
        """INSERT INTO application_post (application_id, post_id, refused, sequence)
           VALUES ($1, $2, true, $3)
           ON CONFLICT (application_id, post_id) DO UPDATE SET
               refused = true, sequence = EXCLUDED.sequence, updated_at = now()
           WHERE application_post.sequence < EXCLUDED.sequence""",
        application_id,
        post_id,
        sequence,
    )


async def get_application(conn: asyncpg.Connection, application_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM application WHERE application_id = $1", application_id)
    if row is None:
        return None
    out = dict(row)
    out["posts"] = [
        dict(r)
        for r in await conn.fetch(
            "SELECT post_id, score, refused FROM application_post WHERE application_id = $1"
            " ORDER BY post_id",
            application_id,
        )
    ]
    return out


async def season_input(
    conn: asyncpg.Connection, season_id: str, *, include_undecided: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """What a round of this season sees: open posts, live applications (one per student, the
    latest), and the units' verdicts on them."""
    posts = [
        dict(r)
        for r in await conn.fetch(
            "SELECT post_id, unit_id, title, category, county, township, capacity FROM post"
            " WHERE season_id = $1 AND open ORDER BY post_id",
            season_id,
        )
    ]
    eligibility = "(eligible IS NOT false)" if include_undecided else "eligible"
    applications = [
        dict(r)
        for r in await conn.fetch(
            f"""SELECT DISTINCT ON (student_id) application_id, student_id, home_county,
                       home_township, choices
                FROM application
                WHERE season_id = $1 AND NOT withdrawn AND {eligibility}
                ORDER BY student_id, updated_at DESC, application_id""",
            season_id,
        )
    ]
    verdicts = [
        dict(r)
        for r in await conn.fetch(
            """SELECT ap.application_id, ap.post_id, ap.score, ap.refused
               FROM application_post ap JOIN application a USING (application_id)
               WHERE a.season_id = $1 AND NOT a.withdrawn""",
            # Any order: the instance does not depend on it (10^6 rows for 10^5 students).
            season_id,
        )
    ]
    return posts, applications, verdicts


async def set_answer(
    conn: asyncpg.Connection,
    *,
    application_id: str,
    post_id: str,
    student_id: str,
    round_id: str | None,
    status: str,
    sequence: int,
) -> None:
    await conn.execute(
        """INSERT INTO offer_answer (application_id, post_id, student_id, round_id, status,
                                     sequence)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (application_id, post_id) DO UPDATE SET
               student_id = EXCLUDED.student_id, round_id = EXCLUDED.round_id,
               status = EXCLUDED.status, sequence = EXCLUDED.sequence, updated_at = now()
           WHERE offer_answer.sequence < EXCLUDED.sequence""",
        application_id,
        post_id,
        student_id,
        round_id,
        status,
        sequence,
    )


async def season_answers(conn: asyncpg.Connection, season_id: str) -> list[dict[str, Any]]:
    """Students' answers to offers of this season's posts."""
    rows = await conn.fetch(
        """SELECT o.student_id, o.post_id, o.round_id, o.status
           FROM offer_answer o JOIN post p USING (post_id) WHERE p.season_id = $1""",
        season_id,
    )
    return [dict(r) for r in rows]
