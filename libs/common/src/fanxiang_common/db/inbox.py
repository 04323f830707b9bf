"""The inbox: each consumer handles each event once, whatever Kafka redelivers."""

from __future__ import annotations

import uuid

import asyncpg


async def claim(
    conn: asyncpg.Connection, consumer: str, event_id: uuid.UUID, event_type: str
) -> bool:
    """Record the event as handled by ``consumer``; False if it already was.

    Call inside the transaction that applies the event, so the claim and the effect commit
    (or roll back) together.
    """
    status: str = await conn.execute(
        "INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        consumer,
        event_id,
        event_type,
    )
    return status.endswith(" 1")
