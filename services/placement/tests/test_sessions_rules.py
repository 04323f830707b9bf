"""When a person's token stops working, and who may disable an account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fanxiang_common import devkeys
from fanxiang_common.auth import Principal, Role, issue_token
from fanxiang_common.errors import Forbidden, Unauthorized, Unprocessable
from placement_service.domain.accounts import may_switch
from placement_service.domain.geography import default_geography
from placement_service.domain.sessions import (
    TokenState,
    refuse_if_dead,
    unverified_claims,
)

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
GEO = default_geography()


def _state(**kw: object) -> TokenState:
    base: dict[str, object] = {
        "account_active": True,
        "tokens_valid_after": None,
        "recorded": True,
        "revoked_at": None,
    }
    return TokenState(**{**base, **kw})  # type: ignore[arg-type]


def _code(state: TokenState, issued_at: datetime | None = T0) -> str | None:
    try:
        refuse_if_dead(state, issued_at)
    except Unauthorized as exc:
        return exc.code
    return None


def test_a_live_token_of_an_active_account_works() -> None:
    assert _code(_state()) is None


def test_a_token_without_an_account_is_judged_by_its_signature() -> None:
    assert _code(_state(account_active=None, recorded=False)) is None


def test_a_disabled_account_stops_every_token() -> None:
    assert _code(_state(account_active=False)) == "token_account_disabled"


def test_a_signed_out_token_is_refused() -> None:
    assert _code(_state(revoked_at=T0)) == "token_revoked"


def test_unrecorded_tokens_issued_before_sign_out_everywhere_are_refused() -> None:
    cut = T0 + timedelta(seconds=1)
    assert _code(_state(recorded=False, tokens_valid_after=cut)) == "token_revoked"
    assert _code(_state(recorded=False, tokens_valid_after=cut), None) == "token_revoked"
    assert _code(_state(recorded=False, tokens_valid_after=T0)) is None
    # A recorded token after the cut-off (a new sign-in in the same second) still works.
    assert _code(_state(recorded=True, tokens_valid_after=cut)) is None


def test_claims_are_read_from_a_token() -> None:
    token = issue_token(Principal(subject="S-1", role=Role.STUDENT), devkeys.PRIVATE_KEY)
    claims = unverified_claims(token)
    assert claims.issued_at is not None and claims.expires_at is not None
    assert claims.expires_at - claims.issued_at == timedelta(hours=12)
    assert unverified_claims("not-a-token") == unverified_claims("a.%%%.c")
    assert unverified_claims("a.bnVsbA.c").issued_at is None  # payload 'null'


COORDINATOR = Principal(subject="A-c", role=Role.COORDINATOR)
CHENGQU = Principal(subject="A-k", role=Role.COUNTY, county="140302")
ZONE = Principal(subject="A-z", role=Role.COUNTY, county="140311400")


def test_the_coordinator_switches_any_account_but_their_own() -> None:
    may_switch(COORDINATOR, "A-x", "county", None, GEO)
    with pytest.raises(Unprocessable):
        may_switch(COORDINATOR, "A-c", "coordinator", None, GEO)


def test_a_county_committee_switches_only_its_units_admins() -> None:
    may_switch(CHENGQU, "A-u", "unit", ("140302", "140302001"), GEO)
    may_switch(ZONE, "A-u", "unit", ("140311", "140311400"), GEO)
    for args in (
        ("unit", ("140322", None)),  # another county's unit
        ("unit", ("city", None)),  # 市直: the coordinator's
        ("student", None),
        ("county", None),
    ):
        with pytest.raises(Forbidden):
            may_switch(CHENGQU, "A-u", args[0], args[1], GEO)  # type: ignore[arg-type]
    with pytest.raises(Forbidden):
        may_switch(CHENGQU, "A-u", "unit", ("140311", "140311400"), GEO)  # the zone's own
