"""Broadcasts: stored, decided, and fanned out to a city's students in a few set-based
statements (a city may have thousands of students)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import asyncpg

from notify_service.db.notifications import WAKE_CHANNEL, notification_id
from notify_service.domain import templates
from notify_service.domain.channels import Channel
from notify_service.domain.rules import BROADCAST_CHANNELS, BROADCAST_PURPOSE
from notify_service.domain.timing import QuietHours, earliest_send

SOURCE_TYPE = "notify.broadcast"


async def insert(
    conn: asyncpg.Connection,
    broadcast_id: uuid.UUID,
    *,
    liaison: str,
    city: str,
    city_label: str,
    title: str,
    body: str,
    status: str,
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        """INSERT INTO broadcast (broadcast_id, liaison, city, city_label, title, body, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        broadcast_id,
        liaison,
        city,
        city_label,
        title,
        body,
        status,
    )
    return row


async def get(conn: asyncpg.Connection, broadcast_id: uuid.UUID, *, lock: bool = False) -> Any:
    sql = "SELECT * FROM broadcast WHERE broadcast_id = $1" + (" FOR UPDATE" if lock else "")
    return await conn.fetchrow(sql, broadcast_id)


async def listing(
    conn: asyncpg.Connection, *, liaison: str | None, status: str | None, limit: int
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT * FROM broadcast
            WHERE ($1::text IS NULL OR liaison = $1) AND ($2::text IS NULL OR status = $2)
            ORDER BY created_at DESC LIMIT $3""",
        liaison,
        status,
        limit,
    )
    return rows


async def decide(
    conn: asyncpg.Connection,
    broadcast_id: uuid.UUID,
    *,
    status: str,
    by: str,
    note: str | None,
) -> None:
    await conn.execute(
        """UPDATE broadcast SET status = $2, decided_by = $3, decided_at = now(),
                  decision_note = $4
            WHERE broadcast_id = $1""",
        broadcast_id,
        status,
        by,
        note,
    )


async def fan_out(
    conn: asyncpg.Connection,
    broadcast: Any,
    *,
    now: datetime,
    configured: Collection[Channel],
    quiet: QuietHours,
) -> int:
    """One inbox notification per student studying in the broadcast's city, plus the other
    channels they allow (broadcasts are not essential: opt-outs apply). Idempotent."""
    bid: uuid.UUID = broadcast["broadcast_id"]
    recipients = [
        r["recipient"]
        for r in await conn.fetch(
            """SELECT recipient FROM contact
                WHERE city = $1 AND recipient LIKE 'student:%' ORDER BY recipient""",
            broadcast["city"],
        )
    ]
    ids = [notification_id(r, BROADCAST_PURPOSE, bid) for r in recipients]
    template = templates.current("broadcast")
    await conn.execute(
        """INSERT INTO notification (notification_id, recipient, purpose, source_event_id,
               source_type, template, template_version, params, essential, urgent, in_inbox,
               visible_at, broadcast_id)
           SELECT id, recipient, $3, $4, $5, $6, $7, $8, false, false, true, $9, $4
             FROM unnest($1::uuid[], $2::text[]) AS t(id, recipient)
           ON CONFLICT ON CONSTRAINT notification_once DO NOTHING""",
        ids,
        recipients,
        BROADCAST_PURPOSE,
        bid,
        SOURCE_TYPE,
        template.key,
        template.version,
        {"title": broadcast["title"], "body": broadcast["body"]},
        now,
    )
    for channel in BROADCAST_CHANNELS:
        if channel is Channel.INBOX:
            status, due, why = "delivered", now, None
        elif channel not in configured:
            status, due, why = "skipped", now, "channel not configured"
        else:
            due = earliest_send(channel, now, urgent=False, quiet=quiet)
            status, why = "queued", ("quiet hours" if due > now else None)
        await conn.execute(
            """WITH d AS (
                   INSERT INTO delivery (notification_id, recipient, channel, status, due_at,
                                         last_error)
                   SELECT t.id, t.recipient, $3,
                          CASE WHEN o.recipient IS NOT NULL THEN 'skipped' ELSE $4 END,
                          $5,
                          CASE WHEN o.recipient IS NOT NULL THEN 'opted out'
                               WHEN $4 = 'skipped' THEN $6 END
                     FROM unnest($1::uuid[], $2::text[]) AS t(id, recipient)
                     LEFT JOIN opt_out o ON o.recipient = t.recipient AND o.channel = $3
                   ON CONFLICT (notification_id, channel) DO NOTHING
                   RETURNING delivery_id, status, last_error)
               INSERT INTO delivery_step (delivery_id, status, detail)
               SELECT delivery_id, s.status, s.detail
                 FROM d, LATERAL (VALUES (1, 'queued', NULL),
                                         (2, d.status, CASE WHEN d.status = 'queued' THEN $6
                                                            ELSE d.last_error END)
                                 ) AS s(n, status, detail)
                WHERE s.n = 2 OR d.status = 'delivered'
                ORDER BY delivery_id, s.n""",
            ids,
            recipients,
            channel.value,
            status,
            due,
            why,
        )
    await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    await conn.execute(
        "UPDATE broadcast SET status = 'sent', sent_at = $2, recipients = $3 WHERE broadcast_id = $1",
        bid,
        now,
        len(recipients),
    )
    return len(recipients)


async def figures(conn: asyncpg.Connection, broadcast_id: uuid.UUID) -> dict[str, Any]:
    """Delivery figures: per channel and status, and how many have read it."""
    rows = await conn.fetch(
        """SELECT d.channel, d.status, count(*) AS n
             FROM notification n JOIN delivery d USING (notification_id)
            WHERE n.broadcast_id = $1
            GROUP BY d.channel, d.status""",
        broadcast_id,
    )
    read = await conn.fetchval(
        "SELECT count(*) FILTER (WHERE read_at IS NOT NULL) FROM notification WHERE broadcast_id = $1",
        broadcast_id,
    )
    channels: dict[str, dict[str, int]] = {}
    for r in rows:
        channels.setdefault(r["channel"], {})[r["status"]] = r["n"]
    return {"channels": channels, "read": read}


async def setting(conn: asyncpg.Connection, key: str) -> Any:
    return await conn.fetchval("SELECT value FROM notify_setting WHERE key = $1", key)


async def set_setting(conn: asyncpg.Connection, key: str, value: Any, by: str) -> None:
    await conn.execute(
        """INSERT INTO notify_setting (key, value, set_by) VALUES ($1, $2, $3)
           ON CONFLICT (key) DO UPDATE SET value = $2, set_by = $3, updated_at = now()""",
        key,
        value,
        by,
    )
