"""Signing in: a one-time code by SMS (notify delivers it), then a bearer token; a unit's
systems exchange their API token for a short-lived bearer token."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import Field

from fanxiang_common.auth import Principal, Role, issue_token
from fanxiang_common.errors import Forbidden, Unauthorized
from fanxiang_common.events.placement import (
    AccessChangedV1,
    LoginCodeRequestedV1,
    TokenRevokedV1,
)
from placement_service.api.common import (
    API_TOKEN_SUBJECT,
    Caller,
    Model,
    Out,
    Phone,
    emit,
    now,
    runtime,
)
from placement_service.db import accounts
from placement_service.domain import codes
from placement_service.domain.sessions import unverified_claims
from placement_service.events.access import access_changed, token_revoked

router = APIRouter(prefix="/v1/auth", tags=["auth"])

API_TOKEN_TTL = timedelta(hours=1)


class CodeRequest(Model):
    phone: Phone = Field(description="mainland mobile number, 11 digits")


class CodeSent(Out):
    expires_at: datetime
    resend_after_s: int
    dev_code: str | None = Field(
        default=None, description="development and test only: the code itself"
    )


class TokenRequest(Model):
    phone: Phone
    code: str = Field(pattern=r"^\d{6}$")


class ApiTokenExchange(Model):
    api_token: str = Field(min_length=10, max_length=200)


class TokenOut(Out):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    subject: str
    token_id: str | None = Field(default=None, description="the token's jti")
    role: Role
    unit_id: str | None = None
    county: str | None = None
    city: str | None = None


def inactive_message(account: dict[str, Any]) -> str:
    if account["disabled_at"] is None:
        return "this account is waiting for its registration to be approved"
    return "this account is disabled"


def _principal(account: dict[str, Any]) -> Principal:
    return Principal(
        subject=account["account_id"],
        role=Role(account["role"]),
        unit_id=account["unit_id"],
        county=account["county"],
        city=account["city"],
    )


def _token(request: Request, principal: Principal, ttl: timedelta) -> TokenOut:
    key = runtime(request).settings.jwt_private_key
    return TokenOut(
        access_token=issue_token(principal, key, ttl=ttl),
        token_id=principal.token_id,
        expires_in=int(ttl.total_seconds()),
        subject=principal.subject,
        role=principal.role,
        unit_id=principal.unit_id,
        county=principal.county,
        city=principal.city,
    )


async def send_code(request: Request, conn: Any, account: dict[str, Any], purpose: str) -> CodeSent:
    """Store a fresh code's hash and hand the code to notify through the outbox."""
    settings = runtime(request).settings
    moment = now()
    earlier = await accounts.code(conn, account["account_id"], purpose, lock=True)
    codes.may_resend(earlier["sent_at"] if earlier and not earlier["used"] else None, moment)
    code = codes.new_code()
    expires = moment + codes.CODE_TTL
    digest = codes.hash_code(settings.code_pepper, account["account_id"], purpose, code)
    await accounts.store_code(conn, account["account_id"], purpose, digest, moment, expires)
    await emit(
        request,
        conn,
        LoginCodeRequestedV1(
            account_id=account["account_id"],
            role=account["role"],
            phone=account["phone"],
            code=code,
            purpose=purpose,
            expires_at=expires,
        ),
    )
    return CodeSent(
        expires_at=expires,
        resend_after_s=int(codes.RESEND_AFTER.total_seconds()),
        dev_code=code if settings.shows_dev_codes else None,
    )


async def verify_code(
    request: Request, conn: Any, account_id: str, purpose: str, code: str
) -> None:
    """Check a code; a wrong one counts as an attempt (committed even though we refuse)."""
    settings = runtime(request).settings
    stored = await accounts.code(conn, account_id, purpose, lock=True)
    candidate = codes.hash_code(settings.code_pepper, account_id, purpose, code)
    try:
        codes.check_code(
            codes.StoredCode(
                stored["code_hash"], stored["expires_at"], stored["attempts"], stored["used"]
            )
            if stored
            else None,
            candidate,
            now(),
        )
    except Unauthorized as exc:
        if exc.code == "code_wrong":
            await accounts.count_attempt(conn, account_id, purpose)
        raise
    await accounts.use_code(conn, account_id, purpose)


