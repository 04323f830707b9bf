"""What the role modules share: the current season and the geography from placement."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fanxiang_web import ui
from fanxiang_web.domain import labels, seasons


def now() -> datetime:
    return datetime.now(UTC)


async def current_season(ctx: ui.Ctx) -> dict[str, Any] | None:
    found = seasons.current(await ctx.api.get("placement", "/v1/seasons"), now())
    return dict(found) if found else None


def county_names(reference: dict[str, Any]) -> dict[str, str]:
    """Adcode → name, with 市直 (county ``city``) first."""
    return {"city": labels.CITY_LABEL, **{c["code"]: c["name"] for c in reference["counties"]}}


def township_names(reference: dict[str, Any]) -> dict[str, str]:
    return {code: name for c in reference["counties"] for code, name in c["townships"].items()}


def townships_of(reference: dict[str, Any], county: str) -> dict[str, str]:
    for c in reference["counties"]:
        if c["code"] == county:
            return dict(c["townships"])
    return {}
