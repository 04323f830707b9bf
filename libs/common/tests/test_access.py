"""Which tokens the access copy refuses (`fanxiang_common.access.judge`), and the token
claims it judges by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fanxiang_common import devkeys
from fanxiang_common.access import judge
from fanxiang_common.auth import (
    Principal,
    Role,
    VerifiedTokens,
    issue_token,
    unverified_principal,
    verify_cached,
    verify_token,
)
from fanxiang_common.errors import Unauthorized

ISSUED = datetime(2026, 7, 1, 9, 30, 15, tzinfo=UTC)
ALICE = Principal(subject="S-1", role=Role.STUDENT, token_id="j1", issued_at=ISSUED)


def _code(**state: object) -> str | None:
    values: dict[str, object] = {
        "revoked": False,
        "disabled": None,
        "reason": None,
        "tokens_valid_after": None,
    }
    try:
        judge(ALICE, **{**values, **state})  # type: ignore[arg-type]
    except Unauthorized as exc:
        return exc.code
    return None


def test_a_token_nobody_stopped_passes() -> None:
    assert _code() is None
    assert _code(disabled=False, reason="account-enabled") is None


def test_a_signed_out_token_is_refused() -> None:
    assert _code(revoked=True) == "token_revoked"


def test_a_disabled_account_and_a_revoked_api_token_are_refused_by_name() -> None:
    assert _code(disabled=True, reason="account-disabled") == "token_account_disabled"
    assert _code(disabled=True, reason="api-token-revoked") == "token_revoked"
    # Disabled wins over everything else: the message says why.
    assert _code(disabled=True, reason="account-disabled", revoked=True) == (
        "token_account_disabled"
    )


@pytest.mark.parametrize(
    ("cut_off", "refused"),
    [
        (ISSUED + timedelta(seconds=1), True),  # signed out everywhere after it was issued
        (ISSUED - timedelta(seconds=1), False),  # a token from after the sign-out
        # The same second: iat has whole seconds, so the token counts as issued before.
        (ISSUED + timedelta(microseconds=300_000), True),
    ],
)
def test_signing_out_everywhere_refuses_unrecorded_tokens_issued_before(
    cut_off: datetime, refused: bool
) -> None:
    assert (_code(tokens_valid_after=cut_off) == "token_revoked") is refused


def test_the_cut_off_leaves_recorded_tokens_to_their_own_revocation() -> None:
    """As placement does: a token it recorded was revoked by name at the sign-out everywhere
    (TokenRevokedV1); one signed in at the same moment, and missed, still works."""
    recorded = ALICE.model_copy(update={"recorded": True})
    later = ISSUED + timedelta(seconds=1)
    judge(recorded, revoked=False, disabled=False, reason="x", tokens_valid_after=later)
    with pytest.raises(Unauthorized):
        judge(recorded, revoked=True, disabled=False, reason="x", tokens_valid_after=later)


def test_a_token_without_iat_is_refused_once_its_subject_signed_out_everywhere() -> None:
    nameless = ALICE.model_copy(update={"issued_at": None})
    with pytest.raises(Unauthorized):
        judge(nameless, revoked=False, disabled=False, reason="x", tokens_valid_after=ISSUED)


def test_verified_and_unverified_principals_carry_jti_and_iat() -> None:
    token = issue_token(ALICE, devkeys.PRIVATE_KEY)
    verified = verify_token(token, devkeys.PUBLIC_KEY)
    assert verified.token_id == "j1" and verified.recorded is False
    recorded = issue_token(ALICE.model_copy(update={"recorded": True}), devkeys.PRIVATE_KEY)
    assert verify_token(recorded, devkeys.PUBLIC_KEY).recorded is True
    assert verified.issued_at is not None
    assert abs(verified.issued_at - datetime.now(UTC)) < timedelta(seconds=5)
    assert unverified_principal(token) == verified
    with pytest.raises(Unauthorized):
        unverified_principal("not-a-token")


T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_verified_tokens_are_remembered_until_they_expire() -> None:
    cache = VerifiedTokens(size=2)
    who = Principal(subject="S-1", role=Role.STUDENT)
    cache.put("a", who, T0 + timedelta(hours=1))
    assert cache.get("a", T0) == who
    assert cache.get("a", T0 + timedelta(hours=1)) is None  # expired: verify again
    assert cache.get("a", T0) is None  # and forgotten
    cache.put("no-exp", who, None)
    assert cache.get("no-exp", T0) is None
    for name in ("x", "y", "z"):
        cache.put(name, who, T0 + timedelta(hours=1))
    assert [cache.get(n, T0) is not None for n in ("x", "y", "z")] == [False, True, True]


def test_a_verified_signature_is_remembered_and_carries_its_expiry() -> None:
    cache = VerifiedTokens()
    token = issue_token(ALICE, devkeys.PRIVATE_KEY, ttl=timedelta(hours=1))
    first = verify_cached(token, devkeys.PUBLIC_KEY, cache)
    assert first.expires_at is not None
    assert cache.get(token, datetime.now(UTC)) == first
    assert verify_cached(token, devkeys.PUBLIC_KEY, cache) is first  # not verified again
    with pytest.raises(Unauthorized):
        verify_cached(token[:-4] + "AAAA", devkeys.PUBLIC_KEY, cache)  # a forged signature
