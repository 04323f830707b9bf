"""Units' registration: a unit that registers itself waits for the committee of its place;
one a committee (or the coordinator) registers is active at once."""

from __future__ import annotations

from enum import StrEnum

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden
from placement_service.domain.geography import CITY, Geography


class UnitStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"


REGISTRATION_SUBJECT = "R-"
"""One-time codes of a registration's contact are kept under 'R-<phone>' (no account yet)."""


def decider(county: str, township: str | None, geo: Geography) -> str:
    """Who approves a unit registered at this place: its county committee (or the development
    zone's 团工委), and for 市直 units the city (``city``)."""
    return geo.managing_org(county, township)


def may_decide(principal: Principal, county: str, township: str | None, geo: Geography) -> None:
    """The coordinator decides any registration; a county committee those of its place."""
    if principal.role is Role.COORDINATOR:
        return
    if (
        principal.role is Role.COUNTY
        and county != CITY
        and principal.county == decider(county, township, geo)
    ):
        return
    raise Forbidden(
        "the committee of the unit's county (市直: the city) decides its registration",
        loc=("path", "unit_id"),
    )


def require_pending(status: str) -> None:
    if status != UnitStatus.PENDING:
        raise Conflict(
            f"this registration is already {status}", loc=("path", "unit_id"), code="invalid_state"
        )