@router.post("/codes", status_code=status.HTTP_202_ACCEPTED, response_model=CodeSent)
async def request_code(body: CodeRequest, request: Request) -> CodeSent:
    """Send a sign-in code to a phone. A phone nobody registered becomes a new student
    account (students sign themselves up; units, committees and liaisons are registered)."""
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        account = await accounts.by_phone(conn, body.phone)
        if account is None:
            account = await accounts.insert(
                conn,
                account_id=accounts.new_id("S"),
                phone=body.phone,
                role=Role.STUDENT.value,
                created_by="self",
            ) or await accounts.by_phone(conn, body.phone)
        assert account is not None
        if not account["active"]:
            raise Unauthorized(inactive_message(account), loc=("body", "phone"))
        return await send_code(request, conn, account, "login")


@router.post("/tokens", response_model=TokenOut)
async def sign_in(body: TokenRequest, request: Request) -> TokenOut:
    """Exchange phone + code for a bearer token that every service accepts."""
    settings = runtime(request).settings
    async with runtime(request).pool.acquire() as conn:
        account = await accounts.by_phone(conn, body.phone)
        if account is None:
            raise Unauthorized("request a code first", loc=("body", "phone"), code="code_missing")
        if not account["active"]:
            raise Unauthorized(inactive_message(account), loc=("body", "phone"))
        # Its own transaction so that a wrong attempt is counted even though we refuse.
        async with conn.transaction():
            try:
                await verify_code(request, conn, account["account_id"], "login", body.code)
            except Unauthorized as exc:
                failure: Unauthorized | None = exc
            else:
                failure = None
        if failure is not None:
            raise failure
        ttl = timedelta(hours=settings.token_ttl_hours)
        principal = _principal(account).model_copy(
            update={"token_id": uuid.uuid4().hex, "recorded": True}
        )
        issued = now()
        token = _token(request, principal, ttl)
        await accounts.record_token(
            conn, str(principal.token_id), principal.subject, issued, issued + ttl
        )
    return token


@router.post("/unit-tokens", response_model=TokenOut)
async def exchange_api_token(body: ApiTokenExchange, request: Request) -> TokenOut:
    """A unit's system trades its API token for a one-hour bearer token (refused at once
    when the API token is revoked)."""
    async with runtime(request).pool.acquire() as conn:
        row = await accounts.api_token_by_hash(conn, codes.hash_api_token(body.api_token))
    if row is None or row["revoked_at"] is not None:
        raise Unauthorized(
            "unknown or revoked API token", loc=("body", "api_token"), code="token_invalid"
        )
    principal = Principal(subject=row["token_id"], role=Role.UNIT, unit_id=row["unit_id"])
    return _token(request, principal, API_TOKEN_TTL)


class SignedOut(Out):
    revoked: int = Field(description="how many tokens stopped working")


def _person_only(principal: Principal) -> None:
    if principal.subject.startswith(API_TOKEN_SUBJECT):
        raise Forbidden("a unit's system signs out by revoking its API token")


def _bearer_token(request: Request) -> str:
    return request.headers["authorization"].partition(" ")[2].strip()


@router.post("/sign-out", response_model=SignedOut)
async def sign_out(request: Request, principal: Caller) -> SignedOut:
    """Revoke the token this request carries: placement refuses it at once, the other
    services as soon as `placement.access.v1` reaches them (normally within a second)."""
    _person_only(principal)
    if principal.token_id is None:
        raise Unauthorized("this token has no id and cannot be signed out", code="token_invalid")
    expires = unverified_claims(_bearer_token(request)).expires_at or now()
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        await accounts.revoke_token(conn, principal.token_id, principal.subject, expires)
        await emit(request, conn, token_revoked(principal.subject, principal.token_id, expires))
    return SignedOut(revoked=1)


@router.post("/sign-out-everywhere", response_model=SignedOut)
async def sign_out_everywhere(request: Request, principal: Caller) -> SignedOut:
    """Revoke every token of the caller issued until now (e.g. a lost phone), in every
    service."""
    _person_only(principal)
    async with runtime(request).pool.acquire() as conn, conn.transaction():
        account, tokens = await accounts.revoke_all(conn, principal.subject)
        if principal.token_id is not None:
            expires = unverified_claims(_bearer_token(request)).expires_at or now()
            await accounts.revoke_token(conn, principal.token_id, principal.subject, expires)
            tokens.append((principal.token_id, expires))
        events: list[AccessChangedV1 | TokenRevokedV1] = [
            token_revoked(principal.subject, jti, expires) for jti, expires in dict(tokens).items()
        ]
        if account is not None:
            events.append(access_changed(account, "signed-out-everywhere"))
        await emit(request, conn, *events)
    return SignedOut(revoked=max(len(dict(tokens)), 1))
