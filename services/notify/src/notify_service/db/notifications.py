"""Notifications and their deliveries: created once per (recipient, purpose, source event),
listed in a person's inbox, marked read."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import asyncpg

from notify_service.domain.channels import Channel
from notify_service.domain.deliveries import Status, initial
from notify_service.domain.rules import Planned
from notify_service.domain.timing import QuietHours

_NAMESPACE = uuid.UUID("5d9f3c64-2a41-4b8e-9a52-6f1c0e7d4b21")
WAKE_CHANNEL = "notify_delivery"


def notification_id(recipient: str, purpose: str, source_id: uuid.UUID) -> uuid.UUID:
    """Derived from the dedupe key, so the same notification always has the same id (and the
    same email Message-ID), however often it is attempted."""
    return uuid.uuid5(_NAMESPACE, f"{recipient}\x1f{purpose}\x1f{source_id}")


async def create(
    conn: asyncpg.Connection,
    planned: Planned,
    *,
    source_id: uuid.UUID,
    source_type: str,
    now: datetime,
    configured: Collection[Channel],
    quiet: QuietHours,
    broadcast_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Store a planned notification and its deliveries; None if it already exists."""
    recipient = planned.recipient.key
    nid = notification_id(recipient, planned.purpose, source_id)
    created = await conn.fetchval(
        """INSERT INTO notification (notification_id, recipient, purpose, source_event_id,
               source_type, template, template_version, params, essential, urgent, in_inbox,
               visible_at, expires_at, broadcast_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
           ON CONFLICT ON CONSTRAINT notification_once DO NOTHING
           RETURNING true""",
        nid,
        recipient,
        planned.purpose,
        source_id,
        source_type,
        planned.template,
        planned.template_version,
        planned.params,
        planned.essential,
        planned.urgent,
        Channel.INBOX in planned.channels,
        planned.visible_at,
        planned.expires_at,
        broadcast_id,
    )
    if not created:
        return None
    opted = (
        await _opted_out(conn, recipient)
        if not planned.essential and len(planned.channels) > 1
        else set()
    )
    wake = False
    for channel in planned.channels:
        first = initial(
            channel,
            visible_at=planned.visible_at,
            essential=planned.essential,
            urgent=planned.urgent,
            opted_out=opted,
            configured=configured,
            quiet=quiet,
        )
        status = first.status
        if channel is Channel.INBOX and first.due_at <= now:
            status = Status.DELIVERED  # the row above is the inbox entry
        await insert_delivery(
            conn,
            nid,
            recipient,
            channel,
            status=status,
            due_at=first.due_at,
            address=planned.addresses.get(channel),
            secret=(planned.secret or None) if channel is not Channel.INBOX else None,
            why=first.why,
        )
        wake = wake or (status is Status.QUEUED and first.due_at <= now)
    if wake:
        await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    return nid


async def _opted_out(conn: asyncpg.Connection, recipient: str) -> set[Channel]:
    rows = await conn.fetch("SELECT channel FROM opt_out WHERE recipient = $1", recipient)
    return {Channel(r["channel"]) for r in rows}


async def insert_delivery(
    conn: asyncpg.Connection,
    nid: uuid.UUID,
    recipient: str,
    channel: Channel,
    *,
    status: Status,
    due_at: datetime,
    address: str | None,
    secret: dict[str, Any] | None,
    why: str | None,
) -> None:
    if status is Status.QUEUED:
        steps = [(Status.QUEUED, why)]
    elif status is Status.DELIVERED:
        steps = [(Status.QUEUED, why), (Status.DELIVERED, None)]
    else:
        steps = [(status, why)]
    await conn.execute(
        """WITH d AS (
               INSERT INTO delivery (notification_id, recipient, channel, address, secret,
                                     status, due_at, last_error)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               RETURNING delivery_id)
           INSERT INTO delivery_step (delivery_id, status, detail)
           SELECT d.delivery_id, s.status, s.detail
             FROM d, unnest($9::text[], $10::text[]) WITH ORDINALITY AS s(status, detail, n)
            ORDER BY s.n""",
        nid,
        recipient,
        channel.value,
        address,
        secret,
        status.value,
        due_at,
        why if status is Status.SKIPPED else None,
        [st.value for st, _ in steps],
        [detail for _, detail in steps],
    )


