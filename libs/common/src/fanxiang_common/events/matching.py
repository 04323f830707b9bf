"""Events matching publishes. Consumers: placement (onboarding), notify (messages).

Defined minimally by placement, which consumes it; matching owns it and may add optional
fields within this version."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.topics import ASSIGNMENTS, Topic


class OfferMadeV1(EventData):
    """A published round offers the student this post; they answer by ``accept_by``."""

    type: ClassVar[str] = "matching.offer.made.v1"
    topic: ClassVar[Topic] = ASSIGNMENTS
    aggregate_field: ClassVar[str] = "student_id"

    student_id: str
    post_id: str
    round_id: str
    accept_by: datetime
