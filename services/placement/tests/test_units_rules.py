"""Who decides a unit's self-registration."""

from __future__ import annotations

import pytest

from fanxiang_common.auth import Principal, Role
from fanxiang_common.errors import Conflict, Forbidden
from placement_service.domain.geography import default_geography
from placement_service.domain.units import decider, may_decide, require_pending

GEO = default_geography()
CHENGQU = Principal(subject="c", role=Role.COUNTY, county="140302")
JIAOQU = Principal(subject="j", role=Role.COUNTY, county="140311")
ZONE = Principal(subject="z", role=Role.COUNTY, county="140311400")
CITY = Principal(subject="e", role=Role.COORDINATOR)
UNIT = Principal(subject="u", role=Role.UNIT, unit_id="U-1")


def test_the_committee_of_the_place_decides() -> None:
    assert decider("140302", "140302001", GEO) == "140302"
    assert decider("140311", "140311400", GEO) == "140311400"  # the development zone
    assert decider("city", None, GEO) == "city"
    may_decide(CHENGQU, "140302", None, GEO)
    may_decide(ZONE, "140311", "140311400", GEO)
    for who, county, township in (
        (JIAOQU, "140311", "140311400"),  # the zone decides its own units
        (CHENGQU, "140322", None),
        (CHENGQU, "city", None),
        (UNIT, "140302", None),
    ):
        with pytest.raises(Forbidden):
            may_decide(who, county, township, GEO)


def test_the_coordinator_decides_any_and_市直_units() -> None:
    may_decide(CITY, "city", None, GEO)
    may_decide(CITY, "140302", None, GEO)


def test_only_pending_registrations_are_decided() -> None:
    require_pending("pending")
    for status in ("active", "rejected"):
        with pytest.raises(Conflict):
            require_pending(status)
