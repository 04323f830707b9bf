"""SQL for accounts, one-time codes and unit API tokens."""

from __future__ import annotations

import os
import random
from datetime import datetime
from typing import Any

import asyncpg

from placement_service.db.scope import managed_by
from placement_service.domain.geography import default_geography
from placement_service.domain.sessions import TokenState

_ACCOUNT = (
    "account_id, phone, role, name, unit_id, county, city, active, created_at, disabled_at,"
    " disabled_reason"
)


# Ids need to be unique, not secret (every read is authorised): 64 bits from a generator
# seeded once per process, instead of a getrandom() system call per id.
_ids = random.Random(os.urandom(32))


def new_id(prefix: str) -> str:
    return f"{prefix}-{_ids.getrandbits(64):016x}"


async def ensure_coordinator(conn: asyncpg.Connection, phone: str) -> None:
    await conn.execute(
        "INSERT INTO account (account_id, phone, role, name, created_by)"
        " VALUES ($1, $2, 'coordinator', '团市委', 'bootstrap') ON CONFLICT (phone) DO NOTHING",
        "A-coordinator",
        phone,
    )


async def by_phone(conn: asyncpg.Connection, phone: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {_ACCOUNT} FROM account WHERE phone = $1", phone)
    return dict(row) if row else None


async def get(conn: asyncpg.Connection, account_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {_ACCOUNT} FROM account WHERE account_id = $1", account_id)
    return dict(row) if row else None


async def insert(conn: asyncpg.Connection, **a: Any) -> dict[str, Any] | None:
    """The new account, or None if the phone already has one."""
    row = await conn.fetchrow(
        f"""INSERT INTO account (account_id, phone, role, name, unit_id, county, city, created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (phone) DO NOTHING
            RETURNING {_ACCOUNT}""",
        a["account_id"],
        a["phone"],
        a["role"],
        a.get("name"),
        a.get("unit_id"),
        a.get("county"),
        a.get("city"),
        a["created_by"],
    )
    return dict(row) if row else None


async def list_(
    conn: asyncpg.Connection, role: str | None, limit: int, offset: int, org: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """``org``: only the admin accounts of the units that committee manages (属地)."""
    scope = managed_by("u.county", "u.township", "$4", "$5")
    columns = ", ".join(f"a.{c.strip()}" for c in _ACCOUNT.split(","))
    rows = await conn.fetch(
        f"SELECT {columns}, count(*) OVER () AS total FROM account a"
        " LEFT JOIN unit u ON u.unit_id = a.unit_id"
        " WHERE ($1::text IS NULL OR a.role = $1)"
        f" AND ($4::text IS NULL OR (a.role = 'unit' AND {scope}))"
        " ORDER BY a.created_at, a.account_id LIMIT $2 OFFSET $3",
        role,
        limit,
        offset,
        org,
        sorted(default_geography().zones),
    )
    return [dict(r) for r in rows], (rows[0]["total"] if rows else 0)


# --- one-time codes ---------------------------------------------------------------------------


async def code(
    conn: asyncpg.Connection, account_id: str, purpose: str, lock: bool = False
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT code_hash, sent_at, expires_at, attempts, used FROM one_time_code"
        f" WHERE account_id = $1 AND purpose = $2{' FOR UPDATE' if lock else ''}",
        account_id,
        purpose,
    )
    return dict(row) if row else None


async def store_code(
    conn: asyncpg.Connection,
    account_id: str,
    purpose: str,
    code_hash: str,
    sent_at: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO one_time_code (account_id, purpose, code_hash, sent_at, expires_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (account_id, purpose) DO UPDATE SET code_hash = EXCLUDED.code_hash,
               sent_at = EXCLUDED.sent_at, expires_at = EXCLUDED.expires_at, attempts = 0,
               used = false""",
        account_id,
        purpose,
        code_hash,
        sent_at,
        expires_at,
    )


async def count_attempt(conn: asyncpg.Connection, account_id: str, purpose: str) -> None:
    await conn.execute(
        "UPDATE one_time_code SET attempts = attempts + 1 WHERE account_id = $1 AND purpose = $2",
        account_id,
        purpose,
    )


async def use_code(conn: asyncpg.Connection, account_id: str, purpose: str) -> None:
    await conn.execute(
        "UPDATE one_time_code SET used = true WHERE account_id = $1 AND purpose = $2",
        account_id,
        purpose,
    )


# --- unit API tokens --------------------------------------------------------------------------


async def insert_api_token(
    conn: asyncpg.Connection,
    token_id: str,
    unit_id: str,
    token_hash: str,
    label: str,
    created_by: str,
) -> dict[str, Any]:
    row = await conn.fetchrow(
        "INSERT INTO unit_api_token (token_id, unit_id, token_hash, label, created_by)"
        " VALUES ($1, $2, $3, $4, $5)"
        " RETURNING token_id, unit_id, label, created_at, revoked_at",
        token_id,
        unit_id,
        token_hash,
        label,
        created_by,
    )
    return dict(row)


async def api_tokens(conn: asyncpg.Connection, unit_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT token_id, unit_id, label, created_at, revoked_at FROM unit_api_token"
        " WHERE unit_id = $1 ORDER BY created_at",
        unit_id,
    )
    return [dict(r) for r in rows]


async def api_token_by_hash(conn: asyncpg.Connection, token_hash: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT token_id, unit_id, revoked_at FROM unit_api_token WHERE token_hash = $1",
        token_hash,
    )
    return dict(row) if row else None


async def api_token_revoked(conn: asyncpg.Connection, token_id: str) -> bool:
    revoked: bool | None = await conn.fetchval(
        "SELECT revoked_at IS NOT NULL FROM unit_api_token WHERE token_id = $1", token_id
    )
    return revoked is not False


async def revoke_api_token(
    conn: asyncpg.Connection, unit_id: str, token_id: str
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "UPDATE unit_api_token SET revoked_at = coalesce(revoked_at, now())"
        " WHERE unit_id = $1 AND token_id = $2"
        " RETURNING token_id, unit_id, label, created_at, revoked_at",
        unit_id,
        token_id,
    )
    return dict(row) if row else None


# --- disabling accounts -----------------------------------------------------------------------


async def set_active(
    conn: asyncpg.Connection, account_id: str, active: bool, by: str, reason: str | None
) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"""UPDATE account SET active = $2,
                disabled_at = CASE WHEN $2 THEN NULL ELSE now() END,
                disabled_by = CASE WHEN $2 THEN NULL ELSE $3 END,
                disabled_reason = CASE WHEN $2 THEN NULL ELSE $4 END
            WHERE account_id = $1 RETURNING {_ACCOUNT}, tokens_valid_after""",
        account_id,
        active,
        by,
        reason,
    )
    return dict(row) if row else None


# --- people's tokens (sessions) ---------------------------------------------------------------


async def token_state(conn: asyncpg.Connection, subject: str, jti: str | None) -> TokenState:
    """One round trip: the account's state and the token's row, if any."""
    row = await conn.fetchrow(
        """SELECT a.active, a.tokens_valid_after, t.jti IS NOT NULL AS recorded, t.revoked_at
           FROM (SELECT 1) one
           LEFT JOIN account a ON a.account_id = $1
           LEFT JOIN person_token t ON t.jti = $2""",
        subject,
        jti,
    )
    assert row is not None
    return TokenState(row["active"], row["tokens_valid_after"], row["recorded"], row["revoked_at"])


async def record_token(
    conn: asyncpg.Connection, jti: str, account_id: str, issued_at: datetime, expires_at: datetime
) -> None:
    """Keep the issued token (for revocation); drop this person's expired ones on the way."""
    await conn.execute(
        "WITH gone AS (DELETE FROM person_token WHERE account_id = $2 AND expires_at < now())"
        " INSERT INTO person_token (jti, account_id, issued_at, expires_at)"
        " VALUES ($1, $2, $3, $4)",
        jti,
        account_id,
        issued_at,
        expires_at,
    )


async def revoke_token(
    conn: asyncpg.Connection, jti: str, account_id: str, expires_at: datetime
) -> None:
    """Sign one token out (also one placement did not record)."""
    await conn.execute(
        "INSERT INTO person_token (jti, account_id, issued_at, expires_at, revoked_at)"
        " VALUES ($1, $2, now(), $3, now())"
        " ON CONFLICT (jti) DO UPDATE SET revoked_at = coalesce(person_token.revoked_at, now())",
        jti,
        account_id,
        expires_at,
    )


async def revoke_all(
    conn: asyncpg.Connection, account_id: str
) -> tuple[dict[str, Any] | None, list[tuple[str, datetime]]]:
    """Sign out everywhere: every token issued until now stops working. Returns the account
    (its new ``tokens_valid_after``; None if the subject has none) and the recorded tokens
    revoked, as (jti, expires_at)."""
    account = await conn.fetchrow(
        f"UPDATE account SET tokens_valid_after = now() WHERE account_id = $1"
        f" RETURNING {_ACCOUNT}, tokens_valid_after",
        account_id,
    )
    revoked = await conn.fetch(
        "UPDATE person_token SET revoked_at = now()"
        " WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > now()"
        " RETURNING jti, expires_at",
        account_id,
    )
    return (dict(account) if account else None), [(r["jti"], r["expires_at"]) for r in revoked]
