"""What a certificate (实践证明) says, from placement's placement and post. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
ISSUABLE = frozenset({"completed"})


def issuable(placement: Mapping[str, Any]) -> bool:
    """Only a completed placement gets a certificate (the unit confirmed the end)."""
    return placement.get("status") in ISSUABLE


@dataclass(frozen=True)
class Certificate:
    number: str
    name: str
    university: str
    unit: str
    post: str
    start: date | None
    end: date | None
    issued: date | None


def _day(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    return at.astimezone(BEIJING).date() if at.tzinfo else at.date()


def of(placement: Mapping[str, Any], post: Mapping[str, Any]) -> Certificate:
    """Dates: when the student arrived (on post) to when the unit completed the placement;
    the post's own dates stand in for what placement did not record."""
    return Certificate(
        number=str(placement["placement_id"]),
        name=str(placement.get("student_name") or ""),
        university=str(placement.get("university") or ""),
        unit=str(placement.get("unit_name") or post.get("unit_name") or ""),
        post=str(placement.get("post_title") or post.get("title") or ""),
        start=_day(placement.get("on_post_at")) or _day(post.get("starts_on")),
        end=_day(placement.get("completed_at")) or _day(post.get("ends_on")),
        issued=_day(placement.get("completed_at")),
    )
