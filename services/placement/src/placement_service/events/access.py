"""What placement tells the other services when tokens stop working before they expire
(``placement.access.v1``; they keep a copy and refuse those tokens: fanxiang_common.access)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fanxiang_common.events.placement import AccessChangedV1, AccessReason, TokenRevokedV1


def token_revoked(subject: str, jti: str, expires_at: datetime) -> TokenRevokedV1:
    return TokenRevokedV1(subject=subject, jti=jti, expires_at=expires_at)


def access_changed(account: dict[str, Any], reason: AccessReason) -> AccessChangedV1:
    """An account's whole access state, from its row (``active``, ``tokens_valid_after``)."""
    return AccessChangedV1(
        subject=account["account_id"],
        reason=reason,
        disabled=not account["active"],
        tokens_valid_after=account["tokens_valid_after"],
        changed_at=datetime.now(UTC),
    )


def api_token_revoked(token_id: str, revoked_at: datetime) -> AccessChangedV1:
    """A unit's API token: the bearer tokens its systems got from it stop working too."""
    return AccessChangedV1(
        subject=token_id, reason="api-token-revoked", disabled=True, changed_at=revoked_at
    )
