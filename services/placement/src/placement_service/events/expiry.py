"""Offers nobody answered by their deadline expire (已过期) — and matching and notify hear it,
so the place can go to the next student in a later round."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from fanxiang_common.db.outbox import add_events
from fanxiang_common.events.placement import OfferExpiredV1

log = logging.getLogger(__name__)


async def expire_due_offers(conn: asyncpg.Connection, source: str, limit: int = 500) -> int:
    """Expire up to ``limit`` overdue offers in one transaction; returns how many."""
    async with conn.transaction():
        rows = await conn.fetch(
            """UPDATE placement SET status = 'expired', decided_at = now(), updated_at = now()
               WHERE placement_id IN (
                   SELECT placement_id FROM placement
                   WHERE status = 'offered' AND accept_by < now()
                   ORDER BY accept_by LIMIT $1 FOR UPDATE SKIP LOCKED)
               RETURNING placement_id, application_id, student_id, post_id, unit_id, round_id""",
            limit,
        )
        await add_events(conn, [OfferExpiredV1(**dict(row)) for row in rows], source=source)
    return len(rows)


async def run_expiry(pool: asyncpg.Pool, source: str, interval_s: float) -> None:
    """Background loop; several replicas may run it (rows are claimed with SKIP LOCKED)."""
    while True:
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            async with pool.acquire() as conn:
                while await expire_due_offers(conn, source) == 500:
                    pass
        await asyncio.sleep(interval_s)
