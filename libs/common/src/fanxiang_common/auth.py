"""Bearer tokens: placement issues them (Ed25519-signed JWTs), every service verifies them.

A token carries who the caller is and the scope their role works in: a unit's id, a county
committee's county, a liaison's study city. Handlers then decide with `Principal.can_*` helpers
or their own rules; this module only answers "who is calling".
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from fanxiang_common.errors import Forbidden, Unauthorized

ISSUER = "fanxiang-placement"
AUDIENCE = "fanxiang"
ALGORITHM = "EdDSA"


class Role(StrEnum):
    STUDENT = "student"
    UNIT = "unit"
    COUNTY = "county"  # 县区团委, incl. the development zone's 团工委
    COORDINATOR = "coordinator"  # 团市委
    LIAISON = "liaison"  # 在外联络员
    OFFICER = "officer"  # 临时团支部委员
    SERVICE = "service"  # another Fanxiang service


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    role: Role
    unit_id: str | None = None
    county: str | None = None
    city: str | None = None
    token_id: str | None = None
    issued_at: datetime | None = None
    recorded: bool = False
    """Placement keeps this token's jti (a person's sign-in), so it revokes it by name."""
    expires_at: datetime | None = None

    def in_county(self, county: str) -> bool:
        return self.role is Role.COORDINATOR or (self.role is Role.COUNTY and self.county == county)


def issue_token(
    principal: Principal, private_key: str, *, ttl: timedelta = timedelta(hours=12)
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.subject,
        "role": principal.role.value,
        "iat": now,
        "exp": now + ttl,
        "jti": principal.token_id or uuid.uuid4().hex,
    }
    for name in ("unit_id", "county", "city"):
        if (value := getattr(principal, name)) is not None:
            claims[name] = value
    if principal.recorded:
        claims["rec"] = True
    return jwt.encode(claims, private_key, algorithm=ALGORITHM)


def verify_token(token: str, public_key: Any) -> Principal:
    """``public_key``: the PEM, or the key `public_key(pem)` parsed once."""
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("the token has expired; sign in again", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the token is not valid: {exc}", code="token_invalid") from exc
    return _principal(claims)


def refuse_stopped_token(
    *,
    issued_at: datetime | None,
    recorded: bool,
    revoked: bool,
    disabled: bool | None,
    reason: str | None,
    tokens_valid_after: datetime | None,
) -> None:
    """The one rule, for placement (from its own tables) and for every copy: 401 if the
    account is disabled (or the API token revoked), the token signed out, or, for a token
    placement did not record, issued before a sign-out everywhere. A recorded token was
    revoked by name at the sign-out everywhere; the cut-off is for the others only."""
    if disabled:
        if reason == "api-token-revoked":
            raise Unauthorized("this API token was revoked", code="token_revoked")
        raise Unauthorized("this account is disabled", code="token_account_disabled")
    if revoked:
        raise Unauthorized("this token was signed out; sign in again", code="token_revoked")
    if (
        tokens_valid_after is not None
        and not recorded
        and (issued_at is None or issued_at < tokens_valid_after)
    ):
        raise Unauthorized("this token was signed out; sign in again", code="token_revoked")


def unverified_principal(token: str) -> Principal:
    """Who a token names, without checking its signature or expiry: only for a token this
    process verified before and kept (e.g. the web's session store)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the token is not valid: {exc}", code="token_invalid") from exc
    return _principal(claims)


def _principal(claims: dict[str, Any]) -> Principal:
    try:
        return Principal(
            subject=claims["sub"],
            role=Role(str(claims.get("role"))),
            unit_id=claims.get("unit_id"),
            county=claims.get("county"),
            city=claims.get("city"),
            token_id=claims.get("jti"),
            issued_at=_moment(claims.get("iat")),
            recorded=claims.get("rec") is True,
            expires_at=_moment(claims.get("exp")),
        )
    except (KeyError, ValueError) as exc:
        raise Unauthorized("the token names no known role", code="token_invalid") from exc


def _moment(seconds: Any) -> datetime | None:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        return None
    return datetime.fromtimestamp(seconds, UTC)


@functools.lru_cache(maxsize=4)
def public_key(pem: str) -> Any:
    """The parsed key: PyJWT takes key objects, and parsing the PEM on every request (what
    passing the string costs) is a measurable share of a request's CPU."""
    return serialization.load_pem_public_key(pem.encode())


class VerifiedTokens:
    """Tokens whose signature was already verified, until they expire: an Ed25519 check
    (~0.3 ms here) is the largest single CPU cost of an ordinary request, and a person sends
    many requests with one token. Only the signature is remembered: revocation is still
    checked on every request. Bounded; the oldest entry goes first."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._tokens: dict[str, tuple[Principal, datetime]] = {}

    def get(self, token: str, now: datetime) -> Principal | None:
        hit = self._tokens.get(token)
        if hit is None:
            return None
        if now >= hit[1]:
            del self._tokens[token]
            return None
        return hit[0]

    def put(self, token: str, principal: Principal, expires_at: datetime | None) -> None:
        if expires_at is None:
            return
        if len(self._tokens) >= self._size:
            del self._tokens[next(iter(self._tokens))]
        self._tokens[token] = (principal, expires_at)


def verify_cached(
    token: str, pem: str, cache: VerifiedTokens, now: datetime | None = None
) -> Principal:
    """`verify_token`, remembering a good signature in ``cache`` until the token expires."""
    if (known := cache.get(token, now or datetime.now(UTC))) is not None:
        return known
    principal = verify_token(token, public_key(pem))
    cache.put(token, principal, principal.expires_at)
    return principal


_bearer = HTTPBearer(auto_error=False, description="A token issued by the placement service")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """FastAPI dependency: the verified caller, or 401."""
    if credentials is None:
        raise Unauthorized(
            "sign in first: send 'Authorization: Bearer <token>'", code="token_missing"
        )
    runtime = request.app.state.runtime
    principal = verify_cached(
        credentials.credentials, runtime.settings.jwt_public_key, runtime.verified_tokens
    )
    # Signed out, disabled or revoked since it was issued? (fanxiang_common.access)
    await runtime.refuse_if_revoked(principal)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """FastAPI dependency factory: the caller, if their role is one of ``roles``; else 403."""
    allowed: Iterable[Role] = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"this needs one of the roles: {names}")
        return principal

    return dependency
