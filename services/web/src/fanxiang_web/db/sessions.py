"""Sign-in sessions and 志愿 drafts in the web's own database."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg


@dataclass(frozen=True)
class Session:
    token: str
    subject: str
    role: str
    unit_id: str | None
    county: str | None
    city: str | None
    phone: str
    expires_at: datetime


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


async def create(conn: asyncpg.Connection, session: Session) -> str:
    """Store a session; returns the id for the cookie (only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    await conn.execute("DELETE FROM web_session WHERE expires_at < now()")
    await conn.execute(
        "INSERT INTO web_session (session_hash, token, subject, role, unit_id, county, city,"
        " phone, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        _hash(session_id),
        session.token,
        session.subject,
        session.role,
        session.unit_id,
        session.county,
        session.city,
        session.phone,
        session.expires_at,
    )
    return session_id


async def get(conn: asyncpg.Connection, session_id: str) -> Session | None:
    row = await conn.fetchrow(
        "SELECT token, subject, role, unit_id, county, city, phone, expires_at FROM web_session"
        " WHERE session_hash = $1 AND expires_at > now()",
        _hash(session_id),
    )
    return Session(**dict(row)) if row else None


async def delete(conn: asyncpg.Connection, session_id: str) -> None:
    await conn.execute("DELETE FROM web_session WHERE session_hash = $1", _hash(session_id))


async def delete_all(conn: asyncpg.Connection, subject: str) -> None:
    """Every session of one person (signed out everywhere: their tokens are revoked)."""
    await conn.execute("DELETE FROM web_session WHERE subject = $1", subject)


def expiry(expires_in_s: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=expires_in_s)


async def draft(conn: asyncpg.Connection, subject: str, season_id: str) -> list[str] | None:
    choices = await conn.fetchval(
        "SELECT choices FROM choice_draft WHERE subject = $1 AND season_id = $2",
        subject,
        season_id,
    )
    return list(choices) if choices is not None else None


async def save_draft(
    conn: asyncpg.Connection, subject: str, season_id: str, choices: list[str]
) -> None:
    await conn.execute(
        "INSERT INTO choice_draft (subject, season_id, choices) VALUES ($1, $2, $3)"
        " ON CONFLICT (subject, season_id) DO UPDATE SET choices = $3, updated_at = now()",
        subject,
        season_id,
        choices,
    )


async def drop_draft(conn: asyncpg.Connection, subject: str, season_id: str) -> None:
    await conn.execute(
        "DELETE FROM choice_draft WHERE subject = $1 AND season_id = $2", subject, season_id
    )
