"""Who receives a notification: a person or an office, named by a stable key.

Keys are ``<kind>:<id>`` — ``student:S-1``, ``unit:U-7``, ``county:140302``,
``coordinator:city``, ``liaison:L-3``, ``account:A-9`` (an account known only by its id, e.g.
a sign-in code for an account whose profile notify has not seen). Offices (a unit, a county
committee, the coordinator) share one inbox among the people who work there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fanxiang_common.auth import Principal, Role


class Audience(StrEnum):
    STUDENT = "student"
    UNIT = "unit"
    COUNTY = "county"
    COORDINATOR = "coordinator"
    LIAISON = "liaison"
    ACCOUNT = "account"
    COMMITTEE = "committee"
    """The office that manages a place: a county adcode or zone code, or ``city`` (the
    coordinator, who manages 市直 posts)."""


COORDINATOR_ID = "city"


@dataclass(frozen=True, order=True)
class Recipient:
    kind: Audience
    id: str

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def parse(cls, key: str) -> Recipient:
        kind, _, ident = key.partition(":")
        if not ident:
            raise ValueError(f"not a recipient key: {key!r}")
        return cls(Audience(kind), ident)


def resolve(audience: Audience, ident: str | None) -> Recipient:
    """The recipient a rule's audience names, given the id the event carries."""
    if audience is Audience.COORDINATOR:
        return Recipient(Audience.COORDINATOR, COORDINATOR_ID)
    if not ident:
        raise ValueError(f"the event names no {audience.value}")
    if audience is Audience.COMMITTEE:
        if ident == COORDINATOR_ID:
            return Recipient(Audience.COORDINATOR, COORDINATOR_ID)
        return Recipient(Audience.COUNTY, ident)
    return Recipient(audience, ident)


def inbox_of(principal: Principal) -> Recipient | None:
    """The one inbox a caller may read; None for callers without one (other services)."""
    match principal.role:
        case Role.STUDENT | Role.OFFICER:  # branch officers are students with a duty
            return Recipient(Audience.STUDENT, principal.subject)
        case Role.UNIT:
            return Recipient(Audience.UNIT, principal.unit_id) if principal.unit_id else None
        case Role.COUNTY:
            return Recipient(Audience.COUNTY, principal.county) if principal.county else None
        case Role.COORDINATOR:
            return Recipient(Audience.COORDINATOR, COORDINATOR_ID)
        case Role.LIAISON:
            return Recipient(Audience.LIAISON, principal.subject)
    return None


def normalise_city(city: str | None) -> str | None:
    """A study city as typed by students and liaisons: '北京市', '北京 ' and '北京' are one."""
    if city is None:
        return None
    value = "".join(city.split()).casefold()
    if value.endswith("市") and len(value) > 1:
        value = value[:-1]
    return value or None
