"""SQL for matching's rounds (JSON columns go through the pool's jsonb codec). A round is
inserted 'running' with its input; its job stores the result ('run') or the error
('failed'). A published round is immutable (a trigger enforces it too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

QUEUED = {"phase": "queued", "done": 0, "total": 0}


async def insert_running(conn: asyncpg.Connection, row: dict[str, Any]) -> dict[str, Any]:
    """A round accepted for running: its input is fixed from now on. Returns the row as
    `get_round_view` would (built here: reading 10^5 students' facts back costs seconds)."""
    created_at = await conn.fetchval(
        """INSERT INTO round (round_id, season_id, kind, locality, seed, input_sha256, instance,
                              post_facts, student_facts, created_by, based_on, status, progress)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'running', $12)
           RETURNING created_at""",
        row["round_id"],
        row["season_id"],
        row["kind"],
        row["locality"],
        row["seed"],
        row["input_sha256"],
        row["instance"],
        row["post_facts"],
        row["student_facts"],
        row["created_by"],
        row["based_on"],
        QUEUED,
    )
    exceptions = [s["id"] for s in row["instance"]["students"] if s.get("locality_exception")]
    view = {k: row[k] for k in _VIEW_GIVEN}
    return {
        **view,
        "status": "running",
        "progress": QUEUED,
        "error": None,
        "result": None,
        "checks": None,
        "overrides": [],
        "created_at": created_at,
        "finished_at": None,
        "published_by": None,
        "published_at": None,
        "accept_by": None,
        "locality_exceptions": exceptions,
    }


_VIEW_GIVEN = (
    "round_id",
    "season_id",
    "kind",
    "based_on",
    "locality",
    "seed",
    "input_sha256",
    "post_facts",
    "student_facts",
    "created_by",
)


# What the round view needs: not the instance nor every explanation (at 10^5 students those
# are most of the row; reading them made every poll of a round take seconds).
_VIEW = """round_id, season_id, kind, based_on, locality, seed, input_sha256, status, progress,
    error, post_facts, student_facts, result, checks, overrides, created_by, created_at,
    finished_at, published_by, published_at, accept_by,
    ARRAY(SELECT s ->> 'id' FROM jsonb_array_elements(instance -> 'students') s
          WHERE (s ->> 'locality_exception')::boolean) AS locality_exceptions"""


async def get_round_view(
    conn: asyncpg.Connection,
    round_id: str,
    *,
    explanations: bool = False,
    student_id: str | None = None,
) -> dict[str, Any] | None:
    """The columns a round view needs; ``explanations`` adds all of them, ``student_id``
    one student's (as ``{student_id: ...}``)."""
    extra = ", explanations" if explanations else ""
    if student_id is not None:
        extra = ", jsonb_build_object($2::text, explanations -> $2::text) AS explanations"
    args: tuple[Any, ...] = (round_id,) if student_id is None else (round_id, student_id)
    row = await conn.fetchrow(f"SELECT {_VIEW}{extra} FROM round WHERE round_id = $1", *args)
    return dict(row) if row else None


async def status_of(conn: asyncpg.Connection, round_id: str) -> str | None:
    status: str | None = await conn.fetchval(
        "SELECT status FROM round WHERE round_id = $1", round_id
    )
    return status


async def running_round_ids(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT round_id FROM round WHERE status = 'running' ORDER BY created_at, round_id"
    )
    return [r["round_id"] for r in rows]


async def set_progress(conn: asyncpg.Connection, round_id: str, progress: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE round SET progress = $2 WHERE round_id = $1 AND status = 'running'",
        round_id,
        progress,
    )


async def finish_round(
    conn: asyncpg.Connection,
    round_id: str,
    *,
    result: dict[str, Any],
    explanations: dict[str, Any],
    checks: dict[str, Any],
) -> bool:
    """Store a running round's result: it is ready for review ('run')."""
    status: str = await conn.execute(
        """UPDATE round SET status = 'run', result = $2, explanations = $3, checks = $4,
                            progress = NULL, finished_at = now()
           WHERE round_id = $1 AND status = 'running'""",
        round_id,
        result,
        explanations,
        checks,
    )
    return status == "UPDATE 1"


async def fail_round(conn: asyncpg.Connection, round_id: str, error: str) -> bool:
    status: str = await conn.execute(
        """UPDATE round SET status = 'failed', error = $2, progress = NULL, finished_at = now()
           WHERE round_id = $1 AND status = 'running'""",
        round_id,
        error,
    )
    return status == "UPDATE 1"


async def get_round(
    conn: asyncpg.Connection, round_id: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    sql = "SELECT * FROM round WHERE round_id = $1" + (" FOR UPDATE" if for_update else "")
    row = await conn.fetchrow(sql, round_id)
    return dict(row) if row else None


async def list_rounds(conn: asyncpg.Connection, season_id: str | None) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT round_id, season_id, kind, based_on, locality, seed, input_sha256, status,
                  progress, error, created_by, created_at, finished_at, published_by,
                  published_at, accept_by
           FROM round WHERE $1::text IS NULL OR season_id = $1 ORDER BY created_at, round_id""",
        season_id,
    )
    return [dict(r) for r in rows]


async def mark_published(
    conn: asyncpg.Connection, round_id: str, *, by: str, at: datetime, accept_by: datetime
) -> None:
    await conn.execute(
        "UPDATE round SET status = 'published', published_by = $2, published_at = $3,"
        " accept_by = $4 WHERE round_id = $1 AND status = 'run'",
        round_id,
        by,
        at,
        accept_by,
    )


async def apply_override(
    conn: asyncpg.Connection,
    round_id: str,
    *,
    result: dict[str, Any],
    explanations: dict[str, Any],
    override: dict[str, Any],
) -> None:
    await conn.execute(
        "UPDATE round SET result = $2, explanations = $3, overrides = overrides || $4"
        " WHERE round_id = $1 AND status = 'run'",
        round_id,
        result,
        explanations,
        [override],
    )


async def published_round_of(conn: asyncpg.Connection, season_id: str, kind: str) -> str | None:
    """The season's published round of this kind, if any (the newest)."""
    value: str | None = await conn.fetchval(
        "SELECT round_id FROM round WHERE season_id = $1 AND kind = $2 AND status = 'published'"
        " ORDER BY published_at DESC LIMIT 1",
        season_id,
        kind,
    )
    return value


async def published_in_season(conn: asyncpg.Connection, season_id: str) -> list[dict[str, Any]]:
    """The season's published rounds with their placements, oldest first."""
    rows = await conn.fetch(
        """SELECT round_id, kind, result -> 'assignments' AS assignments FROM round
           WHERE season_id = $1 AND status = 'published' ORDER BY published_at, round_id""",
        season_id,
    )
    return [dict(r) for r in rows]


async def lock_season(conn: asyncpg.Connection, season_id: str) -> None:
    """Serialise publishing within a season until the transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('round-publish:' || $1))", season_id)
