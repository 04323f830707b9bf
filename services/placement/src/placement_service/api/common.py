"""What every router shares: the caller, typed text fields that PostgreSQL accepts,
Idempotency-Key handling, pagination and the clock."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import asyncpg
from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from fanxiang_common.auth import CurrentPrincipal, Principal, Role
from fanxiang_common.db.outbox import add_event
from fanxiang_common.errors import Conflict, Forbidden, Unauthorized
from fanxiang_common.events.envelope import EventData
from placement_service.db import accounts
from placement_service.domain.geography import Geography, default_geography
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


async def caller(request: Request, principal: CurrentPrincipal) -> Principal:
    """The verified caller; a token from a revoked unit API token stops working at once."""
    if principal.subject.startswith(API_TOKEN_SUBJECT):
        async with runtime(request).pool.acquire() as conn:
            if await accounts.api_token_revoked(conn, principal.subject):
                raise Unauthorized("this API token was revoked", code="token_revoked")
    return principal


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


async def write(
    request: Request,
    principal: Principal,
    key: str | None,
    action: Callable[[asyncpg.Connection], Awaitable[BaseModel]],
    status_code: int = 200,
) -> JSONResponse:
    """Run ``action`` in one transaction; with an Idempotency-Key, keep its response and give
    it again to a retry (concurrent retries wait on the key's row, then replay)."""
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        if key:
            claimed = await conn.fetchval(
                "INSERT INTO idempotent_request (principal, key, method, path)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
                principal.subject,
                key,
                request.method,
                request.url.path,
            )
            if not claimed:
                row = await conn.fetchrow(
                    "SELECT method, path, status_code, body FROM idempotent_request"
                    " WHERE principal = $1 AND key = $2",
                    principal.subject,
                    key,
                )
                if (
                    row is None
                    or (row["method"], row["path"]) != (request.method, request.url.path)
                    or row["status_code"] is None
                ):
                    raise Conflict(
                        "this Idempotency-Key was already used for another request",
                        loc=("header", "Idempotency-Key"),
                    )
                return JSONResponse(
                    row["body"],
                    status_code=row["status_code"],
                    headers={"Idempotent-Replayed": "true"},
                )
        result = await action(conn)
        body = result.model_dump(mode="json")
        if key:
            await conn.execute(
                "UPDATE idempotent_request SET status_code = $3, body = $4"
                " WHERE principal = $1 AND key = $2",
                principal.subject,
                key,
                status_code,
                body,
            )
    return JSONResponse(body, status_code=status_code)


async def emit(request: Request, conn: asyncpg.Connection, *events: EventData) -> None:
    source = runtime(request).settings.source
    for event in events:
        await add_event(conn, event, source=source)


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
