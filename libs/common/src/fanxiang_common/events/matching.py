"""Events matching publishes. Consumers: placement (onboarding), notify (messages).

``OfferMadeV1`` was defined minimally by placement, which consumes it; matching owns it and
only adds optional fields within this version. ``RoundPublishedV1`` tells the coordinator (via
notify) that a round was published; its type is ``matching.round.finished.v1``.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.topics import ASSIGNMENTS, ROUNDS, Topic


class OfferMadeV1(EventData):
    """A published round offers the student this post; they answer by ``accept_by``."""

    type: ClassVar[str] = "matching.offer.made.v1"
    topic: ClassVar[Topic] = ASSIGNMENTS
    aggregate_field: ClassVar[str] = "student_id"

    student_id: str
    post_id: str
    round_id: str
    accept_by: datetime
    application_id: str | None = Field(default=None, description="the application placed")
    season_id: str | None = None
    unit_id: str | None = None
    choice: int | None = Field(
        default=None, ge=1, description="1-based position of the post in the student's 志愿"
    )


class NotPlacedV1(EventData):
    """A published round placed the student nowhere; they may be placed in a supplementary
    round (补录). Sent so that nobody waits for an offer that is not coming."""

    type: ClassVar[str] = "matching.student.not-placed.v1"
    topic: ClassVar[Topic] = ASSIGNMENTS
    aggregate_field: ClassVar[str] = "student_id"

    student_id: str
    round_id: str
    season_id: str
    kind: str = Field(description="'main' or 'supplementary'")
    application_id: str | None = None


class RoundPublishedV1(EventData):
    """A matching round was published (immutable from now on); its offers are on
    ``matching.assignments.v1``, one per placed student."""

    type: ClassVar[str] = "matching.round.finished.v1"
    topic: ClassVar[Topic] = ROUNDS
    aggregate_field: ClassVar[str] = "round_id"

    round_id: str
    season_id: str
    kind: str = Field(description="'main' or 'supplementary' (补录)")
    locality: str = Field(description="rules.locality: 'any' or 'home-county'")
    seed: int
    input_sha256: str
    students: int = Field(ge=0)
    placed: int = Field(ge=0)
    unmatched: int = Field(ge=0)
    seats: int = Field(ge=0)
    published_at: datetime
    published_by: str
