"""SQL for survey: questionnaires, responses (deduplicated by fingerprint per questionnaire)
and imports. JSON columns go through the pool's jsonb codec, except in the bulk insert."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from survey_service.domain import Questionnaire, parse_questionnaire, season_questionnaire


async def ensure_season_questionnaire(conn: asyncpg.Connection) -> None:
    q = season_questionnaire()
    await conn.execute(
        "INSERT INTO questionnaire (questionnaire_id, version, definition) VALUES ($1, $2, $3)"
        " ON CONFLICT (questionnaire_id) DO NOTHING",
        q.id,
        q.version,
        q.model_dump(mode="json"),
    )


async def get_questionnaire(
    conn: asyncpg.Connection, questionnaire_id: str
) -> Questionnaire | None:
    definition = await conn.fetchval(
        "SELECT definition FROM questionnaire WHERE questionnaire_id = $1", questionnaire_id
    )
    return parse_questionnaire(definition) if definition is not None else None


async def revision(conn: asyncpg.Connection, questionnaire_id: str) -> tuple[int, int]:
    """(revision, rewritten): the first changes whenever the questionnaire's responses change,
    the second only when stored responses are updated or deleted (migrations 0002, 0004)."""
    row = await conn.fetchrow(
        "SELECT revision, rewritten FROM questionnaire WHERE questionnaire_id = $1",
        questionnaire_id,
    )
    return (int(row["revision"]), int(row["rewritten"])) if row else (0, 0)


# (response_id, questionnaire_id, fingerprint, source, answers, student_id, county,
#  submitted_at, duration_s, import_id)
Row = tuple[
    str,
    str,
    str,
    str,
    dict[str, Any],
    str | None,
    str | None,
    datetime | None,
    float | None,
    str | None,
]


async def insert_responses(conn: asyncpg.Connection, rows: Sequence[Row]) -> int:
    """Insert the rows not stored yet (by response id or fingerprint); how many were new."""
    if not rows:
        return 0
    cols = list(zip(*rows, strict=True))
    async with conn.transaction():  # a savepoint inside a caller's transaction
        # The questionnaire's row lock first, then the seq values: stored responses of one
        # questionnaire become visible in seq order (the analysis cache relies on it).
        await conn.execute(
            "SELECT 1 FROM questionnaire WHERE questionnaire_id = ANY($1::text[])"
            " ORDER BY questionnaire_id FOR UPDATE",
            sorted(set(cols[1])),
        )
        return await _insert(conn, cols)


async def _insert(conn: asyncpg.Connection, cols: list[tuple[Any, ...]]) -> int:
    inserted = await conn.fetch(
        """INSERT INTO response (response_id, questionnaire_id, fingerprint, source, answers,
                                 student_id, county, submitted_at, duration_s, import_id)
           SELECT r.id, r.q, r.f, r.s, r.a::jsonb, r.st, r.c, r.t, r.d, r.i
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::timestamptz[], $9::float8[], $10::text[])
                AS r(id, q, f, s, a, st, c, t, d, i)
           ON CONFLICT DO NOTHING RETURNING 1""",
        list(cols[0]),
        list(cols[1]),
        list(cols[2]),
        list(cols[3]),
        [json.dumps(a, ensure_ascii=False) for a in cols[4]],
        list(cols[5]),
        list(cols[6]),
        list(cols[7]),
        list(cols[8]),
        list(cols[9]),
    )
    return len(inserted)


async def stream_answers(
    conn: asyncpg.Connection,
    questionnaire_id: str,
    county: str | None,
    after_seq: int = 0,
    chunk: int = 5000,
) -> AsyncIterator[list[asyncpg.Record]]:
    """Stored responses (seq, answers, duration, submitted_at) stored after ``after_seq``, in
    the order they were stored, in chunks; inside a transaction."""
    cursor = await conn.cursor(
        "SELECT seq, answers, duration_s, submitted_at FROM response WHERE questionnaire_id = $1"
        " AND ($2::text IS NULL OR county = $2) AND seq > $3 ORDER BY seq",
        questionnaire_id,
        county,
        after_seq,
    )
    while rows := await cursor.fetch(chunk):
        yield rows


async def create_import(
    conn: asyncpg.Connection,
    import_id: str,
    questionnaire_id: str,
    file_name: str,
    by: str,
    upload_path: str,
    upload_host: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO import (import_id, questionnaire_id, file_name, requested_by, upload_path,"
        " upload_host) VALUES ($1, $2, $3, $4, $5, $6)",
        import_id,
        questionnaire_id,
        file_name,
        by,
        upload_path,
        upload_host,
    )


async def stale_imports(conn: asyncpg.Connection, stale_s: float) -> list[dict[str, Any]]:
    """Running imports nobody has stored a batch of for ``stale_s`` seconds, oldest first."""
    rows = await conn.fetch(
        "SELECT import_id, questionnaire_id, file_name, requested_by, upload_path, upload_host"
        " FROM import WHERE status = 'running'"
        " AND heartbeat_at < now() - make_interval(secs => $1) ORDER BY started_at",
        stale_s,
    )
    return [dict(r) for r in rows]


async def claim_import(conn: asyncpg.Connection, import_id: str, stale_s: float) -> bool:
    """Take over a stale running import; False if another instance took it first."""
    claimed = await conn.fetchval(
        "UPDATE import SET resumed = resumed + 1, progress = 0, heartbeat_at = now()"
        " WHERE import_id = $1 AND status = 'running'"
        " AND heartbeat_at < now() - make_interval(secs => $2) RETURNING 1",
        import_id,
        stale_s,
    )
    return claimed is not None


async def release_imports(conn: asyncpg.Connection, import_ids: list[str]) -> None:
    """A clean stop: these imports may be claimed at once (by the next start or a peer)."""
    await conn.execute(
        "UPDATE import SET heartbeat_at = '-infinity' WHERE import_id = ANY($1::text[])"
        " AND status = 'running'",
        import_ids,
    )


async def stored_by_import(conn: asyncpg.Connection, import_id: str) -> int:
    """Responses this import stored, over every attempt."""
    n = await conn.fetchval("SELECT count(*) FROM response WHERE import_id = $1", import_id)
    return int(n)


async def set_progress(conn: asyncpg.Connection, import_id: str, rows: int, stored: int) -> None:
    await conn.execute(
        "UPDATE import SET progress = $2, stored = $3, heartbeat_at = now() WHERE import_id = $1",
        import_id,
        rows,
        stored,
    )


async def finish_import(
    conn: asyncpg.Connection, import_id: str, counts: dict[str, int], report: dict[str, Any]
) -> bool:
    """Mark it finished; False if it was not running any more (another instance finished it)."""
    done = await conn.fetchval(
        """UPDATE import SET status = 'finished', finished_at = now(), progress = $2,
                  upload_path = NULL,
                  data_rows = $2, responses = $3, stored = $4, duplicates = $5, rejected = $6,
                  blank = $7, warnings = $8, report = $9
           WHERE import_id = $1 AND status = 'running' RETURNING 1""",
        import_id,
        counts["data_rows"],
        counts["responses"],
        counts["stored"],
        counts["duplicates"],
        counts["rejected"],
        counts["blank"],
        counts["warnings"],
        report,
    )
    return done is not None


async def fail_import(conn: asyncpg.Connection, import_id: str, error: str) -> None:
    await conn.execute(
        "UPDATE import SET status = 'failed', finished_at = now(), error = $2,"
        " upload_path = NULL WHERE import_id = $1 AND status = 'running'",
        import_id,
        error,
    )


async def get_import(conn: asyncpg.Connection, import_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM import WHERE import_id = $1", import_id)
    return dict(row) if row else None


async def list_imports(
    conn: asyncpg.Connection, *, questionnaire_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """The latest imports first, without their row-by-row reports."""
    rows = await conn.fetch(
        """SELECT import_id, questionnaire_id, file_name, status, progress, data_rows,
                  responses, stored, duplicates, rejected, blank, warnings, error,
                  requested_by, started_at, finished_at
             FROM import
            WHERE $1::text IS NULL OR questionnaire_id = $1
            ORDER BY started_at DESC, import_id DESC
            LIMIT $2""",
        questionnaire_id,
        limit,
    )
    return [dict(r) for r in rows]
