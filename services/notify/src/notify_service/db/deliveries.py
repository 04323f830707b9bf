"""Deliveries: claimed by workers under a lease, finished with a trail step each time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from notify_service.domain.channels import Channel
from notify_service.domain.deliveries import FINAL, Status


async def reclaim_expired(conn: asyncpg.Connection) -> int:
    """Deliveries whose worker died mid-send go back to the queue (the send may have happened:
    the try is repeated with the same idempotency key / Message-ID)."""
    rows = await conn.fetch(
        """WITH lapsed AS (
               UPDATE delivery SET status = 'queued', due_at = now(), lease_until = NULL,
                      updated_at = now()
                WHERE status = 'sending' AND lease_until < now()
               RETURNING delivery_id, attempts)
           INSERT INTO delivery_step (delivery_id, status, attempt, detail)
           SELECT delivery_id, 'queued', attempts,
                  'the worker stopped during this try; trying again'
             FROM lapsed
           RETURNING delivery_id"""
    )
    return len(rows)


async def claim(conn: asyncpg.Connection, limit: int, lease_s: float) -> list[asyncpg.Record]:
    """Take up to ``limit`` due deliveries, with what sending them needs."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """WITH due AS (
               SELECT delivery_id FROM delivery
                WHERE status = 'queued' AND due_at <= now()
                ORDER BY due_at
                LIMIT $1
                  FOR UPDATE SKIP LOCKED),
           claimed AS (
               UPDATE delivery d
                  SET status = 'sending', attempts = d.attempts + 1,
                      lease_until = now() + make_interval(secs => $2), updated_at = now()
                 FROM due WHERE d.delivery_id = due.delivery_id
               RETURNING d.*)
           SELECT c.delivery_id, c.notification_id, c.recipient, c.channel, c.address, c.secret,
                  c.attempts, n.purpose, n.template, n.template_version, n.params, n.essential,
                  n.urgent, n.expires_at, n.created_at, n.visible_at, n.source_event_id,
                  n.source_type,
                  ct.recipient IS NOT NULL AS known, ct.phone, ct.email, ct.wechat_openid,
                  COALESCE(ct.language, 'zh') AS language, p.title AS post_title
             FROM claimed c
             JOIN notification n USING (notification_id)
             LEFT JOIN contact ct ON ct.recipient = c.recipient
             LEFT JOIN post_ref p ON p.post_id = n.params ->> 'post_id'""",
        limit,
        lease_s,
    )
    return rows


async def sent_times(
    conn: asyncpg.Connection, recipient: str, channel: Channel, since: datetime
) -> list[datetime]:
    rows = await conn.fetch(
        """SELECT sent_at FROM delivery
            WHERE recipient = $1 AND channel = $2 AND sent_at > $3""",
        recipient,
        channel.value,
        since,
    )
    return [r["sent_at"] for r in rows]


async def opted_out(conn: asyncpg.Connection, recipient: str, channel: Channel) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM opt_out WHERE recipient = $1 AND channel = $2",
            recipient,
            channel.value,
        )
    )


async def finish(
    conn: asyncpg.Connection,
    delivery_id: int,
    status: Status,
    *,
    attempt: int,
    detail: str | None = None,
    due_at: datetime | None = None,
    provider_ref: str | None = None,
    count_attempt: bool = True,
) -> None:
    """Record the outcome of a try (or a deferral, ``count_attempt=False``) and its step."""
    await conn.execute(
        """WITH d AS (
               UPDATE delivery
                  SET status = $2,
                      due_at = COALESCE($3, due_at),
                      lease_until = NULL,
                      sent_at = CASE WHEN $2 IN ('sent', 'delivered') AND channel <> 'inbox'
                                     THEN now() ELSE sent_at END,
                      provider_ref = COALESCE($4, provider_ref),
                      last_error = CASE WHEN $2 IN ('sent', 'delivered') THEN last_error
                                        ELSE COALESCE($5, last_error) END,
                      attempts = attempts - CASE WHEN $6 THEN 0 ELSE 1 END,
                      secret = CASE WHEN $7 THEN NULL ELSE secret END,
                      updated_at = now()
                WHERE delivery_id = $1
               RETURNING delivery_id)
           INSERT INTO delivery_step (delivery_id, status, attempt, detail)
           SELECT delivery_id, $8, $9, $5 FROM d""",
        delivery_id,
        status.value,
        due_at,
        provider_ref,
        detail,
        count_attempt,
        status in FINAL,
        # A retry is shown as 'failed' in the trail, then the delivery waits as 'queued'.
        (Status.FAILED if status is Status.QUEUED and count_attempt else status).value,
        attempt,
    )


async def dead_letters(
    conn: asyncpg.Connection, *, limit: int, channel: Channel | None
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT d.delivery_id, d.notification_id, d.recipient, d.channel, d.attempts,
                  d.last_error, d.updated_at, n.purpose, n.source_event_id, n.source_type,
                  n.created_at
             FROM delivery d JOIN notification n USING (notification_id)
            WHERE d.status = 'dead' AND ($2::text IS NULL OR d.channel = $2)
            ORDER BY d.updated_at DESC
            LIMIT $1""",
        limit,
        None if channel is None else channel.value,
    )
    return rows


async def retry(conn: asyncpg.Connection, delivery_id: int, by: str) -> bool:
    """A coordinator sends a dead letter again: a fresh set of tries, starting now."""
    row = await conn.fetchval(
        """WITH d AS (
               UPDATE delivery SET status = 'queued', attempts = 0, due_at = now(),
                      updated_at = now()
                WHERE delivery_id = $1 AND status = 'dead'
               RETURNING delivery_id)
           INSERT INTO delivery_step (delivery_id, status, detail)
           SELECT delivery_id, 'queued', $2 FROM d
           RETURNING delivery_id""",
        delivery_id,
        f"retried by {by}",
    )
    return row is not None


def contact_address(row: Any, channel: Channel) -> str | None:
    if row["address"]:
        return str(row["address"])
    field = {Channel.EMAIL: "email", Channel.SMS: "phone", Channel.WECHAT: "wechat_openid"}
    value = row[field[channel]] if channel in field else None
    return str(value) if value else None
