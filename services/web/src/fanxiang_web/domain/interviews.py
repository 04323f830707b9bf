"""A student's interviews as placement lists them (``/v1/applications/mine/interviews``): which
one comes next, and whether a place is an online meeting link (shown as a link)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any


def is_link(place: str | None) -> bool:
    return bool(place) and str(place).startswith(("https://", "http://"))


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def upcoming(items: Sequence[Mapping[str, Any]], now: datetime) -> Mapping[str, Any] | None:
    """The next interview not yet started (the earliest), else None."""
    future = [i for i in items if i.get("interview") and _at(i["interview"]["at"]) > now]
    return min(future, key=lambda i: _at(i["interview"]["at"])) if future else None


def bookable(items: Sequence[Mapping[str, Any]]) -> int:
    """How many posts have slots the student could book but has not booked."""
    return sum(1 for i in items if i.get("slots") and not i.get("booking"))
