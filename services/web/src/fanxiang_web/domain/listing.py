"""The students' post list: filters the API has no parameter for, and the three orders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fanxiang_web.domain.distance import Distance, Home, Seat, nearest_first

SORTS = ("near", "new", "places")


def places_left(post: Mapping[str, Any]) -> int:
    return max(0, int(post.get("capacity") or 0) - int(post.get("filled") or 0))


def arrange(
    posts: Sequence[Mapping[str, Any]],
    *,
    sort: str,
    only_with_places: bool,
    home: Home | None,
    seats: Mapping[str, Seat],
    city_seat_county: str,
) -> list[tuple[Mapping[str, Any], Distance | None]]:
    """Posts with their distance from home (None without a home), in the order asked for.
    ``near`` needs a home; without one it falls back to ``new``."""
    chosen = [p for p in posts if not only_with_places or places_left(p) > 0]
    if home is not None:
        measured: list[tuple[Mapping[str, Any], Distance | None]] = list(
            nearest_first(
                chosen,
                lambda p: (str(p["county"]), p.get("township")),
                home,
                seats,
                city_seat_county,
                tie=lambda p: str(p.get("post_id")),
            )
        )
    else:
        measured = [(p, None) for p in chosen]
    if sort == "near" and home is not None:
        return measured
    newest = sorted(measured, key=lambda pd: str(pd[0].get("approved_at") or ""), reverse=True)
    if sort == "places":
        return sorted(newest, key=lambda pd: places_left(pd[0]), reverse=True)
    return newest
