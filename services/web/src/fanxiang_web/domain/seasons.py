"""Which season a page is about, and where it stands, from placement's season list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def current(seasons: Sequence[Mapping[str, Any]], now: datetime) -> Mapping[str, Any] | None:
    """The season people are working in: an open one whose applications window holds ``now``;
    else the next to open; else the open one that started last; else the newest closed one."""
    if not seasons:
        return None
    live = [s for s in seasons if not s.get("closed")]
    applying = [
        s for s in live if _at(s["applications_open"]) <= now < _at(s["applications_close"])
    ]
    if applying:
        return min(applying, key=lambda s: _at(s["applications_close"]))
    upcoming = [s for s in live if _at(s["applications_open"]) > now]
    if upcoming:
        return min(upcoming, key=lambda s: _at(s["applications_open"]))
    pool = live or list(seasons)
    return max(pool, key=lambda s: _at(s["applications_open"]))


def window(season: Mapping[str, Any], phase: str, now: datetime) -> str:
    """``open``, ``not_yet`` or ``closed`` for ``posts``, ``applications`` or ``interviews``."""
    if season.get("closed"):
        return "closed"
    opens, closes = _at(season[f"{phase}_open"]), _at(season[f"{phase}_close"])
    if now < opens:
        return "not_yet"
    return "open" if now < closes else "closed"
