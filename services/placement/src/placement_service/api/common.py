"""What every router shares: the caller, typed text fields that PostgreSQL accepts,
Idempotency-Key handling, pagination and the clock."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import asyncpg
import orjson
from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from fanxiang_common.auth import Principal, Role, verify_cached
from fanxiang_common.db.outbox import add_events, outbox_ctes
from fanxiang_common.errors import AppError, Conflict, Forbidden, Unauthorized
from fanxiang_common.events.envelope import EventData
from placement_service.db import accounts
from placement_service.domain.geography import Geography, default_geography
from placement_service.domain.sessions import refuse_if_dead, unverified_claims
from placement_service.runtime import PlacementRuntime

Conn = asyncpg.Connection

API_TOKEN_SUBJECT = "T-"
"""Subjects of tokens exchanged for a unit's API token start with this (revocable)."""


def now() -> datetime:
    return datetime.now(UTC)


def runtime(request: Request) -> PlacementRuntime:
    rt: PlacementRuntime = request.app.state.runtime
    return rt


def geo() -> Geography:
    return default_geography()


_bearer = HTTPBearer(auto_error=False, description="A token issued by POST /v1/auth/tokens")


def _verified(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The token's signature, expiry and claims (no database)."""
    if credentials is None:
        raise Unauthorized(
            "sign in first: send 'Authorization: Bearer <token>'", code="token_missing"
        )
    rt = runtime(request)
    return verify_cached(
        credentials.credentials, rt.settings.jwt_public_key, rt.verified_tokens, now()
    )


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller; a token from a revoked unit API token, a signed-out token and
    every token of a disabled account stop working at once (one query per request).
    (Async on purpose: the common sync dependency costs a thread-pool hop per request.)"""
    principal = _verified(request, credentials)
    async with runtime(request).pool.acquire() as conn:
        if principal.subject.startswith(API_TOKEN_SUBJECT):
            if await accounts.api_token_revoked(conn, principal.subject):
                raise Unauthorized("this API token was revoked", code="token_revoked")
        else:
            state = await accounts.token_state(conn, principal.subject, principal.token_id)
            assert credentials is not None
            refuse_if_dead(state, unverified_claims(credentials.credentials).issued_at)
    return principal


@dataclass(frozen=True)
class SignedIn:
    """A student whose token is verified but not yet checked against revocation: the
    handler MUST call ``refuse_if_dead`` first thing, with the state its own first query
    returns. Only for the busiest endpoint, where this saves a round trip and a pool
    checkout per request (see bench/placement/README.md)."""

    principal: Principal
    issued_at: datetime | None


async def signed_student(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> SignedIn:
    principal = _verified(request, credentials)
    if principal.role is not Role.STUDENT:
        raise Forbidden("this needs one of the roles: student")
    assert credentials is not None
    return SignedIn(principal, unverified_claims(credentials.credentials).issued_at)


SignedStudent = Annotated[SignedIn, Depends(signed_student)]
Caller = Annotated[Principal, Depends(caller)]


def roles(*allowed: Role) -> Callable[..., Awaitable[Principal]]:
    names = ", ".join(sorted(r.value for r in allowed))

    async def dependency(principal: Caller) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"this needs one of the roles: {names}")
        return principal

    return dependency


# --- text PostgreSQL will take ------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_no_control)
]
ShortText = Annotated[Text, StringConstraints(max_length=120)]
LongText = Annotated[Text, StringConstraints(max_length=4000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^1[3-9]\d{9}$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
CountyCode = Annotated[str, StringConstraints(pattern=r"^(\d{6}|city)$")]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
TownshipCode = Annotated[str, StringConstraints(pattern=r"^\d{9}$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(extra="ignore", from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingQ = Annotated[Paging, Depends()]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="A retry with the same key gets the first response; nothing is done twice.",
    ),
]


class _AlreadyDone(Exception):
    """Another request with the same Idempotency-Key committed first."""


async def write(
    request: Request,
    principal: Principal,
    key: str | None,
    action: Callable[[asyncpg.Connection], Awaitable[BaseModel]],
    status_code: int = 200,
) -> JSONResponse:
    """Run ``action`` in one transaction. With an Idempotency-Key the response is stored with
    the change, and a retry gets it again: optimistically, the key is claimed at the end of
    the transaction (one round trip on the common path); a retry, or a concurrent twin,
    finds it taken (its own work rolls back, or fails on the twin's rows) and replays."""
    pool = runtime(request).pool
    try:
        async with pool.acquire() as conn, conn.transaction():
            result = await action(conn)
            body = result.model_dump(mode="json")
            if key and not await conn.fetchval(
                "INSERT INTO idempotent_request (principal, key, method, path, status_code, body)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
                principal.subject,
                key,
                request.method,
                request.url.path,
                status_code,
                body,
            ):
                raise _AlreadyDone
    except Unauthorized:
        raise  # a dead token gets nothing, not even a stored response
    except (AppError, _AlreadyDone):
        if key and (replay := await _replay(request, principal, key)) is not None:
            return replay
        raise
    # orjson: the body is already JSON-ready, and this is the busiest path.
    return _OrjsonResponse(body, status_code=status_code)


@dataclass(frozen=True)
class Claim:
    """An Idempotency-Key's record as a CTE of a single-statement write (`write_in_one`)."""

    principal: str
    key: str | None
    method: str
    path: str
    status_code: int

    def cte(self, body: bytes, gate: str, first: int) -> tuple[str, list[Any]]:
        """Stores ``body`` (the response, JSON) under the key if ``gate`` returned a row; a
        key already taken fails the whole statement on the primary key."""
        p = [f"${first + i}" for i in range(6)]
        sql = f"""idempotency AS (
            INSERT INTO idempotent_request (principal, key, method, path, status_code, body)
            SELECT {p[0]}::text, {p[1]}::text, {p[2]}::text, {p[3]}::text, {p[4]}::int,
                   {p[5]}::text::jsonb
            FROM {gate} WHERE {p[1]}::text IS NOT NULL)"""
        args = [self.principal, self.key, self.method, self.path, self.status_code, body.decode()]
        return sql, args


async def write_in_one(
    request: Request,
    principal: Principal,
    key: str | None,
    action: Callable[[asyncpg.Connection, Claim], Awaitable[bytes]],
    status_code: int = 200,
) -> Response:
    """`write` for a change made by ONE statement, without BEGIN/COMMIT (two round trips
    fewer): ``action`` reads what it checks, then stores everything in a single statement,
    atomic by itself, that includes ``claim.cte(body, …)``, and returns that body. A retry,
    or a concurrent twin, finds the key taken (the statement fails on its primary key and
    stores nothing) or its own change refused (an AppError), and gets the first response."""
    claim = Claim(principal.subject, key, request.method, request.url.path, status_code)
    try:
        async with runtime(request).pool.acquire() as conn:
            body = await action(conn, claim)
    except Unauthorized:
        raise  # a dead token gets nothing, not even a stored response
    except (AppError, asyncpg.UniqueViolationError) as exc:
        replayable = isinstance(exc, AppError) or (
            getattr(exc, "constraint_name", None) == "idempotent_request_pkey"
        )
        if replayable and key and (replay := await _replay(request, principal, key)) is not None:
            return replay
        raise
    return Response(body, status_code=status_code, media_type="application/json")


def emitted(request: Request, *events: EventData) -> Callable[[str, int], tuple[str, list[Any]]]:
    """`emit` for `write_in_one`: the outbox's CTEs (as `add_events` stores them) for the
    statement that makes the change, storing nothing unless ``gate`` returned a row."""
    source = runtime(request).settings.source

    def ctes(gate: str, first: int) -> tuple[str, list[Any]]:
        found = outbox_ctes(events, source=source, first=first, gate=gate)
        return found.sql, found.args

    return ctes


class _OrjsonResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


async def _replay(request: Request, principal: Principal, key: str) -> JSONResponse | None:
    async with runtime(request).pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT method, path, status_code, body FROM idempotent_request"
            " WHERE principal = $1 AND key = $2",
            principal.subject,
            key,
        )
    if row is None:
        return None
    if (row["method"], row["path"]) != (request.method, request.url.path):
        raise Conflict(
            "this Idempotency-Key was already used for another request",
            loc=("header", "Idempotency-Key"),
        )
    return JSONResponse(
        row["body"], status_code=row["status_code"], headers={"Idempotent-Replayed": "true"}
    )


async def emit(request: Request, conn: asyncpg.Connection, *events: EventData) -> None:
    """Into the outbox, in the caller's transaction: two round trips however many events."""
    await add_events(conn, events, source=runtime(request).settings.source)


async def audit(
    conn: asyncpg.Connection,
    principal: Principal,
    action: str,
    subject: str,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit (actor, role, action, subject, reason, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        principal.subject,
        principal.role.value,
        action,
        subject,
        reason,
        detail,
    )


Reason = Annotated[Text, StringConstraints(max_length=500)]


class ReasonIn(Model):
    reason: Reason = Field(description="why; shown to the people affected")


class OptionalReasonIn(Model):
    reason: Reason | None = None
