"""What a demo season holds: plain frozen records, keyed by the demo's own keys (``U001``,
``P001``, ``S001``) because the services' ids are only known once they are loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Literal

PostStatus = Literal["published", "submitted", "returned", "draft"]


@dataclass(frozen=True)
class SeasonPlan:
    season_id: str
    name: str
    on_post_start: date
    on_post_end: date
    max_choices: int = 5
    # Windows in days from the moment of loading: posts and applications are open, and the
    # interviews have begun, so that every step of the season can be tried by hand.
    posts_days: tuple[int, int] = (-30, 10)
    applications_days: tuple[int, int] = (-20, 12)
    interviews_days: tuple[int, int] = (-10, 30)


@dataclass(frozen=True)
class Committee:
    org: str
    """The county adcode, or the development zone's township code."""
    name: str
    phone: str


@dataclass(frozen=True)
class Liaison:
    city: str
    name: str
    phone: str


@dataclass(frozen=True)
class Unit:
    key: str
    name: str
    unit_type: str
    county: str
    """adcode, or ``city`` for 市直 units."""
    township: str | None
    address: str
    contact_name: str
    contact_phone: str
    approver: str
    """Who approves its posts: the zone's township code, the county adcode, or ``city`` (the
    coordinator)."""


@dataclass(frozen=True)
class Post:
    key: str
    unit: str
    title: str
    category: str
    county: str
    township: str | None
    capacity: int
    majors: tuple[str, ...]
    need: str
    duties: str
    hours: str
    supervisor: str
    subsidy: str
    meals: str
    safety_notes: str
    status: PostStatus
    return_reason: str | None = None


@dataclass(frozen=True)
class Student:
    key: str
    phone: str
    name: str
    gender: str
    university: str
    city: str
    province: str
    grade: str
    major: str
    discipline: str
    home_county: str
    home_township: str
    political_status: str
    publicity: bool
    choices: tuple[str, ...]
    """Post keys, best first; empty: registered but not applied (yet)."""
    eligible: bool | None
    """The home committee's decision; None: still in its queue."""
    home_org: str
    """The committee deciding eligibility (属地): the zone's township code or the county."""
    ineligible_reason: str | None = None


@dataclass(frozen=True)
class Interview:
    student: str
    post: str
    in_hours: int
    """When, in hours from the moment of loading (negative: already held)."""
    place: str
    scores: dict[str, float] | None
    refusal: str | None = None


@dataclass(frozen=True)
class SurveyAnswer:
    key: str
    student: str | None
    answers: dict[str, Any]


@dataclass(frozen=True)
class Demo:
    seed: int
    scale: float
    season: SeasonPlan
    committees: tuple[Committee, ...]
    liaisons: tuple[Liaison, ...]
    units: tuple[Unit, ...]
    posts: tuple[Post, ...]
    students: tuple[Student, ...]
    interviews: tuple[Interview, ...]
    responses: tuple[SurveyAnswer, ...] = field(default=())

    @property
    def universities(self) -> set[str]:
        return {s.university for s in self.students}

    @property
    def cities(self) -> set[str]:
        return {s.city for s in self.students}

    @property
    def applicants(self) -> tuple[Student, ...]:
        return tuple(s for s in self.students if s.choices)

    @property
    def published(self) -> tuple[Post, ...]:
        return tuple(p for p in self.posts if p.status == "published")

    def unit(self, key: str) -> Unit:
        return self._units[key]

    def post(self, key: str) -> Post:
        return self._posts[key]

    @cached_property
    def _units(self) -> dict[str, Unit]:
        return {u.key: u for u in self.units}

    @cached_property
    def _posts(self) -> dict[str, Post]:
        return {p.key: p for p in self.posts}
