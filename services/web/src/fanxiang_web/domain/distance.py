"""就近就便: order posts by the distance from the student's home to the post.

Geography comes from placement's ``/v1/reference``: county seats with coordinates and the
townships of each county (no township coordinates). So the distance is between county seats,
and inside one county a post in the student's own township comes first. 市直 posts (county
``city``) sit at the city government, in the county the settings name."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

CITY = "city"
EARTH_RADIUS_KM = 6371.0088

T = TypeVar("T")


@dataclass(frozen=True)
class Seat:
    lon: float
    lat: float


@dataclass(frozen=True)
class Home:
    county: str
    township: str | None = None


def great_circle_km(a: Seat, b: Seat) -> float:
    """Haversine distance in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Distance:
    km: float | None
    """Between county seats; None when either place is unknown."""
    same_township: bool
    same_county: bool

    def key(self) -> tuple[float, int, int]:
        """Sort key: nearer first; an unknown distance last; own township, then own county."""
        km = math.inf if self.km is None else round(self.km, 1)
        return (km, 0 if self.same_township else 1, 0 if self.same_county else 1)


def distance(
    home: Home,
    county: str,
    township: str | None,
    seats: Mapping[str, Seat],
    city_seat_county: str,
) -> Distance:
    post_county = city_seat_county if county == CITY else county
    a, b = seats.get(home.county), seats.get(post_county)
    km = great_circle_km(a, b) if a is not None and b is not None else None
    return Distance(
        km=km,
        same_township=township is not None and township == home.township,
        same_county=county == home.county,
    )


def nearest_first(
    items: Iterable[T],
    place: Callable[[T], tuple[str, str | None]],
    home: Home,
    seats: Mapping[str, Seat],
    city_seat_county: str,
    tie: Callable[[T], str] = lambda _: "",
) -> list[tuple[T, Distance]]:
    """``items`` with their distance, nearest first; ``tie`` breaks equal distances (stable,
    so the order of a page never shuffles between two loads)."""
    measured = [(item, distance(home, *place(item), seats, city_seat_county)) for item in items]
    measured.sort(key=lambda pair: (*pair[1].key(), tie(pair[0])))
    return measured


def seats_from_reference(counties: Sequence[Mapping[str, object]]) -> dict[str, Seat]:
    """``/v1/reference``'s ``counties`` → seat coordinates by adcode."""
    return {
        str(c["code"]): Seat(float(c["lon"]), float(c["lat"]))  # type: ignore[arg-type]
        for c in counties
    }
