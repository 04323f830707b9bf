"""Events notify publishes. Consumers: none yet (operations, the web front end's alerts).

Topic ``notify.notifications.v1``, keyed by notification id.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from fanxiang_common.events.envelope import EventData
from fanxiang_common.events.topics import NOTIFICATIONS, Topic


class DeliveryDeadLetteredV1(EventData):
    """A notification could not be delivered on a channel after its last try (or was refused
    for good); the coordinator sees it in notify's dead letters and may send it again."""

    type: ClassVar[str] = "notify.delivery.dead-lettered.v1"
    topic: ClassVar[Topic] = NOTIFICATIONS
    aggregate_field: ClassVar[str] = "notification_id"

    notification_id: str
    delivery_id: int
    recipient: str = Field(description="recipient key, e.g. 'student:S-1' (no contact data)")
    purpose: str
    channel: str = Field(description="email | sms | wechat")
    attempts: int = Field(ge=0)
    reason: str
    source_event_id: str
    source_type: str


class BroadcastSentV1(EventData):
    """A liaison's broadcast went out to the students studying in a city."""

    type: ClassVar[str] = "notify.broadcast.sent.v1"
    topic: ClassVar[Topic] = NOTIFICATIONS
    aggregate_field: ClassVar[str] = "broadcast_id"

    broadcast_id: str
    liaison: str = Field(description="the liaison's account id")
    city: str
    recipients: int = Field(ge=0)
    approved_by: str | None = None
