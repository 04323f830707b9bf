"""Whether a person's bearer token still works: its signature and expiry are checked by
``fanxiang_common.auth``; this adds what only placement knows — the account disabled, the
token signed out, or all tokens issued before a "sign out everywhere"."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from fanxiang_common.auth import refuse_stopped_token


@dataclass(frozen=True)
class TokenState:
    """What the database says about a token's account and jti (None: no such row)."""

    account_active: bool | None
    tokens_valid_after: datetime | None
    recorded: bool
    revoked_at: datetime | None


def refuse_if_dead(state: TokenState, issued_at: datetime | None) -> None:
    """Raise 401 if the token must no longer work (the rule every service applies:
    `fanxiang_common.auth.refuse_stopped_token`). A token whose subject has no account (a
    service's) is judged by its signature alone."""
    refuse_stopped_token(
        issued_at=issued_at,
        recorded=state.recorded,
        revoked=state.revoked_at is not None,
        disabled=state.account_active is False,
        reason="account-disabled",
        tokens_valid_after=state.tokens_valid_after,
    )


@dataclass(frozen=True)
class Claims:
    issued_at: datetime | None
    expires_at: datetime | None


def unverified_claims(token: str) -> Claims:
    """``iat`` and ``exp`` of a token whose signature was already verified (the common
    verifier returns only who is calling)."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, orjson.JSONDecodeError):
        return Claims(None, None)

    def moment(name: str) -> datetime | None:
        value = claims.get(name) if isinstance(claims, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        return None

    return Claims(moment("iat"), moment("exp"))
