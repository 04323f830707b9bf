"""Tokens stopped before they expire are refused by every service, not only by placement.

Services verify tokens locally (Ed25519), so on its own a service would accept a signed-out
token, or one of a disabled account, until it expires (≤ 12 h for people, 1 h for a unit's
systems). Placement publishes each such change on ``placement.access.v1`` (`TokenRevokedV1`,
`AccessChangedV1`); every other service keeps a copy in two small tables through its access
consumer (`access_consumer`, added by `ServiceRuntime`) and looks each request's token up
there (`refuse_if_revoked`: one indexed query).

The copy lags placement by the outbox relay and the consumer, normally well under a second;
while Kafka is down, only placement refuses at once. See docs/placement.md, "Sessions".
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from fanxiang_common.auth import Principal, refuse_stopped_token
from fanxiang_common.events.envelope import Envelope
from fanxiang_common.events.placement import AccessChangedV1, TokenRevokedV1
from fanxiang_common.events.topics import ACCESS
from fanxiang_common.kafka.consumer import EventConsumer


def judge(
    principal: Principal,
    *,
    revoked: bool,
    disabled: bool | None,
    reason: str | None,
    tokens_valid_after: datetime | None,
) -> None:
    """Raise 401 if what placement published says this token must no longer work."""
    refuse_stopped_token(
        issued_at=principal.issued_at,
        recorded=principal.recorded,
        revoked=revoked,
        disabled=disabled,
        reason=reason,
        tokens_valid_after=tokens_valid_after,
    )


async def refuse_if_revoked(conn: asyncpg.Connection, principal: Principal) -> None:
    row = await conn.fetchrow(
        """SELECT EXISTS (SELECT 1 FROM revoked_token WHERE jti = $2) AS revoked,
                  s.disabled, s.reason, s.tokens_valid_after
           FROM (SELECT 1) one LEFT JOIN subject_access s ON s.subject = $1""",
        principal.subject,
        principal.token_id or "",
    )
    assert row is not None
    judge(
        principal,
        revoked=row["revoked"],
        disabled=row["disabled"],
        reason=row["reason"],
        tokens_valid_after=row["tokens_valid_after"],
    )


async def record_access_change(conn: asyncpg.Connection, envelope: Envelope) -> None:
    """Keeps this service's copy of which tokens placement stopped (refused on each request)."""
    event = envelope.payload()
    if isinstance(event, TokenRevokedV1):
        await conn.execute(
            "WITH forgotten AS (DELETE FROM revoked_token WHERE expires_at < now())"
            " INSERT INTO revoked_token (jti, subject, expires_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (jti) DO NOTHING",
            event.jti,
            event.subject,
            event.expires_at,
        )
    elif isinstance(event, AccessChangedV1):
        # Each event carries the whole state. The subject's event sequence (assigned in commit
        # order by placement's outbox) decides, not a clock: a replayed older event, or one
        # from a replica whose clock is behind, never undoes a newer state.
        await conn.execute(
            """INSERT INTO subject_access
                   (subject, disabled, reason, tokens_valid_after, changed_at, version)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (subject) DO UPDATE SET disabled = EXCLUDED.disabled,
                   reason = EXCLUDED.reason, tokens_valid_after = EXCLUDED.tokens_valid_after,
                   changed_at = EXCLUDED.changed_at, version = EXCLUDED.version
               WHERE subject_access.version < EXCLUDED.version""",
            event.subject,
            event.disabled,
            event.reason,
            event.tokens_valid_after,
            event.changed_at,
            envelope.sequence,
        )


def access_consumer(service: str) -> EventConsumer:
    return EventConsumer(group=f"{service}.access", topic=ACCESS.name, handler=record_access_change)
