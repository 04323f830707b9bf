"""Notify's directory: how to reach people, and post titles — built from placement's events
(in aggregate order, so an older event never overwrites a newer one) and from what people set
themselves (WeChat id, language, opt-outs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg

from notify_service.domain.channels import Channel


async def upsert_contact(
    conn: asyncpg.Connection,
    recipient: str,
    *,
    sequence: int,
    name: str | None,
    phone: str | None,
    email: str | None,
    city: str | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO contact (recipient, name, phone, email, city, source_sequence)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (recipient) DO UPDATE
              SET name = EXCLUDED.name, phone = EXCLUDED.phone, email = EXCLUDED.email,
                  city = EXCLUDED.city, source_sequence = EXCLUDED.source_sequence,
                  updated_at = now()
            WHERE contact.source_sequence < EXCLUDED.source_sequence""",
        recipient,
        name,
        phone,
        email,
        city,
        sequence,
    )


async def upsert_post(
    conn: asyncpg.Connection, post_id: str, title: str, unit_id: str | None, sequence: int
) -> None:
    await conn.execute(
        """INSERT INTO post_ref (post_id, title, unit_id, source_sequence) VALUES ($1, $2, $3, $4)
           ON CONFLICT (post_id) DO UPDATE
              SET title = EXCLUDED.title, unit_id = COALESCE(EXCLUDED.unit_id, post_ref.unit_id),
                  source_sequence = EXCLUDED.source_sequence
            WHERE post_ref.source_sequence < EXCLUDED.source_sequence""",
        post_id,
        title,
        unit_id,
        sequence,
    )


async def post_titles(conn: asyncpg.Connection, post_ids: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(post_ids))
    if not ids:
        return {}
    rows = await conn.fetch(
        "SELECT post_id, title FROM post_ref WHERE post_id = ANY($1::text[])", ids
    )
    return {r["post_id"]: r["title"] for r in rows}


async def contact(conn: asyncpg.Connection, recipient: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM contact WHERE recipient = $1", recipient
    )
    return row


async def set_personal(
    conn: asyncpg.Connection, recipient: str, *, language: str | None, wechat_openid: str | None
) -> None:
    """What a person sets themselves; the row may exist before placement's event arrives."""
    await conn.execute(
        """INSERT INTO contact (recipient, language, wechat_openid)
           VALUES ($1, COALESCE($2, 'zh'), $3)
           ON CONFLICT (recipient) DO UPDATE
              SET language = COALESCE($2, contact.language),
                  wechat_openid = COALESCE($3, contact.wechat_openid),
                  updated_at = now()""",
        recipient,
        language,
        wechat_openid,
    )


async def opted_out(conn: asyncpg.Connection, recipient: str) -> set[Channel]:
    rows = await conn.fetch("SELECT channel FROM opt_out WHERE recipient = $1", recipient)
    return {Channel(r["channel"]) for r in rows}


async def set_opt_outs(conn: asyncpg.Connection, recipient: str, channels: set[Channel]) -> None:
    await conn.execute(
        "DELETE FROM opt_out WHERE recipient = $1 AND NOT (channel = ANY($2::text[]))",
        recipient,
        [c.value for c in channels],
    )
    await conn.executemany(
        "INSERT INTO opt_out (recipient, channel) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        [(recipient, c.value) for c in sorted(channels)],
    )


def personal(row: asyncpg.Record | None) -> dict[str, Any]:
    return {
        "language": row["language"] if row else "zh",
        "wechat_linked": bool(row and row["wechat_openid"]),
        "email_known": bool(row and row["email"]),
        "phone_known": bool(row and row["phone"]),
    }