# --- the inbox ------------------------------------------------------------------------------


async def withdraw_scheduled(
    conn: asyncpg.Connection,
    *,
    recipient: str,
    purpose: str,
    post_id: str,
    at: datetime,
    why: str,
) -> int:
    """Hide not-yet-shown notices of ``purpose`` about the appointment (post, time) from the
    inbox and cancel their pending deliveries; returns how many deliveries were cancelled."""
    cancelled: int = await conn.fetchval(
        """WITH gone AS (
               UPDATE notification SET in_inbox = false
                WHERE recipient = $1 AND purpose = $2 AND visible_at > now()
                  AND params ->> 'post_id' = $3 AND (params ->> 'at')::timestamptz = $4
               RETURNING notification_id),
           stopped AS (
               UPDATE delivery SET status = 'cancelled', lease_until = NULL, secret = NULL,
                                   updated_at = now()
                WHERE notification_id IN (SELECT notification_id FROM gone)
                  AND status = 'queued'
               RETURNING delivery_id, attempts),
           steps AS (
               INSERT INTO delivery_step (delivery_id, status, attempt, detail)
               SELECT delivery_id, 'cancelled', attempts, $5 FROM stopped
               RETURNING 1)
           SELECT count(*) FROM steps""",
        recipient,
        purpose,
        post_id,
        at,
        why,
    )
    return cancelled


async def inbox(
    conn: asyncpg.Connection,
    recipient: str,
    *,
    unread_only: bool,
    limit: int,
    before: datetime | None,
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT notification_id, purpose, template, template_version, params, essential,
                  visible_at, read_at, broadcast_id
             FROM notification
            WHERE recipient = $1 AND in_inbox AND visible_at <= now()
              AND ($2::boolean IS FALSE OR read_at IS NULL)
              AND ($3::timestamptz IS NULL OR visible_at < $3)
            ORDER BY visible_at DESC, notification_id
            LIMIT $4""",
        recipient,
        unread_only,
        before,
        limit,
    )
    return rows


async def unread_count(conn: asyncpg.Connection, recipient: str) -> int:
    count: int = await conn.fetchval(
        """SELECT count(*) FROM notification
            WHERE recipient = $1 AND in_inbox AND read_at IS NULL AND visible_at <= now()""",
        recipient,
    )
    return count


async def mark_read(conn: asyncpg.Connection, recipient: str, nid: uuid.UUID) -> bool:
    """Mark one of the recipient's own notifications read; False if it is not theirs."""
    found = await conn.fetchval(
        """UPDATE notification SET read_at = COALESCE(read_at, now())
            WHERE notification_id = $1 AND recipient = $2 AND in_inbox AND visible_at <= now()
           RETURNING true""",
        nid,
        recipient,
    )
    return bool(found)


async def mark_all_read(conn: asyncpg.Connection, recipient: str) -> int:
    status: str = await conn.execute(
        """UPDATE notification SET read_at = now()
            WHERE recipient = $1 AND in_inbox AND read_at IS NULL AND visible_at <= now()""",
        recipient,
    )
    return int(status.split()[-1])


async def get(conn: asyncpg.Connection, nid: uuid.UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM notification WHERE notification_id = $1", nid
    )
    return row


async def trail(conn: asyncpg.Connection, nid: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT d.delivery_id, d.channel, d.status AS current, d.attempts, d.due_at,
                  d.last_error, d.provider_ref, s.at, s.status, s.attempt, s.detail
             FROM delivery d JOIN delivery_step s USING (delivery_id)
            WHERE d.notification_id = $1
            ORDER BY d.channel, s.at""",
        nid,
    )
    return rows
