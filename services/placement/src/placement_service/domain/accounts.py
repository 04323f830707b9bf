"""Who may disable or re-enable an account: the coordinator any (but not their own), a county
committee the admin accounts of the units it manages."""

from __future__ import annotations

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Forbidden, Unprocessable
from placement_service.domain.geography import CITY, Geography


def may_switch(
    principal: Principal,
    account_id: str,
    account_role: str,
    unit_place: tuple[str, str | None] | None,
    geo: Geography,
) -> None:
    """Raise unless ``principal`` may disable/enable the account. ``unit_place`` is the
    (county, township) of the unit a unit admin belongs to."""
    if principal.subject == account_id:
        raise Unprocessable(
            "you cannot disable or enable your own account", loc=("path", "account_id")
        )
    if principal.role is Role.COORDINATOR:
        return
    if (
        principal.role is Role.COUNTY
        and account_role == Role.UNIT.value
        and unit_place is not None
        and unit_place[0] != CITY
        and geo.managing_org(*unit_place) == principal.county
    ):
        return
    raise Forbidden(
        "a county committee disables only the accounts of its county's units",
        loc=("path", "account_id"),
    )
