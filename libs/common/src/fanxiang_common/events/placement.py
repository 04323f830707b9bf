"""Events placement publishes. Consumers: matching (read model), notify (messages)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import Field

from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.topics import POSTS, Topic


class _PostEvent(EventData):
    topic: ClassVar[Topic] = POSTS
    aggregate_field: ClassVar[str] = "post_id"

    post_id: str


class PostPublishedV1(_PostEvent):
    """A post was approved and is open to students (因需设岗)."""

    type: ClassVar[str] = "placement.post.published.v1"

    unit_id: str
    season_id: str
    title: str
    category: str
    county: str = Field(description="adcode of the post's county, or 'city' for 市直 posts")
    township: str | None = None
    capacity: int = Field(ge=0)
    majors: list[str] = Field(default_factory=list)
    starts_on: date | None = None
    ends_on: date | None = None


class PostCapacityChangedV1(_PostEvent):
    type: ClassVar[str] = "placement.post.capacity-changed.v1"

    capacity: int = Field(ge=0)
    previous_capacity: int = Field(ge=0)


class PostWithdrawnV1(_PostEvent):
    """The post no longer takes students (withdrawn or closed)."""

    type: ClassVar[str] = "placement.post.withdrawn.v1"

    reason: str | None = None
