"""The instance document's shape (contract 4), as msgspec types.

msgspec checks field presence and types in C and ignores unknown fields (forward compatible).
Two variants share one shape: `Doc` decodes every value (the reference path, precise errors);
`RawDoc` leaves the long id lists as raw JSON for the vectorised fast path (`fastparse`).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Raw, Struct

from .model import DEFAULT_SEED

NonEmpty = Annotated[str, Meta(min_length=1)]
Capacity = Annotated[int, Meta(ge=0)]
Lon = Annotated[float, Meta(ge=-180.0, le=180.0)]
Lat = Annotated[float, Meta(ge=-90.0, le=90.0)]


# gc=False: these records hold no cycles, and a million tracked objects make the collector
# rescan them over and over while decoding (measured: 3x slower decode).
class Point(Struct, frozen=True, gc=False):
    lon: Lon
    lat: Lat


class Rules(Struct, frozen=True, gc=False):
    locality: Literal["any", "home-county"] = "any"
    seed: int = DEFAULT_SEED


class Student(Struct, gc=False):
    id: NonEmpty
    home_county: NonEmpty
    choices: list[str]
    home: Point | None = None
    locality_exception: bool = False


class Post(Struct, gc=False):
    id: NonEmpty
    county: NonEmpty
    capacity: Capacity
    ranking: list[str] | msgspec.UnsetType = msgspec.UNSET
    scores: dict[str, float] | msgspec.UnsetType = msgspec.UNSET
    refused: list[str] = []  # msgspec copies mutable defaults per instance
    location: Point | None = None


class Doc(Struct, gc=False):
    students: list[Student]
    posts: list[Post]
    rules: Rules = Rules()


class RawStudent(Struct, gc=False):
    id: NonEmpty
    home_county: NonEmpty
    choices: Raw
    home: Point | None = None
    locality_exception: bool = False


class RawPost(Struct, gc=False):
    id: NonEmpty
    county: NonEmpty
    capacity: Capacity
    ranking: Raw = Raw()  # empty Raw = field absent
    scores: Raw = Raw()
    refused: Raw = Raw()
    location: Point | None = None


class RawDoc(Struct, gc=False):
    students: list[RawStudent]
    posts: list[RawPost]
    rules: Rules = Rules()
